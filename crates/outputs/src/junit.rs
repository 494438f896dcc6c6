//! `--format junit`: one test suite per control, one test case per result;
//! input errors as a suite of their own.

use crate::Report;
use eksguard_core::{CheckResult, ErrorLevel, Finding, ObjectRef, Status};
use std::collections::{BTreeMap, HashMap};
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

fn object_name(o: Option<&ObjectRef>) -> String {
    match o {
        Some(o) => o.arn.clone().unwrap_or_else(|| o.short()),
        None => "(whole scan)".to_owned(),
    }
}

/// One test suite per control, one test case per result: `pass` passes,
/// `fail` fails with its findings, `not_checked`, `not_applicable` and
/// accepted risks are skipped with the reason.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let by_fp: HashMap<&str, &Finding> = report
        .findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    let mut suites: BTreeMap<&str, Vec<&CheckResult>> = BTreeMap::new();
    for r in report.results {
        suites.entry(r.control).or_default().push(r);
    }
    let total = report.results.len() + report.errors.len();
    let failures = report.results.iter().filter(|r| r.is_active_fail()).count();
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
    for (id, results) in &suites {
        let title = report.control(id).map_or("", |c| c.title);
        let fails = results.iter().filter(|r| r.is_active_fail()).count();
        let skipped = results
            .iter()
            .filter(|r| r.status != Status::Pass && !r.is_active_fail())
            .count();
        writeln!(
            out,
            r#"  <testsuite name="{} {}" tests="{}" failures="{fails}" errors="0" skipped="{skipped}">"#,
            xml_escape(id),
            xml_escape(title),
            results.len()
        )?;
        for r in results {
            write!(
                out,
                r#"    <testcase classname="{}" name="{}""#,
                xml_escape(id),
                xml_escape(&object_name(r.object.as_deref()))
            )?;
            let skip = |why: String| format!(r#"      <skipped message="{}"/>"#, xml_escape(&why));
            let body = match r.status {
                Status::Pass => None,
                Status::Fail => {
                    let fs: Vec<&Finding> = r
                        .findings
                        .iter()
                        .filter_map(|fp| by_fp.get(fp.as_str()).copied())
                        .collect();
                    if r.suppressed {
                        let reason = fs
                            .first()
                            .and_then(|f| f.suppressed.as_ref())
                            .map_or("", |s| s.reason.as_str());
                        Some(skip(format!("suppressed: {reason}")))
                    } else {
                        let lines: Vec<String> = fs
                            .iter()
                            .filter(|f| f.suppressed.is_none())
                            .map(|f| {
                                let loc = f
                                    .location
                                    .as_ref()
                                    .map(|l| format!("{}:{}:{} ", l.file, l.line, l.column))
                                    .unwrap_or_default();
                                format!("{loc}{} ({}) Fix: {}", f.message, f.path, f.remediation)
                            })
                            .collect();
                        let first = fs.first().map_or("", |f| f.message.as_str());
                        Some(format!(
                            r#"      <failure message="{}" type="{}">{}</failure>"#,
                            xml_escape(first),
                            r.severity,
                            xml_escape(&lines.join("\n"))
                        ))
                    }
                }
                Status::NotChecked => Some(skip(format!(
                    "not checked: {}",
                    r.reason.as_deref().unwrap_or("")
                ))),
                Status::NotApplicable => Some(skip(format!(
                    "not applicable: {}",
                    r.reason.as_deref().unwrap_or("")
                ))),
            };
            match body {
                Some(b) => {
                    writeln!(out, ">")?;
                    writeln!(out, "{b}")?;
                    writeln!(out, "    </testcase>")?;
                }
                None => writeln!(out, "/>")?,
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
