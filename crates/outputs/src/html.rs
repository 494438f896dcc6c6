//! `--format html`: one self-contained page (inline CSS and a few lines of
//! script, no external requests) for people who do not live in a terminal.
//! Every value from the input is HTML-escaped: object names, messages and
//! paths come from manifests an attacker may have written.

use crate::{Report, location_text, pillar_order, responsibility_order};
use eksguard_core::{ErrorLevel, Finding, Severity};
use std::collections::BTreeSet;
use std::io::{self, Write};

/// Escapes text for element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#16202c;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:20px}
main{padding:16px 24px;max-width:1400px}
.verdict-fail{color:#ffb4b4;font-weight:600}.verdict-pass{color:#b6f0c0;font-weight:600}
#filters label{margin-right:12px;cursor:pointer}
section.pillar{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:16px 0;padding:8px 16px}
h2{font-size:17px;margin:8px 0}h3{font-size:14px;margin:12px 0 6px;color:#4a5563}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-top:1px solid #eceff2}
th{font-size:12px;text-transform:uppercase;color:#5d6875}
.badge{display:inline-block;border-radius:3px;padding:1px 6px;font-size:12px;font-weight:600;color:#fff}
.critical{background:#7b1fa2}.high{background:#c62828}.medium{background:#e08a00}.low{background:#0277bd}.info{background:#607d8b}
code,.path,.loc{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.path{color:#5d6875}.fix{color:#1b5e20}
tr[hidden]{display:none}
details{margin:4px 0}pre{white-space:pre-wrap;background:#f3f4f6;padding:8px;border-radius:4px}
"#;

/// Filters rows by minimum severity, from the checkboxes or `#min=SEVERITY`.
const SCRIPT: &str = r#"
(function(){
  var order=["info","low","medium","high","critical"];
  var boxes=[].slice.call(document.querySelectorAll('#filters input[type=checkbox]'));
  function apply(){
    var on={};boxes.forEach(function(b){on[b.value]=b.checked;});
    var rows=document.querySelectorAll('tr.finding');var n=0;
    for(var i=0;i<rows.length;i++){var show=!!on[rows[i].getAttribute('data-severity')];
      if(show){rows[i].removeAttribute('hidden');n++;}else{rows[i].setAttribute('hidden','');}}
    document.getElementById('visible-count').textContent=String(n);
  }
  var m=/min=([a-z]+)/.exec(location.hash);
  if(m&&order.indexOf(m[1])>=0){var min=order.indexOf(m[1]);
    boxes.forEach(function(b){b.checked=order.indexOf(b.value)>=min;});}
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  apply();
})();
"#;

fn row(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let sev = f.severity.as_str();
    writeln!(
        out,
        r##"<tr class="finding" data-severity="{sev}" data-control="{id}"><td><span class="badge {sev}">{sev}</span></td><td><a href="#rule-{id}">{id}</a></td><td><code>{obj}</code></td><td class="loc">{loc}</td><td><div class="message">{msg}</div>{path}<div class="fix">Fix: {fix}</div></td></tr>"##,
        id = esc(f.control),
        obj = esc(&f.object.arn.clone().unwrap_or_else(|| f.object.short())),
        loc = esc(&location_text(f)),
        msg = esc(&f.message),
        path = if f.path.is_empty() {
            String::new()
        } else {
            format!(r#"<div class="path">at {}</div>"#, esc(&f.path))
        },
        fix = esc(&f.remediation),
    )
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary();
    let mut active: Vec<&Finding> = report.active().collect();
    active.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    writeln!(out, "<!doctype html>")?;
    writeln!(
        out,
        r#"<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">"#
    )?;
    writeln!(
        out,
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">"#
    )?;
    writeln!(
        out,
        "<title>eksguard report</title><style>{STYLE}</style></head><body>"
    )?;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|sev| {
            format!(
                "{} {sev}",
                s.by_severity.get(sev.as_str()).copied().unwrap_or(0)
            )
        })
        .collect();
    let verdict = if s.failed {
        format!(
            r#"<span class="verdict-fail">FAIL: findings at or above {}</span>"#,
            s.fail_on
        )
    } else {
        format!(
            r#"<span class="verdict-pass">PASS: no finding at or above {}</span>"#,
            s.fail_on
        )
    };
    writeln!(
        out,
        r#"<header><h1>eksguard report</h1><p id="summary"><span id="finding-count">{}</span> findings ({}) · {} suppressed · {} objects from {} inputs · {} input errors · {verdict}</p>"#,
        s.findings,
        counts.join(", "),
        s.suppressed,
        s.objects,
        s.inputs,
        s.errors
    )?;
    write!(out, r#"<div id="filters">Show: "#)?;
    for sev in Severity::ALL {
        write!(
            out,
            r#"<label><input type="checkbox" value="{sev}" checked> {sev}</label>"#
        )?;
    }
    writeln!(
        out,
        r#" — <span id="visible-count">{}</span> shown</div></header><main>"#,
        active.len()
    )?;
    for pillar in pillar_order() {
        let in_pillar: Vec<&&Finding> = active.iter().filter(|f| f.pillar == pillar).collect();
        if in_pillar.is_empty() {
            continue;
        }
        writeln!(
            out,
            r#"<section class="pillar" id="pillar-{}"><h2>{} <small>({})</small></h2>"#,
            pillar.as_str(),
            esc(pillar.title()),
            in_pillar.len()
        )?;
        for resp in responsibility_order() {
            let group: Vec<&&&Finding> = in_pillar
                .iter()
                .filter(|f| f.responsibility == resp)
                .collect();
            if group.is_empty() {
                continue;
            }
            writeln!(
                out,
                r#"<h3 data-responsibility="{}">{}</h3>"#,
                resp.as_str(),
                esc(resp.title())
            )?;
            writeln!(
                out,
                "<table><thead><tr><th>Severity</th><th>Control</th><th>Object</th><th>Location</th><th>Finding</th></tr></thead><tbody>"
            )?;
            for f in group {
                row(out, f)?;
            }
            writeln!(out, "</tbody></table>")?;
        }
        writeln!(out, "</section>")?;
    }
    let suppressed: Vec<&Finding> = report.suppressed().collect();
    if !suppressed.is_empty() {
        writeln!(
            out,
            r#"<section class="pillar" id="suppressed"><h2>Suppressed ({})</h2><ul>"#,
            suppressed.len()
        )?;
        for f in suppressed {
            let reason = f.suppressed.as_ref().map_or("", |s| s.reason.as_str());
            writeln!(
                out,
                "<li><code>{}</code> <code>{}</code>: {}</li>",
                esc(f.control),
                esc(&f.object.short()),
                esc(reason)
            )?;
        }
        writeln!(out, "</ul></section>")?;
    }
    if !report.errors.is_empty() {
        writeln!(
            out,
            r#"<section class="pillar" id="errors"><h2>Input problems ({})</h2><ul>"#,
            report.errors.len()
        )?;
        for e in report.errors {
            let class = if e.level == ErrorLevel::Error {
                "error"
            } else {
                "warning"
            };
            writeln!(
                out,
                r#"<li class="{class}"><code>{}</code></li>"#,
                esc(&e.to_string())
            )?;
        }
        writeln!(out, "</ul></section>")?;
    }
    let used: BTreeSet<&str> = report.findings.iter().map(|f| f.control).collect();
    writeln!(
        out,
        r#"<section class="pillar" id="rules"><h2>Controls</h2>"#
    )?;
    for c in report.controls.iter().filter(|c| used.contains(c.id)) {
        writeln!(
            out,
            r#"<details id="rule-{id}"><summary><code>{id}</code> {title} — {sev}, {pillar}, {resp}</summary><pre>{docs}</pre></details>"#,
            id = esc(c.id),
            title = esc(c.title),
            sev = c.severity,
            pillar = esc(c.pillar.title()),
            resp = esc(c.responsibility.title()),
            docs = esc(&c.docs())
        )?;
    }
    writeln!(
        out,
        "</section></main><script>{SCRIPT}</script></body></html>"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            super::esc(r#"<img src=x onerror="a">&'"#),
            "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;"
        );
    }
}
