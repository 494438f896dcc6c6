//! `--format junit`: one test suite per control, one test case per
//! control × object it evaluated; input errors as a suite of their own.

use crate::Report;
use eksguard_core::{ErrorLevel, Finding, ObjectRef};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn object_name(o: &ObjectRef) -> String {
    o.arn.clone().unwrap_or_else(|| o.short())
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // control -> object -> findings
    let mut cases: BTreeMap<&str, BTreeMap<String, Vec<&Finding>>> = BTreeMap::new();
    for (control, obj) in report.evaluated {
        cases
            .entry(control)
            .or_default()
            .entry(object_name(obj))
            .or_default();
    }
    for f in report.findings {
        cases
            .entry(f.control)
            .or_default()
            .entry(object_name(&f.object))
            .or_default()
            .push(f);
    }
    let total: usize = cases.values().map(BTreeMap::len).sum::<usize>() + report.errors.len();
    let failures: usize = cases
        .values()
        .flat_map(BTreeMap::values)
        .filter(|fs| fs.iter().any(|f| f.suppressed.is_none()))
        .count();
    let errors = report
        .errors
        .iter()
        .filter(|e| e.level == ErrorLevel::Error)
        .count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="eksguard" tests="{total}" failures="{failures}" errors="{errors}">"#
    )?;
    let ids: BTreeSet<&str> = cases.keys().copied().collect();
    for id in ids {
        let objects = &cases[id];
        let title = report.control(id).map_or("", |c| c.title);
        let fails = objects
            .values()
            .filter(|fs| fs.iter().any(|f| f.suppressed.is_none()))
            .count();
        let skipped = objects
            .values()
            .filter(|fs| !fs.is_empty() && fs.iter().all(|f| f.suppressed.is_some()))
            .count();
        writeln!(
            out,
            r#"  <testsuite name="{} {}" tests="{}" failures="{fails}" errors="0" skipped="{skipped}">"#,
            xml_escape(id),
            xml_escape(title),
            objects.len()
        )?;
        for (object, findings) in objects {
            write!(
                out,
                r#"    <testcase classname="{}" name="{}""#,
                xml_escape(id),
                xml_escape(object)
            )?;
            let active: Vec<_> = findings.iter().filter(|f| f.suppressed.is_none()).collect();
            if !active.is_empty() {
                writeln!(out, ">")?;
                let body: Vec<String> = active
                    .iter()
                    .map(|f| {
                        let loc = f
                            .location
                            .as_ref()
                            .map(|l| format!("{}:{}:{} ", l.file, l.line, l.column))
                            .unwrap_or_default();
                        format!("{loc}{} ({}) Fix: {}", f.message, f.path, f.remediation)
                    })
                    .collect();
                writeln!(
                    out,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    xml_escape(&active[0].message),
                    active[0].severity,
                    xml_escape(&body.join("\n"))
                )?;
                writeln!(out, "    </testcase>")?;
            } else if let Some(f) = findings.first() {
                let reason = f.suppressed.as_ref().map_or("", |s| s.reason.as_str());
                writeln!(out, ">")?;
                writeln!(
                    out,
                    r#"      <skipped message="suppressed: {}"/>"#,
                    xml_escape(reason)
                )?;
                writeln!(out, "    </testcase>")?;
            } else {
                writeln!(out, "/>")?;
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    if !report.errors.is_empty() {
        writeln!(
            out,
            r#"  <testsuite name="input" tests="{}" failures="0" errors="{errors}">"#,
            report.errors.len()
        )?;
        for e in report.errors {
            let pos = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            write!(
                out,
                r#"    <testcase classname="input" name="{}{}""#,
                xml_escape(&e.input),
                pos
            )?;
            if e.level == ErrorLevel::Error {
                writeln!(out, ">")?;
                writeln!(
                    out,
                    r#"      <error message="{}"/>"#,
                    xml_escape(&e.message)
                )?;
                writeln!(out, "    </testcase>")?;
            } else {
                writeln!(out, ">")?;
                writeln!(
                    out,
                    r#"      <system-out>{}</system-out>"#,
                    xml_escape(&e.message)
                )?;
                writeln!(out, "    </testcase>")?;
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
