//! `--format html`: one self-contained page (inline CSS and one small script,
//! no external request: the page's Content-Security-Policy forbids any) laid
//! out as a posture dashboard.
//!
//! 1. **Posture** (the first screen): the verdict, the shared-responsibility
//!    matrix (pillar × owner: verified / drifted / not checked for what AWS
//!    manages, changed / action needed / not checked for weak AWS defaults,
//!    pass / fail / not checked for the customer), each framework's score as
//!    a bar, findings per severity as bars, and the AWS-managed guarantees
//!    that were verified.
//! 2. **Controls**: per control its result counts, and in a `<details>` the
//!    objects per status (at most [`MAX_LISTED`] each) with the finding or the
//!    reason a control was not checked or does not apply.
//! 3. **Frameworks**: per requirement its status and the evidence behind it.
//! 4. **Findings**, then what was not checked, the baseline comparison,
//!    accepted risks and input problems.
//!
//! Filters (severity, pillar, owner, framework, namespace, status) work from
//! the form or the URL fragment (`#severity=critical`, `#min=high`,
//! `#pillar=images&status=fail`); `#selftest` makes the script record the
//! page's width on `<body>` (`data-scroll-width`) for the browser test.
//!
//! Every value from the input is HTML-escaped, in text and attributes alike:
//! object names, messages and paths come from manifests an attacker may have
//! written. The output is deterministic: the only clock value is
//! [`Report::timestamp`].

use crate::{Report, StatusCounts, Summary, location_text, pillar_order, responsibility_order};
use eksguard_core::{
    CheckResult, ControlMeta, ErrorLevel, Finding, GapKind, ObjectRef, Pillar, Responsibility,
    Severity, Status,
};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};

/// Objects listed per control and status; the rest are counted ("+N more")
/// so a scan of a big cluster stays a reasonable page.
pub(crate) const MAX_LISTED: usize = 200;

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
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232a;background:#f3f5f7;overflow-wrap:anywhere}
a{color:#0b57a4;text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.wrap{max-width:1400px;margin:0 auto;padding:0 24px}
header.top{background:#16202c;color:#fff;padding:14px 0 12px}
header.top h1{margin:0;font-size:20px;display:inline}
.meta{color:#c5cdd6;font-size:13px;margin:2px 0 0}
.verdict{margin:10px 0 0;padding:8px 12px;border-radius:6px;border-left:6px solid;font-size:16px;font-weight:600}
.verdict b{margin-right:6px}
.verdict-fail,.verdict-error,.verdict-incomplete{background:#fdecea;color:#8e1b13;border-color:#c62828}
.verdict-partial{background:#fff4e0;color:#7a4a00;border-color:#e08a00}
.verdict-pass{background:#e8f5e9;color:#1b5e20;border-color:#2e7d32}
main{padding:14px 0 40px}
.posture{display:grid;grid-template-columns:minmax(0,1.6fr) minmax(0,1fr);gap:14px;align-items:start}
.col{display:grid;gap:14px;min-width:0}
.card,section.block{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 16px;min-width:0}
section.block{margin-top:16px}
h2{font-size:16px;margin:0 0 8px}h2 small,h3 small{font-weight:400;color:#5d6875;font-size:13px}
h3{font-size:14px;margin:12px 0 6px}h4{font-size:12px;margin:8px 0 2px;text-transform:uppercase;letter-spacing:.03em}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-top:1px solid #eceff2;overflow-wrap:anywhere}
thead th{font-size:11px;text-transform:uppercase;letter-spacing:.02em;color:#5d6875;border-top:0;overflow-wrap:normal}
tr[hidden],[hidden]{display:none!important}
.matrix td,.matrix th.num{text-align:right;font-variant-numeric:tabular-nums;font-size:15px}
.matrix th,.matrix td{padding:4px 5px}.matrix tbody th,.matrix tfoot th{font-size:13px}
.matrix thead th{text-align:right;vertical-align:bottom;text-transform:none;font-size:12px;letter-spacing:0;line-height:1.2}
.matrix thead th.grp{text-align:center;color:#1d232a;font-size:12px;border-bottom:2px solid #c9d0d8}
.matrix th.pl{text-align:left}.matrix tbody th,.matrix tfoot th{font-weight:500}
.matrix .sep{border-left:2px solid #dde1e6}
.matrix tfoot td,.matrix tfoot th{font-weight:700;border-top:2px solid #c9d0d8}
.matrix td a{color:inherit;display:block}
.c-zero{color:#b0b8c1}.c-pass{color:#1b5e20;font-weight:600}
.c-fail{background:#fdecea;color:#b71c1c;font-weight:700}.c-nc{background:#fff4e0;color:#8a5300;font-weight:700}
.note{color:#5d6875;font-size:12px;margin:8px 0 0}
.fw{margin:0 0 10px}.fw:last-child{margin:0}
.barline{display:grid;grid-template-columns:minmax(0,1fr) 4.5em;gap:8px;align-items:center}
.bar{height:12px;background:#e6eaee;border-radius:6px;overflow:hidden}
.fill{display:block;height:100%;background:#2e7d32;border-radius:6px}
.fill.s-bad{background:#c62828}.fill.s-mid{background:#e08a00}.fill.s-good{background:#2e7d32}
.pct{text-align:right;font-variant-numeric:tabular-nums}
.small{font-size:12px;color:#5d6875}
.sevbar{display:grid;grid-template-columns:6.5em minmax(0,1fr) 3em;gap:8px;align-items:center;margin:4px 0}
.sevbar .num{text-align:right;font-weight:700;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;color:#fff;line-height:18px}
.critical{background:#7b1fa2}.high{background:#c62828}.medium{background:#d17f00}.low{background:#0277bd}.info{background:#607d8b}
.kpi{font-size:15px;margin:0 0 6px}.kpi b{font-size:24px;margin-right:4px}
ul.plain{list-style:none;margin:0;padding:0}ul.plain li{margin:2px 0}
.ok{color:#1b5e20}.bad{color:#b71c1c}.warn{color:#8a5300}.muted{color:#5d6875}
.mark{display:inline-block;width:1.2em;font-weight:700}
nav.toc{margin:16px 0 0;font-size:13px}nav.toc a{margin-right:14px}
.filters{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;margin-top:10px;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:8px 12px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.filters label{white-space:nowrap;cursor:pointer}.filters select{max-width:16em}
.filters .shown{margin-left:auto;color:#5d6875}
.st{display:inline-block;border-radius:3px;padding:0 5px;font-size:11px;font-weight:600;line-height:17px;border:1px solid}
.st-pass,.st-aws_managed{color:#1b5e20;border-color:#a5d6a7;background:#f1f8f1}
.st-fail{color:#b71c1c;border-color:#ef9a9a;background:#fdf0ef}
.st-not_checked,.st-manual{color:#8a5300;border-color:#ffcc80;background:#fff8ec}
.st-not_applicable{color:#5d6875;border-color:#cfd8dc;background:#f5f7f8}
.cgrid{display:grid;grid-template-columns:92px minmax(0,1fr) 112px 150px 84px 58px 58px 76px 52px;align-items:start}
.cgrid>*{padding:5px 8px;min-width:0}
.chead{font-size:11px;text-transform:uppercase;letter-spacing:.02em;color:#5d6875;font-weight:700}.chead>*{overflow-wrap:normal}
.badge,.st{white-space:nowrap}
details.control{border-top:1px solid #eceff2}
details.control>summary{list-style:none}details.control>summary::-webkit-details-marker{display:none}
details.control>summary:hover{background:#f7f9fb}
.ctitle::before{content:"▸";display:inline-block;width:1em;color:#5d6875}
details.control[open]>summary .ctitle::before{content:"▾"}
details.control>.detail{padding:0 12px 8px 100px}
.n{text-align:right;font-variant-numeric:tabular-nums}
section.block,details.control,details.framework{scroll-margin-top:96px}
details>summary{cursor:pointer}
details.objects>summary{font-weight:500}
.detail{margin:4px 0 2px}
ul.objs{margin:2px 0 6px;padding-left:18px}ul.objs li{margin:1px 0}
ul.objs.cols{columns:3 22em;column-gap:28px}ul.objs.cols li{break-inside:avoid}
li.more{list-style:none;color:#5d6875;font-style:italic}
.tag{display:inline-block;font-size:11px;border-radius:3px;padding:0 5px;background:#eceff2;color:#3d4752}
.tag-failed{background:#fdecea;color:#b71c1c}
.msg{margin:0}.path,.loc{color:#5d6875;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.fix{color:#1b5e20}
.evidence{margin:4px 0;color:#3d4752}
details.framework{border-top:1px solid #eceff2;padding:8px 0}details.framework:first-of-type{border-top:0}
details.framework>summary{font-size:15px}
pre{white-space:pre-wrap;background:#f3f4f6;padding:8px;border-radius:4px;margin:4px 0}
.matrix .k-pl{width:24%}
.reqs .k-id{width:80px}.reqs .k-req{width:32%}.reqs .k-mode{width:96px}.reqs .k-st{width:104px}
.findings .k-sev{width:88px}.findings .k-ctl{width:92px}.findings .k-pl{width:150px}.findings .k-obj{width:24%}
.gaps .k-in{width:28%}.gaps .k-data{width:24%}.gaps .k-kind{width:130px}
@media (max-width:900px){.posture{grid-template-columns:minmax(0,1fr)}}
@media print{
 body{background:#fff;font-size:11px;color:#000}
 .wrap{max-width:none;padding:0}
 header.top{background:#fff;color:#000;border-bottom:2px solid #000;padding:0 0 6px}
 .meta{color:#333}
 #filters,nav.toc,.noprint{display:none!important}
 .posture{display:block}.col{display:block}
 .card,section.block{border:1px solid #bbb;box-shadow:none;margin:0 0 10px;break-inside:avoid-page}
 section.block{break-inside:auto}
 a{color:inherit}
 tr,li{break-inside:avoid}
 details::details-content{content-visibility:visible;display:block}
 details>summary{list-style:none}details>summary::-webkit-details-marker{display:none}
 details.docs{display:none}
 th,td,.cgrid>*{padding:3px 4px}
 .cgrid{grid-template-columns:62px minmax(0,1fr) 72px 90px 66px 34px 34px 48px 30px}
 .chead{font-size:9px}.matrix td{font-size:13px}code{font-size:10px}
 .badge{font-size:10px;padding:0 4px}
 .reqs ul.objs{padding:0;margin:2px 0}.reqs ul.objs li{display:inline}.reqs ul.objs li+li::before{content:" · "}
 details.control>.detail{padding:0 6px 6px 20px}
 .ctitle::before,details.control[open]>summary .ctitle::before{content:none}
 .reqs .k-id{width:52px}.reqs .k-req{width:30%}.reqs .k-mode{width:64px}.reqs .k-st{width:80px}
 .findings .k-sev{width:62px}.findings .k-ctl{width:66px}.findings .k-pl{width:92px}.findings .k-obj{width:22%}
 ul.objs.cols{columns:2}
 .bar,.fill,.badge,.st,.c-fail,.c-nc,.verdict,.tag{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;

/// Filters (form and URL fragment), print expansion and the `#selftest`
/// width probe.
const SCRIPT: &str = r#"
(function(){
  var d=document,order=["info","low","medium","high","critical"];
  var keys=["severity","min","pillar","responsibility","framework","namespace","status","selftest"];
  function q(s){return [].slice.call(d.querySelectorAll(s));}
  var boxes=q('#filters input[name=severity]'),sels={};
  q('#filters select').forEach(function(s){sels[s.name]=s;});
  function has(list,v){return (' '+(list||'')+' ').indexOf(' '+v+' ')>=0;}
  function params(){var o={};
    location.hash.replace(/^#/,'').split('&').forEach(function(kv){if(!kv)return;var i=kv.indexOf('=');
      try{o[decodeURIComponent(i<0?kv:kv.slice(0,i))]=i<0?'':decodeURIComponent(kv.slice(i+1));}catch(e){}});
    return o;}
  function isState(p){return keys.some(function(k){return Object.prototype.hasOwnProperty.call(p,k);});}
  function load(p){
    boxes.forEach(function(b){b.checked=true;});
    if(p.severity){var w=p.severity.split(',');boxes.forEach(function(b){b.checked=w.indexOf(b.value)>=0;});}
    var m=order.indexOf(p.min||'');
    if(m>=0){boxes.forEach(function(b){b.checked=order.indexOf(b.value)>=m;});}
    Object.keys(sels).forEach(function(k){var s=sels[k],v=p[k]||'';s.value='';
      for(var i=0;i<s.options.length;i++){if(s.options[i].value===v){s.value=v;}}});
  }
  function state(){var f={sev:{}};boxes.forEach(function(b){f.sev[b.value]=b.checked;});
    Object.keys(sels).forEach(function(k){f[k]=sels[k].value;});return f;}
  function match(e,f,withStatus){
    if(!f.sev[e.getAttribute('data-severity')])return false;
    if(f.pillar&&e.getAttribute('data-pillar')!==f.pillar)return false;
    if(f.responsibility&&e.getAttribute('data-responsibility')!==f.responsibility)return false;
    if(f.framework&&!has(e.getAttribute('data-frameworks'),f.framework))return false;
    if(f.namespace&&!has(e.getAttribute('data-namespaces'),f.namespace))return false;
    if(withStatus&&f.status&&!has(e.getAttribute('data-statuses'),f.status))return false;
    return true;}
  function show(e,on){if(on){e.removeAttribute('hidden');}else{e.setAttribute('hidden','');}}
  function apply(){var f=state(),n=0,c=0;
    q('tr.finding').forEach(function(r){var ok=match(r,f,false);show(r,ok);if(ok)n++;});
    q('details.control').forEach(function(r){var ok=match(r,f,true);show(r,ok);if(ok)c++;});
    q('[data-fw-block]').forEach(function(e){show(e,!f.framework||e.getAttribute('data-fw-block')===f.framework);});
    var a=d.getElementById('visible-findings'),b=d.getElementById('visible-controls');
    if(a)a.textContent=String(n);if(b)b.textContent=String(c);}
  function save(){var f=state(),parts=[];
    var sev=boxes.filter(function(b){return b.checked;}).map(function(b){return b.value;});
    if(sev.length!==boxes.length)parts.push('severity='+sev.join(','));
    Object.keys(sels).forEach(function(k){if(f[k])parts.push(k+'='+encodeURIComponent(f[k]));});
    try{history.replaceState(null,'',parts.length?'#'+parts.join('&'):location.pathname+location.search);}catch(e){}}
  function changed(){apply();save();}
  boxes.forEach(function(b){b.addEventListener('change',changed);});
  Object.keys(sels).forEach(function(k){sels[k].addEventListener('change',changed);});
  var reset=d.getElementById('filter-reset');
  if(reset)reset.addEventListener('click',function(){load({});changed();});
  function reveal(){var h=location.hash.slice(1),e=null;try{e=h&&d.getElementById(decodeURIComponent(h));}catch(x){}
    if(e&&e.tagName==='DETAILS'){e.open=true;}}
  window.addEventListener('hashchange',function(){var p=params();
    if(!isState(p)){reveal();return;}
    load(p);apply();
    var t=d.getElementById(Object.prototype.hasOwnProperty.call(p,'status')?'controls':'findings');
    if(t&&t.scrollIntoView)t.scrollIntoView();});
  var opened=[];
  window.addEventListener('beforeprint',function(){
    q('details:not([open]):not(.docs)').forEach(function(e){e.open=true;opened.push(e);});});
  window.addEventListener('afterprint',function(){opened.forEach(function(e){e.open=false;});opened=[];});
  var p=params();load(p);apply();reveal();
  if(Object.prototype.hasOwnProperty.call(p,'selftest')){
    var top=0;q('#posture .card').forEach(function(e){top=Math.max(top,e.getBoundingClientRect().bottom);});
    d.body.setAttribute('data-posture-bottom',String(Math.ceil(top+window.scrollY)));
    q('details').forEach(function(e){e.open=true;});
    var w=d.documentElement.clientWidth,wide=[];
    q('body *').forEach(function(e){var r=e.getBoundingClientRect();
      if(r.right>w+1&&wide.length<5){wide.push(e.tagName.toLowerCase()+(e.id?'#'+e.id:'')+(typeof e.className==='string'&&e.className?'.'+e.className.split(' ').join('.'):''));}});
    d.body.setAttribute('data-client-width',String(w));
    d.body.setAttribute('data-scroll-width',String(d.documentElement.scrollWidth));
    if(wide.length)d.body.setAttribute('data-overflow',wide.join(' '));
  }
})();
"#;

/// `YYYY-MM-DD HH:MM:SS UTC` of seconds since the Unix epoch.
fn utc(ts: u64) -> String {
    let (days, rem) = ((ts / 86_400) as i64, ts % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn status_index(s: Status) -> usize {
    match s {
        Status::Pass => 0,
        Status::Fail => 1,
        Status::NotChecked => 2,
        Status::NotApplicable => 3,
    }
}

/// What a status is called for this owner (a pass of an AWS-managed control
/// is "verified").
fn status_word(resp: Responsibility, s: Status) -> &'static str {
    let (ok, bad) = resp.verdict_words();
    match s {
        Status::Pass => ok,
        Status::Fail => bad,
        Status::NotChecked => "not checked",
        Status::NotApplicable => "not applicable",
    }
}

fn object_name(o: &ObjectRef) -> String {
    o.arn.clone().unwrap_or_else(|| o.short())
}

/// The namespace filter's token: `-` for cluster-scoped objects, AWS
/// resources and whole-scan results.
fn namespace_token(o: Option<&ObjectRef>) -> &str {
    o.and_then(|o| o.namespace.as_deref()).unwrap_or("-")
}

/// One control's results.
struct ControlRow<'r> {
    id: &'r str,
    meta: Option<&'static ControlMeta>,
    severity: Severity,
    pillar: Pillar,
    responsibility: Responsibility,
    counts: StatusCounts,
    /// Per status (in [`Status::ALL`] order): the first [`MAX_LISTED`]
    /// results and how many there are.
    listed: [Vec<&'r CheckResult>; 4],
    totals: [usize; 4],
    namespaces: BTreeSet<&'r str>,
}

impl ControlRow<'_> {
    fn title(&self) -> &str {
        self.meta.map_or(self.id, |m| m.title)
    }

    /// Attention first: failing, then not checked, then the rest.
    fn rank(&self) -> u8 {
        if self.totals[1] > 0 {
            0
        } else if self.totals[2] > 0 {
            1
        } else if self.totals[0] > 0 {
            2
        } else {
            3
        }
    }
}

/// What the sections share, computed once.
struct Ctx<'r> {
    report: &'r Report<'r>,
    summary: Summary,
    /// Findings (suppressed ones too) by fingerprint.
    by_fingerprint: HashMap<&'r str, &'r Finding>,
    /// Control ID → the frameworks that name it in a requirement.
    frameworks_of: HashMap<&'r str, Vec<&'r str>>,
    controls: Vec<ControlRow<'r>>,
    /// Active findings, most severe first.
    active: Vec<&'r Finding>,
}

impl<'r> Ctx<'r> {
    fn new(report: &'r Report<'r>) -> Ctx<'r> {
        let findings: &'r [Finding] = report.findings;
        let mut by_fingerprint = HashMap::new();
        for f in findings {
            by_fingerprint.entry(f.fingerprint.as_str()).or_insert(f);
        }
        let mut frameworks_of: HashMap<&'r str, Vec<&'r str>> = HashMap::new();
        for fw in report.frameworks {
            for req in &fw.requirements {
                for c in &req.controls {
                    let list = frameworks_of.entry(c.as_str()).or_default();
                    if !list.contains(&fw.id.as_str()) {
                        list.push(fw.id.as_str());
                    }
                }
            }
        }
        let mut rows: BTreeMap<&'r str, ControlRow<'r>> = BTreeMap::new();
        for r in report.results {
            let row = rows.entry(r.control).or_insert_with(|| {
                let meta = report.control(r.control);
                ControlRow {
                    id: r.control,
                    meta,
                    severity: meta.map_or(r.severity, |m| m.severity),
                    pillar: meta.map_or(r.pillar, |m| m.pillar),
                    responsibility: meta.map_or(r.responsibility, |m| m.responsibility),
                    counts: StatusCounts::default(),
                    listed: Default::default(),
                    totals: [0; 4],
                    namespaces: BTreeSet::new(),
                }
            });
            row.counts.add(r);
            let i = status_index(r.status);
            row.totals[i] += 1;
            if row.listed[i].len() < MAX_LISTED {
                row.listed[i].push(r);
            }
            row.namespaces.insert(namespace_token(r.object.as_deref()));
        }
        let mut controls: Vec<ControlRow<'r>> = rows.into_values().collect();
        controls.sort_by_key(|c| (c.rank(), Reverse(c.severity), c.id));
        let mut active: Vec<&'r Finding> =
            findings.iter().filter(|f| f.suppressed.is_none()).collect();
        active.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.sort_key().cmp(&b.sort_key()))
        });
        Ctx {
            report,
            summary: report.summary(),
            by_fingerprint,
            frameworks_of,
            controls,
            active,
        }
    }

    fn frameworks_attr(&self, control: &str) -> String {
        self.frameworks_of
            .get(control)
            .map(|l| esc(&l.join(" ")))
            .unwrap_or_default()
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let ctx = Ctx::new(report);
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
    header(&ctx, out)?;
    writeln!(out, r#"<main><div class="wrap">"#)?;
    posture(&ctx, out)?;
    toc(&ctx, out)?;
    filters(&ctx, out)?;
    controls(&ctx, out)?;
    frameworks(&ctx, out)?;
    findings(&ctx, out)?;
    not_checked(&ctx, out)?;
    baseline(&ctx, out)?;
    suppressed(&ctx, out)?;
    errors(&ctx, out)?;
    writeln!(out, "</div></main><script>{SCRIPT}</script></body></html>")
}

/// The verdict, as the table's footer words it: (CSS class, word, text).
fn verdict(report: &Report, s: &Summary) -> (&'static str, &'static str, String) {
    if s.errors > 0 {
        (
            "error",
            "ERROR",
            format!(
                "{} input or collection errors (see Input problems)",
                s.errors
            ),
        )
    } else if s.collection_failures > 0 && !s.allow_partial {
        (
            "incomplete",
            "INCOMPLETE",
            format!(
                "{} results not checked because collection failed (--allow-partial accepts a partial scan)",
                s.collection_failures
            ),
        )
    } else if s.failed {
        let new = if report.baseline.is_some() {
            "new "
        } else {
            ""
        };
        (
            "fail",
            "FAIL",
            format!("{new}findings at or above {}", s.fail_on),
        )
    } else if s.collection_failures > 0 {
        (
            "partial",
            "PASS (partial)",
            format!(
                "no finding at or above {}; {} results not checked",
                s.fail_on, s.collection_failures
            ),
        )
    } else {
        (
            "pass",
            "PASS",
            format!("no finding at or above {}", s.fail_on),
        )
    }
}

fn header(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let (report, s) = (ctx.report, &ctx.summary);
    let (class, word, text) = verdict(report, s);
    writeln!(
        out,
        r#"<header class="top"><div class="wrap"><h1>eksguard report</h1><p class="meta">Scanned {} · {} objects from {} inputs · {} results of {} controls · fails at {} · eksguard {}</p>"#,
        utc(report.timestamp),
        s.objects,
        s.inputs,
        report.results.len(),
        ctx.controls.len(),
        s.fail_on,
        env!("CARGO_PKG_VERSION"),
    )?;
    writeln!(
        out,
        r#"<p id="verdict" class="verdict verdict-{class}" data-verdict="{word}"><b>{word}:</b>{}</p></div></header>"#,
        esc(&text)
    )
}

/// The first screen: matrix, framework scores, severities, AWS guarantees.
fn posture(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        r#"<section id="posture" class="posture"><div class="col">"#
    )?;
    matrix(ctx, out)?;
    aws_verified(ctx, out)?;
    writeln!(out, r#"</div><div class="col">"#)?;
    framework_scores(ctx, out)?;
    severities(ctx, out)?;
    writeln!(out, "</div></section>")
}

fn matrix(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let report = ctx.report;
    let mut cells: BTreeMap<(Pillar, Responsibility), StatusCounts> = BTreeMap::new();
    for r in report.results {
        cells
            .entry((r.pillar, r.responsibility))
            .or_default()
            .add(r);
    }
    writeln!(
        out,
        r#"<div class="card"><h2>Shared-responsibility posture <small>results per control and object</small></h2>"#
    )?;
    writeln!(
        out,
        r#"<table id="posture-matrix" class="matrix"><colgroup><col class="k-pl">{}</colgroup><thead><tr><th rowspan="2" class="pl">Pillar</th>"#,
        "<col>".repeat(9)
    )?;
    for resp in responsibility_order() {
        write!(
            out,
            r#"<th colspan="3" class="grp sep" data-responsibility="{}">{}</th>"#,
            resp.as_str(),
            esc(resp.short())
        )?;
    }
    write!(out, "</tr><tr>")?;
    for resp in responsibility_order() {
        let (ok, bad) = resp.verdict_words();
        write!(
            out,
            r#"<th class="sep">{ok}</th><th>{bad}</th><th>not checked</th>"#
        )?;
    }
    writeln!(out, "</tr></thead><tbody>")?;
    let mut totals: BTreeMap<Responsibility, StatusCounts> = BTreeMap::new();
    for pillar in pillar_order() {
        write!(out, r#"<tr><th scope="row">{}</th>"#, esc(pillar.title()))?;
        for resp in responsibility_order() {
            let c = cells.get(&(pillar, resp)).copied().unwrap_or_default();
            let t = totals.entry(resp).or_default();
            t.pass += c.pass;
            t.fail += c.fail;
            t.not_checked += c.not_checked;
            matrix_cells(out, Some(pillar), resp, &c)?;
        }
        writeln!(out, "</tr>")?;
    }
    write!(out, r#"</tbody><tfoot><tr><th scope="row">Total</th>"#)?;
    for resp in responsibility_order() {
        matrix_cells(out, None, resp, &totals[&resp])?;
    }
    writeln!(out, "</tr></tfoot></table>")?;
    let r = &ctx.summary.results;
    let mut extra = String::new();
    if r.suppressed > 0 {
        extra.push_str(&format!(
            " · {} accepted risks (suppressed failures, not counted above)",
            r.suppressed
        ));
    }
    writeln!(
        out,
        r#"<p class="note">{} results: {} pass · {} fail · {} not checked · {} not applicable{extra}. A cell links to its controls.</p></div>"#,
        report.results.len(),
        r.pass,
        r.fail,
        r.not_checked,
        r.not_applicable,
    )
}

fn matrix_cells(
    out: &mut dyn Write,
    pillar: Option<Pillar>,
    resp: Responsibility,
    c: &StatusCounts,
) -> io::Result<()> {
    for (status, n, class) in [
        (Status::Pass, c.pass, "c-pass"),
        (Status::Fail, c.fail, "c-fail"),
        (Status::NotChecked, c.not_checked, "c-nc"),
    ] {
        let class = if n == 0 { "c-zero" } else { class };
        let sep = if status == Status::Pass { " sep" } else { "" };
        let pillar_key = pillar.map_or("total", |p| p.as_str());
        let content = if n == 0 {
            "0".to_owned()
        } else {
            let filter = match pillar {
                Some(p) => format!("pillar={}&amp;", p.as_str()),
                None => String::new(),
            };
            format!(
                r##"<a href="#{filter}responsibility={}&amp;status={status}" title="{}: {} {}">{n}</a>"##,
                resp.as_str(),
                esc(pillar.map_or("All pillars", |p| p.title())),
                resp.short(),
                status_word(resp, status),
            )
        };
        write!(
            out,
            r#"<td class="{class}{sep}" data-pillar="{pillar_key}" data-responsibility="{}" data-status="{status}" data-count="{n}">{content}</td>"#,
            resp.as_str(),
        )?;
    }
    Ok(())
}

/// AWS-managed guarantees: how many results verified them, and per control.
fn aws_verified(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let c = ctx
        .summary
        .responsibilities
        .get(Responsibility::AwsManaged.as_str())
        .copied()
        .unwrap_or_default();
    writeln!(
        out,
        r#"<div class="card" id="aws-verified" data-verified="{}" data-drifted="{}" data-not-checked="{}"><h2>AWS-managed guarantees <small>what Auto Mode promises, checked on this cluster</small></h2>"#,
        c.pass,
        c.fail + c.suppressed,
        c.not_checked
    )?;
    writeln!(
        out,
        r#"<p class="kpi"><b class="ok">{}</b> verified · <b class="{}">{}</b> drifted · <b class="{}">{}</b> not checked</p>"#,
        c.pass,
        if c.fail + c.suppressed > 0 {
            "bad"
        } else {
            "muted"
        },
        c.fail + c.suppressed,
        if c.not_checked > 0 { "warn" } else { "muted" },
        c.not_checked
    )?;
    let managed: Vec<&ControlRow> = ctx
        .controls
        .iter()
        .filter(|r| r.responsibility == Responsibility::AwsManaged)
        .collect();
    if managed.is_empty() {
        return writeln!(
            out,
            r#"<p class="small">No AWS-managed control gave a result.</p></div>"#
        );
    }
    writeln!(out, r#"<ul class="plain">"#)?;
    for row in managed {
        let (mark, class, word) = if row.totals[1] > 0 {
            ("✗", "bad", "drifted")
        } else if row.totals[2] > 0 {
            ("?", "warn", "not checked")
        } else if row.totals[0] > 0 {
            ("✓", "ok", "verified")
        } else {
            ("–", "muted", "not applicable")
        };
        let text = row
            .meta
            .map(|m| {
                if m.verified.is_empty() {
                    m.title
                } else {
                    m.verified
                }
            })
            .unwrap_or(row.id);
        writeln!(
            out,
            r##"<li><span class="mark {class}" title="{word}">{mark}</span><a href="#control-{id}">{id}</a> {}</li>"##,
            esc(text),
            id = esc(row.id),
        )?;
    }
    writeln!(out, "</ul></div>")
}

fn score_class(p: f64) -> &'static str {
    if p < 50.0 {
        "s-bad"
    } else if p < 80.0 {
        "s-mid"
    } else {
        "s-good"
    }
}

fn framework_scores(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        r#"<div class="card" id="framework-scores"><h2>Framework scores <small>automated requirements that pass</small></h2>"#
    )?;
    if ctx.report.frameworks.is_empty() {
        writeln!(out, r#"<p class="small">No framework evaluated.</p>"#)?;
    }
    for fw in ctx.report.frameworks {
        let (percent, width, text, class) = match fw.score.percent {
            Some(p) => (
                format!("{p}"),
                format!("{p}"),
                format!("{p}%"),
                score_class(p),
            ),
            None => (String::new(), "0".to_owned(), "n/a".to_owned(), "s-bad"),
        };
        let c = &fw.counts;
        let mut parts = vec![format!(
            "{} of {} automated requirements pass",
            fw.score.passed, fw.score.total
        )];
        for (n, word) in [
            (c.fail, "fail"),
            (c.not_checked, "not checked"),
            (c.manual, "manual"),
            (c.aws_managed, "AWS-managed"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        writeln!(
            out,
            r##"<div class="fw" data-framework="{id}" data-percent="{percent}" data-passed="{}" data-total="{}"><div><a href="#fw-{id}">{}</a> <span class="small">{}</span></div><div class="barline"><div class="bar" role="img" aria-label="{text}"><span class="fill {class}" style="width:{width}%"></span></div><b class="pct">{text}</b></div><div class="small">{}</div></div>"##,
            fw.score.passed,
            fw.score.total,
            esc(&fw.name),
            esc(&fw.version),
            esc(&parts.join(" · ")),
            id = esc(&fw.id),
        )?;
    }
    writeln!(out, "</div>")
}

fn severities(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let s = &ctx.summary;
    let count = |sev: Severity| s.by_severity.get(sev.as_str()).copied().unwrap_or(0);
    let max = Severity::ALL
        .iter()
        .map(|&sev| count(sev))
        .max()
        .unwrap_or(0);
    writeln!(
        out,
        r#"<div class="card" id="severity-distribution"><h2>Findings by severity <small>{} active, {} suppressed</small></h2>"#,
        s.findings, s.suppressed
    )?;
    for sev in Severity::ALL {
        let n = count(sev);
        let width = if max == 0 {
            0.0
        } else {
            (n as f64 * 1000.0 / max as f64).round() / 10.0
        };
        writeln!(
            out,
            r##"<div class="sevbar" data-severity="{sev}" data-findings="{n}"><a href="#severity={sev}" class="badge {sev}">{sev}</a><div class="bar"><span class="fill {sev}" style="width:{width}%"></span></div><span class="num">{n}</span></div>"##
        )?;
    }
    writeln!(out, "</div>")
}

fn toc(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        r##"<nav class="toc"><a href="#controls">Controls ({})</a><a href="#frameworks">Frameworks ({})</a><a href="#findings">Findings ({})</a>"##,
        ctx.controls.len(),
        ctx.report.frameworks.len(),
        ctx.active.len()
    )?;
    let s = &ctx.summary;
    if s.results.not_checked > 0 {
        write!(
            out,
            r##"<a href="#not-checked">Not checked ({})</a>"##,
            s.results.not_checked
        )?;
    } else if !ctx.report.gaps.is_empty() {
        write!(
            out,
            r##"<a href="#not-checked">Inputs not collected ({})</a>"##,
            ctx.report.gaps.len()
        )?;
    }
    if ctx.report.baseline.is_some() {
        write!(out, r##"<a href="#baseline">Baseline</a>"##)?;
    }
    if s.suppressed > 0 {
        write!(
            out,
            r##"<a href="#suppressed">Suppressed ({})</a>"##,
            s.suppressed
        )?;
    }
    if !ctx.report.errors.is_empty() {
        write!(
            out,
            r##"<a href="#errors">Input problems ({})</a>"##,
            ctx.report.errors.len()
        )?;
    }
    writeln!(out, "</nav>")
}

fn options(
    out: &mut dyn Write,
    name: &str,
    label: &str,
    items: &[(String, String)],
) -> io::Result<()> {
    write!(
        out,
        r#"<label>{label} <select name="{name}"><option value="">all</option>"#
    )?;
    for (value, text) in items {
        write!(
            out,
            r#"<option value="{}">{}</option>"#,
            esc(value),
            esc(text)
        )?;
    }
    write!(out, "</select></label>")
}

fn filters(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        r#"<div id="filters" class="filters" role="search"><span>Severity</span>"#
    )?;
    for sev in Severity::ALL {
        write!(
            out,
            r#"<label><input type="checkbox" name="severity" value="{sev}" checked> {sev}</label>"#
        )?;
    }
    let pillars: Vec<(String, String)> = pillar_order()
        .iter()
        .map(|p| (p.as_str().to_owned(), p.title().to_owned()))
        .collect();
    options(out, "pillar", "Pillar", &pillars)?;
    let owners: Vec<(String, String)> = responsibility_order()
        .iter()
        .map(|r| (r.as_str().to_owned(), r.short().to_owned()))
        .collect();
    options(out, "responsibility", "Owner", &owners)?;
    let fws: Vec<(String, String)> = ctx
        .report
        .frameworks
        .iter()
        .map(|f| (f.id.clone(), f.name.clone()))
        .collect();
    options(out, "framework", "Framework", &fws)?;
    let mut namespaces: BTreeSet<&str> = ctx
        .active
        .iter()
        .map(|f| namespace_token(Some(&f.object)))
        .collect();
    for row in &ctx.controls {
        namespaces.extend(row.namespaces.iter().copied());
    }
    let namespaces: Vec<(String, String)> = namespaces
        .into_iter()
        .map(|n| {
            let text = if n == "-" {
                "(none: cluster-scoped, AWS)".to_owned()
            } else {
                n.to_owned()
            };
            (n.to_owned(), text)
        })
        .collect();
    options(out, "namespace", "Namespace", &namespaces)?;
    let statuses: Vec<(String, String)> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.as_str().replace('_', " ")))
        .collect();
    options(out, "status", "Status (controls)", &statuses)?;
    writeln!(
        out,
        r#"<button type="button" id="filter-reset">Reset</button><span class="shown"><b id="visible-controls">{}</b> controls · <b id="visible-findings">{}</b> findings shown</span></div>"#,
        ctx.controls.len(),
        ctx.active.len()
    )
}

/// One result in a list: the object, then the finding or the reason.
/// `brief` (the framework view) leads with the status and the control and
/// leaves the finding's message to the control's own list.
fn result_item(ctx: &Ctx, out: &mut dyn Write, r: &CheckResult, brief: bool) -> io::Result<()> {
    write!(out, "<li>")?;
    if brief {
        write!(
            out,
            r##"<span class="st st-{}">{}</span> <a href="#control-{id}">{id}</a> "##,
            r.status.as_str(),
            status_word(r.responsibility, r.status),
            id = esc(r.control)
        )?;
    }
    match r.object.as_deref() {
        Some(o) => write!(out, "<code>{}</code>", esc(&object_name(o)))?,
        None => write!(out, r#"<span class="muted">(whole scan)</span>"#)?,
    }
    if r.status == Status::Fail {
        let first = r
            .findings
            .iter()
            .find_map(|fp| ctx.by_fingerprint.get(fp.as_str()));
        if let Some(f) = first.filter(|_| !brief) {
            write!(out, " — {}", esc(&f.message))?;
            if r.findings.len() > 1 {
                write!(
                    out,
                    r#" <span class="muted">(+{} more findings)</span>"#,
                    r.findings.len() - 1
                )?;
            }
        }
        if r.suppressed {
            let reason = first
                .and_then(|f| f.suppressed.as_ref())
                .map_or(String::new(), |s| format!(": {}", s.reason));
            write!(
                out,
                r#" <span class="tag">accepted risk{}</span>"#,
                esc(&reason)
            )?;
        }
    }
    if let Some(reason) = &r.reason {
        write!(out, " — {}", esc(reason))?;
    }
    match r.gap {
        Some(GapKind::CollectionFailed) => write!(
            out,
            r#" <span class="tag tag-failed">collection failed</span>"#
        )?,
        Some(GapKind::NotCollected) => write!(out, r#" <span class="tag">not collected</span>"#)?,
        None => {}
    }
    writeln!(out, "</li>")
}

fn count_cell(out: &mut dyn Write, n: usize, class: &str) -> io::Result<()> {
    let class = if n == 0 { "c-zero" } else { class };
    write!(out, r#"<span class="n {class}">{n}</span>"#)
}

/// The controls "table": a grid of `<details>`, so a control's objects span
/// the page's width when opened.
fn controls(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        r#"<section class="block" id="controls"><h2>Controls <small>{} controls gave {} results; open a control for its objects</small></h2>"#,
        ctx.controls.len(),
        ctx.report.results.len()
    )?;
    writeln!(
        out,
        r#"<div class="ctable"><div class="cgrid chead"><span>ID</span><span>Control</span><span>Owner</span><span>Pillar</span><span>Severity</span><span class="n">Pass</span><span class="n">Fail</span><span class="n">Not checked</span><span class="n">N/A</span></div>"#
    )?;
    for row in &ctx.controls {
        let statuses: Vec<&str> = Status::ALL
            .iter()
            .filter(|s| row.totals[status_index(**s)] > 0)
            .map(|s| s.as_str())
            .collect();
        let namespaces: Vec<&str> = row.namespaces.iter().copied().collect();
        write!(
            out,
            r#"<details class="control" id="control-{id}" data-severity="{sev}" data-pillar="{pillar}" data-responsibility="{resp}" data-frameworks="{fws}" data-namespaces="{ns}" data-statuses="{st}"><summary class="cgrid"><code>{id}</code><span class="ctitle">{title}</span><span>{owner}</span><span>{ptitle}</span><span><span class="badge {sev}">{sev}</span></span>"#,
            id = esc(row.id),
            sev = row.severity,
            pillar = row.pillar,
            resp = row.responsibility,
            fws = ctx.frameworks_attr(row.id),
            ns = esc(&namespaces.join(" ")),
            st = statuses.join(" "),
            title = esc(row.title()),
            owner = esc(row.responsibility.short()),
            ptitle = esc(row.pillar.title()),
        )?;
        count_cell(out, row.totals[0], "c-pass")?;
        if row.counts.suppressed > 0 {
            write!(
                out,
                r#"<span class="n {}">{} <span class="small">+{} accepted</span></span>"#,
                if row.counts.fail > 0 { "c-fail" } else { "" },
                row.counts.fail,
                row.counts.suppressed
            )?;
        } else {
            count_cell(out, row.counts.fail, "c-fail")?;
        }
        count_cell(out, row.totals[2], "c-nc")?;
        count_cell(out, row.totals[3], "muted")?;
        write!(out, r#"</summary><div class="detail">"#)?;
        if let Some(m) = row.meta
            && !m.verified.is_empty()
        {
            write!(
                out,
                r#"<p class="evidence">Verifies: {}</p>"#,
                esc(m.verified)
            )?;
        }
        for status in [
            Status::Fail,
            Status::NotChecked,
            Status::Pass,
            Status::NotApplicable,
        ] {
            let i = status_index(status);
            if row.totals[i] == 0 {
                continue;
            }
            writeln!(
                out,
                r#"<h4><span class="st st-{status}">{}</span> {}</h4><ul class="objs{}">"#,
                status_word(row.responsibility, status),
                row.totals[i],
                // Passes are bare names: several columns.
                if status == Status::Pass { " cols" } else { "" }
            )?;
            for r in &row.listed[i] {
                result_item(ctx, out, r, false)?;
            }
            let more = row.totals[i] - row.listed[i].len();
            if more > 0 {
                writeln!(out, r#"<li class="more">+{more} more</li>"#)?;
            }
            write!(out, "</ul>")?;
        }
        if let Some(m) = row.meta {
            write!(
                out,
                r#"<details class="docs"><summary>Documentation</summary><pre>{}</pre></details>"#,
                esc(&m.docs())
            )?;
        }
        writeln!(out, "</div></details>")?;
    }
    writeln!(out, "</div></section>")
}

fn frameworks(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let report = ctx.report;
    writeln!(
        out,
        r#"<section class="block" id="frameworks"><h2>Frameworks <small>requirement → status → evidence</small></h2>"#
    )?;
    if report.frameworks.is_empty() {
        writeln!(out, r#"<p class="small">No framework evaluated.</p>"#)?;
    }
    let rows: HashMap<&str, &ControlRow> = ctx.controls.iter().map(|r| (r.id, r)).collect();
    for fw in report.frameworks {
        let score = fw
            .score
            .percent
            .map_or("n/a".to_owned(), |p| format!("{p}%"));
        writeln!(
            out,
            r#"<details class="framework" id="fw-{id}" data-fw-block="{id}"><summary><b>{}</b> {} — {score} <span class="small">({} of {} automated requirements pass; {} requirements)</span></summary>"#,
            esc(&fw.name),
            esc(&fw.version),
            fw.score.passed,
            fw.score.total,
            fw.requirements.len(),
            id = esc(&fw.id),
        )?;
        if !fw.url.is_empty() {
            writeln!(
                out,
                r#"<p class="small">Source: <a href="{url}" rel="noreferrer noopener">{url}</a></p>"#,
                url = esc(&fw.url)
            )?;
        }
        writeln!(
            out,
            r#"<table class="reqs"><colgroup><col class="k-id"><col class="k-req"><col class="k-mode"><col class="k-st"><col></colgroup><thead><tr><th>ID</th><th>Requirement</th><th>Mode</th><th>Status</th><th>Evidence</th></tr></thead><tbody>"#
        )?;
        for req in &fw.requirements {
            write!(
                out,
                r#"<tr class="req" data-status="{st}"><td><code>{}</code></td><td>{}<div class="small">{}</div></td><td>{}</td><td><span class="st st-{st}">{}</span></td><td>"#,
                esc(&req.id),
                esc(&req.title),
                esc(&req.section),
                req.mode.as_str(),
                match req.status {
                    eksguard_frameworks::ReqStatus::AwsManaged => "AWS-managed".to_owned(),
                    st => st.as_str().replace('_', " "),
                },
                st = req.status.as_str(),
            )?;
            if !req.controls.is_empty() {
                write!(out, r#"<div>"#)?;
                for (i, c) in req.controls.iter().enumerate() {
                    if i > 0 {
                        write!(out, ", ")?;
                    }
                    write!(out, r##"<a href="#control-{id}">{id}</a>"##, id = esc(c))?;
                    if let Some(row) = rows.get(c.as_str()) {
                        let mut parts = Vec::new();
                        for s in Status::ALL {
                            let n = row.totals[status_index(s)];
                            if n > 0 {
                                parts.push(format!("{n} {}", status_word(row.responsibility, s)));
                            }
                        }
                        write!(out, r#" <span class="small">({})</span>"#, parts.join(", "))?;
                    } else {
                        write!(out, r#" <span class="small">(no result)</span>"#)?;
                    }
                }
                write!(out, "</div>")?;
            }
            if let Some(e) = &req.evidence {
                write!(out, r#"<p class="evidence">{}</p>"#, esc(e))?;
            }
            if req.suppressed > 0 {
                write!(
                    out,
                    r#"<p class="small">{} accepted risks keep it failing.</p>"#,
                    req.suppressed
                )?;
            }
            if !req.results.is_empty() {
                writeln!(
                    out,
                    r#"<details class="req-results"><summary>{}</summary><ul class="objs">"#,
                    plural(req.results.len() + req.more, "result")
                )?;
                for r in req.results.iter().filter_map(|&i| report.results.get(i)) {
                    result_item(ctx, out, r, true)?;
                }
                if req.more > 0 {
                    writeln!(out, r#"<li class="more">+{} more</li>"#, req.more)?;
                }
                write!(out, "</ul></details>")?;
            }
            writeln!(out, "</td></tr>")?;
        }
        writeln!(out, "</tbody></table></details>")?;
    }
    writeln!(out, "</section>")
}

fn findings(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        r#"<section class="block" id="findings"><h2>Findings <small>{} active, most severe first; every finding is a failed result</small></h2>"#,
        ctx.active.len()
    )?;
    if ctx.active.is_empty() {
        return writeln!(out, r#"<p class="small">No active finding.</p></section>"#);
    }
    writeln!(
        out,
        r#"<table class="findings"><colgroup><col class="k-sev"><col class="k-ctl"><col class="k-pl"><col class="k-obj"><col></colgroup><thead><tr><th>Severity</th><th>Control</th><th>Pillar · owner</th><th>Object</th><th>Finding</th></tr></thead><tbody>"#
    )?;
    for f in &ctx.active {
        let sev = f.severity.as_str();
        let new = match f.baseline {
            Some(eksguard_core::BaselineState::New) => {
                r#" <span class="tag tag-failed">new</span>"#
            }
            _ => "",
        };
        let path = if f.path.is_empty() {
            String::new()
        } else {
            format!(r#"<div class="path">at {}</div>"#, esc(&f.path))
        };
        let loc = location_text(f);
        let loc = if loc.is_empty() {
            String::new()
        } else {
            format!(r#"<div class="loc">{}</div>"#, esc(&loc))
        };
        writeln!(
            out,
            r##"<tr class="finding" data-severity="{sev}" data-pillar="{pillar}" data-responsibility="{resp}" data-frameworks="{fws}" data-namespaces="{ns}" data-control="{id}"><td><span class="badge {sev}">{sev}</span>{new}</td><td><a href="#control-{id}">{id}</a></td><td>{ptitle}<div class="small">{rshort}</div></td><td><code>{obj}</code></td><td><p class="msg">{msg}</p>{path}{loc}<div class="fix">Fix: {fix}</div></td></tr>"##,
            pillar = f.pillar,
            resp = f.responsibility,
            fws = ctx.frameworks_attr(f.control),
            ns = esc(namespace_token(Some(&f.object))),
            id = esc(f.control),
            ptitle = esc(f.pillar.title()),
            rshort = esc(f.responsibility.short()),
            obj = esc(&object_name(&f.object)),
            msg = esc(&f.message),
            fix = esc(&f.remediation),
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

/// What could not be checked, one line per reason (as the table groups it),
/// then the inputs that were not collected.
fn not_checked(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let report = ctx.report;
    let mut by_reason: BTreeMap<(bool, &str), BTreeSet<&str>> = BTreeMap::new();
    let mut n = 0;
    for r in report
        .results
        .iter()
        .filter(|r| r.status == Status::NotChecked)
    {
        n += 1;
        by_reason
            .entry((
                !r.is_collection_failure(),
                r.reason.as_deref().unwrap_or(""),
            ))
            .or_default()
            .insert(r.control);
    }
    if n == 0 && report.gaps.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        r#"<section class="block" id="not-checked"><h2>Not checked <small>{} · {} not collected</small></h2><ul class="plain">"#,
        plural(n, "result"),
        plural(report.gaps.len(), "input")
    )?;
    for ((chosen, reason), ids) in &by_reason {
        let tag = if *chosen {
            r#"<span class="tag">skipped</span>"#
        } else {
            r#"<span class="tag tag-failed">collection failed</span>"#
        };
        let links: Vec<String> = ids
            .iter()
            .map(|id| format!(r##"<a href="#control-{id}">{id}</a>"##, id = esc(id)))
            .collect();
        writeln!(
            out,
            r#"<li>{tag} {} <div class="small">{} controls: {}</div></li>"#,
            esc(reason),
            ids.len(),
            links.join(", ")
        )?;
    }
    writeln!(out, "</ul>")?;
    if !report.gaps.is_empty() {
        writeln!(
            out,
            r#"<h3>Inputs not collected</h3><table class="gaps"><colgroup><col class="k-in"><col class="k-data"><col><col class="k-kind"></colgroup><thead><tr><th>Input</th><th>Data</th><th>Reason</th><th>Kind</th></tr></thead><tbody>"#
        )?;
        for g in report.gaps {
            let kind = match g.kind {
                GapKind::CollectionFailed => {
                    r#"<span class="tag tag-failed">collection failed</span>"#
                }
                GapKind::NotCollected => r#"<span class="tag">not collected</span>"#,
            };
            writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{kind}</td></tr>",
                esc(&g.input),
                esc(&g.need.describe()),
                esc(&g.reason)
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(out, "</section>")
}

fn baseline(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let Some(b) = ctx.report.baseline else {
        return Ok(());
    };
    writeln!(
        out,
        r#"<section class="block" id="baseline"><h2>Baseline <small>{} new · {} fixed · {} changed · {} unchanged</small></h2>"#,
        b.new.len(),
        b.fixed.len(),
        b.changed.len(),
        b.unchanged
    )?;
    for (title, entries) in [("New findings", &b.new), ("Fixed findings", &b.fixed)] {
        if entries.is_empty() {
            continue;
        }
        writeln!(
            out,
            r#"<h3>{title} <small>{}</small></h3><ul class="objs">"#,
            entries.len()
        )?;
        for e in entries.iter().take(MAX_LISTED) {
            writeln!(
                out,
                r#"<li><span class="badge {sev}">{sev}</span> <code>{}</code> <code>{}</code> — {}</li>"#,
                esc(&e.control),
                esc(&e.object),
                esc(&e.message),
                sev = e.severity
            )?;
        }
        if entries.len() > MAX_LISTED {
            writeln!(
                out,
                r#"<li class="more">+{} more</li>"#,
                entries.len() - MAX_LISTED
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    if !b.changed.is_empty() {
        writeln!(
            out,
            r#"<h3>Changed results <small>{}</small></h3><ul class="objs">"#,
            b.changed.len()
        )?;
        for c in b.changed.iter().take(MAX_LISTED) {
            writeln!(
                out,
                "<li><code>{}</code> <code>{}</code>: {} → {}</li>",
                esc(&c.control),
                esc(&c.object),
                esc(&c.from),
                esc(&c.to)
            )?;
        }
        if b.changed.len() > MAX_LISTED {
            writeln!(
                out,
                r#"<li class="more">+{} more</li>"#,
                b.changed.len() - MAX_LISTED
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</section>")
}

fn suppressed(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let list: Vec<&Finding> = ctx.report.suppressed().collect();
    if list.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        r#"<section class="block" id="suppressed"><h2>Suppressed <small>{} accepted risks</small></h2><ul class="objs">"#,
        list.len()
    )?;
    for f in list {
        let (by, reason, expires) = f.suppressed.as_ref().map_or(("", "", None), |s| {
            (s.by, s.reason.as_str(), s.expires.as_deref())
        });
        let expires = expires.map_or(String::new(), |e| format!(" (expires {})", esc(e)));
        writeln!(
            out,
            r#"<li><span class="badge {sev}">{sev}</span> <code>{}</code> <code>{}</code>: {} <span class="small">by {}{expires}</span></li>"#,
            esc(f.control),
            esc(&object_name(&f.object)),
            esc(reason),
            esc(by),
            sev = f.severity
        )?;
    }
    writeln!(out, "</ul></section>")
}

fn errors(ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let errors = ctx.report.errors;
    if errors.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        r#"<section class="block" id="errors"><h2>Input problems <small>{}</small></h2><ul class="plain">"#,
        errors.len()
    )?;
    for e in errors {
        let class = if e.level == ErrorLevel::Error {
            "bad"
        } else {
            "warn"
        };
        writeln!(
            out,
            r#"<li class="{class}"><code>{}</code></li>"#,
            esc(&e.to_string())
        )?;
    }
    writeln!(out, "</ul></section>")
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

    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
