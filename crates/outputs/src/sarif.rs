//! `--format sarif`: SARIF 2.1.0 with rule metadata and physical locations,
//! as GitHub code scanning and other SARIF viewers expect.

use crate::Report;
use eksguard_core::{ErrorLevel, Finding, Severity};
use serde_json::{Value, json};
use std::io::{self, Write};

/// SARIF result level for a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub maps `security-severity` to its critical/high/medium/low labels.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A relative URI reference for a path as the user gave it.
pub fn uri(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.trim_start_matches("./").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

/// A SARIF 2.1.0 log of one eksguard run: its rules, the invocation
/// (success, notifications) and the results. `scan` and `audit` share it.
pub fn document(rules: Vec<Value>, invocation: Value, results: Vec<Value>) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "eksguard",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/eksguard/eksguard",
                "rules": rules,
            }},
            "invocations": [invocation],
            "results": results,
        }],
    })
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut locations = Vec::new();
    let logical = json!([{
        "fullyQualifiedName": f.object.arn.clone().unwrap_or_else(|| f.object.short()),
        "kind": "resource",
    }]);
    match &f.location {
        Some(l) if l.file != "-" => locations.push(json!({
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&l.file)},
                "region": {"startLine": l.line.max(1), "startColumn": l.column.max(1)},
            },
            "logicalLocations": logical,
        })),
        _ => locations.push(json!({"logicalLocations": logical})),
    }
    let mut r = json!({
        "ruleId": f.control,
        "level": level(f.severity),
        "message": {"text": format!("{} Fix: {}", f.message, f.remediation)},
        "locations": locations,
        // Stable across runs: the same identity baselines use (control,
        // object, source file, JSON path; never the line).
        "partialFingerprints": {"eksguard/v2": f.fingerprint},
        "properties": {
            "severity": f.severity,
            "pillar": f.pillar,
            "responsibility": f.responsibility,
            "path": f.path,
        },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(s) = &f.suppressed {
        r["suppressions"] = json!([{
            "kind": if s.by == "annotation" { "inSource" } else { "external" },
            "justification": s.reason,
        }]);
    }
    r
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = report
        .controls
        .iter()
        .map(|c| {
            let docs = c.docs();
            let mut tags = vec![
                "security".to_owned(),
                c.pillar.as_str().to_owned(),
                c.responsibility.as_str().to_owned(),
            ];
            // Framework requirements the control decides or informs, as
            // `framework:requirement` tags code-scanning UIs can filter on.
            tags.extend(
                eksguard_frameworks::requirements_for_control(c.id)
                    .into_iter()
                    .map(|(fw, req)| format!("{}:{}", fw.id, req.id)),
            );
            json!({
                "id": c.id,
                "name": c.name,
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": c.section("What it checks").unwrap_or_else(|| c.title.to_owned())},
                "help": {"text": docs, "markdown": docs},
                "defaultConfiguration": {"level": level(c.severity)},
                "properties": {
                    "tags": tags,
                    "security-severity": security_severity(c.severity),
                    "precision": "high",
                },
            })
        })
        .collect();
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let results: Vec<Value> = findings
        .iter()
        .map(|f| result(f, report.controls.iter().position(|c| c.id == f.control)))
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({
                "level": if e.level == ErrorLevel::Error { "error" } else { "warning" },
                "message": {"text": e.message},
            });
            if e.input != "-" {
                let mut loc = json!({"physicalLocation": {"artifactLocation": {"uri": uri(&e.input)}}});
                if let Some(line) = e.line {
                    loc["physicalLocation"]["region"] =
                        json!({"startLine": line.max(1), "startColumn": e.column.unwrap_or(1).max(1)});
                }
                n["locations"] = json!([loc]);
            }
            n
        })
        .collect();
    let has_errors = report.errors.iter().any(|e| e.level == ErrorLevel::Error);
    let invocation = json!({
        "executionSuccessful": !has_errors,
        "toolExecutionNotifications": notifications,
    });
    let doc = document(rules, invocation, results);
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
