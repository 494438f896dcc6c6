//! `--format policyreport`: Kubernetes Policy WG `wgpolicyk8s.io/v1alpha2`
//! PolicyReports (one per namespace) and a ClusterPolicyReport, as Kyverno
//! and Trivy Operator emit them, wrapped in a `v1 List` for `kubectl apply`.

use crate::Report;
use eksguard_core::{Finding, ObjectRef, Severity};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};

fn severity(s: Severity) -> &'static str {
    // The v1alpha2 enum has no "low"/"info" distinction beyond these values.
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

fn resource(o: &ObjectRef) -> Value {
    let mut r = json!({"apiVersion": o.api_version, "kind": o.kind, "name": o.name});
    if let Some(ns) = &o.namespace {
        r["namespace"] = json!(ns);
    }
    r
}

#[derive(Default)]
struct Bucket {
    results: Vec<Value>,
    counts: BTreeMap<&'static str, usize>,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut buckets: BTreeMap<Option<String>, Bucket> = BTreeMap::new();
    let ts = json!({"seconds": report.timestamp, "nanos": 0});
    let mut push = |o: &ObjectRef, control: &str, result: &'static str, f: Option<&Finding>| {
        let meta = report.control(control);
        let b = buckets.entry(o.namespace.clone()).or_default();
        *b.counts.entry(result).or_default() += 1;
        let mut r = json!({
            "source": "eksguard",
            "policy": control,
            "rule": meta.map_or(control, |m| m.name),
            "result": result,
            "scored": true,
            "timestamp": ts,
            "resources": [resource(o)],
        });
        if let Some(m) = meta {
            r["category"] = json!(m.pillar.title());
            r["severity"] = json!(severity(m.severity));
        }
        match f {
            Some(f) => {
                r["message"] = json!(f.message);
                r["properties"] = json!({"path": f.path, "remediation": f.remediation, "responsibility": f.responsibility.as_str()});
            }
            None => r["message"] = json!(meta.map_or("", |m| m.title)),
        }
        b.results.push(r);
    };
    let mut failed: std::collections::HashSet<(&str, &ObjectRef)> =
        std::collections::HashSet::new();
    let mut findings: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.object.arn.is_none())
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    for f in findings {
        let result = if f.suppressed.is_some() {
            "skip"
        } else {
            "fail"
        };
        push(&f.object, f.control, result, Some(f));
        failed.insert((f.control, &f.object));
    }
    let mut evaluated: Vec<&(&str, ObjectRef)> = report.evaluated.iter().collect();
    evaluated.sort();
    evaluated.dedup();
    for (control, o) in evaluated {
        if !failed.contains(&(*control, o)) {
            push(o, control, "pass", None);
        }
    }
    let items: Vec<Value> = buckets
        .into_iter()
        .map(|(ns, b)| {
            let summary = json!({
                "pass": b.counts.get("pass").copied().unwrap_or(0),
                "fail": b.counts.get("fail").copied().unwrap_or(0),
                "warn": 0,
                "error": 0,
                "skip": b.counts.get("skip").copied().unwrap_or(0),
            });
            match ns {
                Some(ns) => json!({
                    "apiVersion": "wgpolicyk8s.io/v1alpha2",
                    "kind": "PolicyReport",
                    "metadata": {"name": "eksguard", "namespace": ns, "labels": {"app.kubernetes.io/managed-by": "eksguard"}},
                    "scope": {"apiVersion": "v1", "kind": "Namespace", "name": ns},
                    "summary": summary,
                    "results": b.results,
                }),
                None => json!({
                    "apiVersion": "wgpolicyk8s.io/v1alpha2",
                    "kind": "ClusterPolicyReport",
                    "metadata": {"name": "eksguard", "labels": {"app.kubernetes.io/managed-by": "eksguard"}},
                    "summary": summary,
                    "results": b.results,
                }),
            }
        })
        .collect();
    let doc = json!({"apiVersion": "v1", "kind": "List", "items": items});
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
