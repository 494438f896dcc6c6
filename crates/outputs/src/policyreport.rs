//! `--format policyreport`: Kubernetes Policy WG `wgpolicyk8s.io/v1alpha2`
//! PolicyReports (one per namespace) and a ClusterPolicyReport, as Kyverno
//! and Trivy Operator emit them, wrapped in a `v1 List` for `kubectl apply`.

use crate::Report;
use eksguard_core::{Finding, ObjectRef, Severity, Status};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
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

/// The resource a result is about; AWS resources carry their ARN as `uid`
/// (the field PolicyReport consumers show as the resource's identity).
fn resource(o: &ObjectRef) -> Value {
    let mut r = json!({"apiVersion": o.api_version, "kind": o.kind, "name": o.name});
    if let Some(arn) = &o.arn {
        r["uid"] = json!(arn);
    }
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

/// Results as PolicyReport results: `pass`, `fail`, accepted risks and
/// `not_checked` as `skip`. Namespaced objects go to their namespace's
/// PolicyReport; cluster-scoped objects, AWS resources (named by ARN) and
/// whole-scan results to the ClusterPolicyReport. `not_applicable` results
/// are left out: there was nothing to judge.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let by_fp: HashMap<&str, &Finding> = report
        .findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    let mut buckets: BTreeMap<Option<String>, Bucket> = BTreeMap::new();
    let ts = json!({"seconds": report.timestamp, "nanos": 0});
    for r in report.results {
        let (result, message, finding) = match r.status {
            Status::NotApplicable => continue,
            Status::Pass => ("pass", None, None),
            Status::Fail => {
                let f = r
                    .findings
                    .first()
                    .and_then(|fp| by_fp.get(fp.as_str()).copied());
                (
                    if r.suppressed { "skip" } else { "fail" },
                    f.map(|f| f.message.clone()),
                    f,
                )
            }
            Status::NotChecked => (
                "skip",
                Some(format!(
                    "not checked: {}",
                    r.reason.as_deref().unwrap_or("")
                )),
                None,
            ),
        };
        let meta = report.control(r.control);
        let namespace = r
            .object
            .as_ref()
            .filter(|o| o.arn.is_none())
            .and_then(|o| o.namespace.clone());
        let b = buckets.entry(namespace).or_default();
        *b.counts.entry(result).or_default() += 1;
        let mut v = json!({
            "source": "eksguard",
            "policy": r.control,
            "rule": meta.map_or(r.control, |m| m.name),
            "result": result,
            "scored": true,
            "timestamp": ts,
            "category": r.pillar.title(),
            "severity": severity(r.severity),
            "message": message.unwrap_or_else(|| meta.map_or("", |m| m.title).to_owned()),
        });
        if let Some(o) = &r.object {
            v["resources"] = json!([resource(o)]);
        }
        let mut props = json!({"responsibility": r.responsibility.as_str()});
        if let Some(f) = finding {
            props["path"] = json!(f.path);
            props["remediation"] = json!(f.remediation);
            if r.findings.len() > 1 {
                props["findings"] = json!(r.findings.len().to_string());
            }
        }
        if let Some(arn) = r.object.as_ref().and_then(|o| o.arn.as_deref()) {
            props["arn"] = json!(arn);
        }
        v["properties"] = props;
        b.results.push(v);
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
