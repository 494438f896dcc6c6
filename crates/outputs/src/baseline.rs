//! Baselines: what changed between two scans.
//!
//! A finding's identity is its fingerprint (control, object, source file and
//! JSON path — never the line), so editing an unrelated line of a manifest
//! moves a finding without making it new. Reports of schema v2 carry the
//! fingerprint; for v1 reports it is computed from the same fields.
//!
//! - `new`: findings in the new scan whose fingerprint the old one lacks;
//! - `fixed`: findings of the old scan the new one no longer has;
//! - `changed`: results of one control on one object whose status moved
//!   between pass, not checked and not applicable (a move to or from `fail`
//!   is a new or fixed finding), and findings whose severity or suppression
//!   changed;
//! - `unchanged`: how many findings are in both.

use eksguard_core::{CheckResult, Finding, Severity, fingerprints, identity_key};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// One finding as a baseline remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub fingerprint: String,
    pub control: String,
    pub severity: Severity,
    /// `ns/name[Kind]`, or the ARN of an AWS resource.
    pub object: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub path: String,
    pub message: String,
    pub suppressed: bool,
}

/// The findings and result statuses of one scan.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub findings: Vec<Entry>,
    /// (control, object) → status; whole-scan results under object `""`.
    pub results: BTreeMap<(String, String), String>,
}

/// A status that moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub control: String,
    pub object: String,
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// Two scans compared.
#[derive(Debug, Default, Serialize)]
pub struct Comparison {
    pub new: Vec<Entry>,
    pub fixed: Vec<Entry>,
    pub changed: Vec<Change>,
    pub unchanged: usize,
}

impl Comparison {
    /// Whether a new, active finding is at or above `fail_on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.new
            .iter()
            .any(|e| !e.suppressed && e.severity >= fail_on)
    }
}

fn object_name(o: &eksguard_core::ObjectRef) -> String {
    o.arn.clone().unwrap_or_else(|| o.short())
}

impl Snapshot {
    /// The snapshot of the scan being run.
    pub fn of(findings: &[Finding], results: &[CheckResult]) -> Snapshot {
        Snapshot {
            findings: findings
                .iter()
                .map(|f| Entry {
                    fingerprint: f.fingerprint.clone(),
                    control: f.control.to_owned(),
                    severity: f.severity,
                    object: object_name(&f.object),
                    location: f
                        .location
                        .as_ref()
                        .map(|l| format!("{}:{}:{}", l.file, l.line, l.column)),
                    path: f.path.clone(),
                    message: f.message.clone(),
                    suppressed: f.suppressed.is_some(),
                })
                .collect(),
            results: results
                .iter()
                .map(|r| {
                    (
                        (
                            r.control.to_owned(),
                            r.object.as_deref().map(object_name).unwrap_or_default(),
                        ),
                        r.status.as_str().to_owned(),
                    )
                })
                .collect(),
        }
    }

    /// Reads a JSON report written by `eksguard scan --format json` (schema
    /// v1 or v2). `name` names the file in errors.
    pub fn read(text: &str, name: &str) -> Result<Snapshot, String> {
        let doc: Value = serde_json::from_str(text)
            .map_err(|e| format!("{name}:{}:{}: not a JSON report: {e}", e.line(), e.column()))?;
        let schema = doc.get("schema").and_then(Value::as_str).unwrap_or("");
        if !matches!(schema, "eksguard.report/v1" | "eksguard.report/v2") {
            return Err(format!(
                "{name}: not an eksguard JSON report (schema is {}; write one with `eksguard scan --format json`)",
                if schema.is_empty() {
                    "missing".to_owned()
                } else {
                    format!("`{schema}`")
                }
            ));
        }
        let mut raw: Vec<(&Value, bool)> = Vec::new();
        for (key, suppressed) in [("findings", false), ("suppressed", true)] {
            match doc.get(key) {
                Some(Value::Array(items)) => raw.extend(items.iter().map(|f| (f, suppressed))),
                None => {}
                Some(_) => return Err(format!("{name}: `{key}` is not a list")),
            }
        }
        let field = |f: &Value, p: &str| {
            f.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let mut findings = Vec::with_capacity(raw.len());
        for (i, (f, suppressed)) in raw.iter().enumerate() {
            let control = field(f, "/control");
            let severity: Severity = field(f, "/severity")
                .parse()
                .map_err(|e| format!("{name}: finding {i}: {e}"))?;
            if control.is_empty() {
                return Err(format!("{name}: finding {i} has no control"));
            }
            let arn = field(f, "/object/arn");
            let ns = field(f, "/object/namespace");
            let obj_name = field(f, "/object/name");
            let kind = field(f, "/object/kind");
            let object = if !arn.is_empty() {
                arn.clone()
            } else if ns.is_empty() {
                format!("{obj_name}[{kind}]")
            } else {
                format!("{ns}/{obj_name}[{kind}]")
            };
            let location = f.get("location").filter(|l| l.is_object()).map(|l| {
                format!(
                    "{}:{}:{}",
                    field(l, "/file"),
                    l.get("line").and_then(Value::as_u64).unwrap_or(0),
                    l.get("column").and_then(Value::as_u64).unwrap_or(0)
                )
            });
            findings.push(Entry {
                fingerprint: field(f, "/fingerprint"),
                control,
                severity,
                object,
                location,
                path: field(f, "/path"),
                message: field(f, "/message"),
                suppressed: *suppressed || f.get("suppressed").is_some_and(|s| !s.is_null()),
            });
        }
        // v1 reports have no fingerprints: compute them from the same parts.
        if findings.iter().any(|e| e.fingerprint.is_empty()) {
            let keys: Vec<String> = raw
                .iter()
                .map(|(f, _)| {
                    identity_key(
                        &field(f, "/control"),
                        [
                            &field(f, "/object/apiVersion"),
                            &field(f, "/object/kind"),
                            &field(f, "/object/namespace"),
                            &field(f, "/object/name"),
                            &field(f, "/object/arn"),
                        ],
                        &field(f, "/location/file"),
                        &field(f, "/path"),
                    )
                })
                .collect();
            let messages: Vec<&str> = findings.iter().map(|e| e.message.as_str()).collect();
            let prints = fingerprints(&keys, &messages);
            for (e, p) in findings.iter_mut().zip(prints) {
                if e.fingerprint.is_empty() {
                    e.fingerprint = p;
                }
            }
        }
        let mut results = BTreeMap::new();
        if let Some(Value::Array(rs)) = doc.get("results") {
            for r in rs {
                let control = field(r, "/control");
                let object = match r.get("object") {
                    Some(o) if o.is_object() => {
                        let arn = field(o, "/arn");
                        if !arn.is_empty() {
                            arn
                        } else {
                            let ns = field(o, "/namespace");
                            let n = field(o, "/name");
                            let k = field(o, "/kind");
                            if ns.is_empty() {
                                format!("{n}[{k}]")
                            } else {
                                format!("{ns}/{n}[{k}]")
                            }
                        }
                    }
                    _ => String::new(),
                };
                results.insert((control, object), field(r, "/status"));
            }
        }
        Ok(Snapshot { findings, results })
    }
}

/// Compares `old` with `new`. Lists are in the new (or old) report's order.
pub fn compare(old: &Snapshot, new: &Snapshot) -> Comparison {
    let new_prints: HashSet<&str> = new
        .findings
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    let mut c = Comparison::default();
    let old_by_print: BTreeMap<&str, &Entry> = old
        .findings
        .iter()
        .map(|e| (e.fingerprint.as_str(), e))
        .collect();
    for e in &new.findings {
        match old_by_print.get(e.fingerprint.as_str()) {
            None => c.new.push(e.clone()),
            Some(o) => {
                c.unchanged += 1;
                if o.severity != e.severity || o.suppressed != e.suppressed {
                    let word = |x: &Entry| {
                        if x.suppressed {
                            format!("{} (suppressed)", x.severity)
                        } else {
                            x.severity.to_string()
                        }
                    };
                    c.changed.push(Change {
                        control: e.control.clone(),
                        object: e.object.clone(),
                        from: word(o),
                        to: word(e),
                        fingerprint: Some(e.fingerprint.clone()),
                    });
                }
            }
        }
    }
    c.fixed = old
        .findings
        .iter()
        .filter(|e| !new_prints.contains(e.fingerprint.as_str()))
        .cloned()
        .collect();
    for (key, to) in &new.results {
        if let Some(from) = old.results.get(key)
            && from != to
            && from != "fail"
            && to != "fail"
        {
            c.changed.push(Change {
                control: key.0.clone(),
                object: key.1.clone(),
                from: from.clone(),
                to: to.clone(),
                fingerprint: None,
            });
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fp: &str, sev: Severity) -> Entry {
        Entry {
            fingerprint: fp.into(),
            control: "IAM-005".into(),
            severity: sev,
            object: "shop/web[Deployment]".into(),
            location: None,
            path: "spec".into(),
            message: "m".into(),
            suppressed: false,
        }
    }

    #[test]
    fn new_fixed_changed_and_unchanged() {
        let mut old = Snapshot {
            findings: vec![entry("a", Severity::High), entry("b", Severity::Low)],
            ..Default::default()
        };
        old.results
            .insert(("NET-001".into(), "c".into()), "not_checked".into());
        old.results
            .insert(("IAM-005".into(), "x".into()), "pass".into());
        let mut new = Snapshot {
            findings: vec![entry("a", Severity::Critical), entry("c", Severity::Medium)],
            ..Default::default()
        };
        new.results
            .insert(("NET-001".into(), "c".into()), "pass".into());
        new.results
            .insert(("IAM-005".into(), "x".into()), "fail".into());
        let c = compare(&old, &new);
        assert_eq!(
            c.new
                .iter()
                .map(|e| e.fingerprint.as_str())
                .collect::<Vec<_>>(),
            ["c"]
        );
        assert_eq!(
            c.fixed
                .iter()
                .map(|e| e.fingerprint.as_str())
                .collect::<Vec<_>>(),
            ["b"]
        );
        assert_eq!(c.unchanged, 1);
        assert_eq!(c.changed.len(), 2, "{:?}", c.changed);
        assert!(
            c.changed
                .iter()
                .any(|ch| ch.from == "high" && ch.to == "critical")
        );
        assert!(
            c.changed
                .iter()
                .any(|ch| ch.from == "not_checked" && ch.to == "pass")
        );
        assert!(c.fails(Severity::Medium));
        assert!(!c.fails(Severity::High));
    }

    #[test]
    fn v1_reports_get_the_fingerprints_v2_reports_carry() {
        let v1 = r#"{"schema":"eksguard.report/v1","findings":[{"control":"IAM-005","severity":"high",
            "object":{"apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web"},
            "location":{"file":"k8s/web.yaml","line":9,"column":7},"path":"spec.template.spec.hostNetwork","message":"m"}],"suppressed":[]}"#;
        let s = Snapshot::read(v1, "old.json").unwrap();
        let key = identity_key(
            "IAM-005",
            ["apps/v1", "Deployment", "shop", "web", ""],
            "k8s/web.yaml",
            "spec.template.spec.hostNetwork",
        );
        let expected = fingerprints(&[key], &["m"]);
        assert_eq!(s.findings[0].fingerprint, expected[0]);
    }

    #[test]
    fn a_file_that_is_not_a_report_is_named() {
        let e = Snapshot::read("{\"kind\": \"List\"}", "x.json").unwrap_err();
        assert_eq!(
            e,
            "x.json: not an eksguard JSON report (schema is missing; write one with `eksguard scan --format json`)"
        );
        let e = Snapshot::read("{\"schema\":", "x.json").unwrap_err();
        assert!(e.starts_with("x.json:1:10: not a JSON report"), "{e}");
    }
}
