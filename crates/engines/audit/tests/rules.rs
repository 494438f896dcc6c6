//! Per-rule fixtures: `tests/fixtures/rules/<ID>/trigger.jsonl` holds events
//! that must be reported by that rule, `benign.jsonl` look-alikes (system
//! principals, denied requests, other stages, outside windows) that must
//! not be. An optional `config.json` is the `audit:` configuration used.

use eksguard_audit::{AuditConfig, Detection, InputFormat, Pipeline, RULES, RuleKind};
use std::path::{Path, PathBuf};

fn dir(id: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(id)
}

fn config(id: &str) -> AuditConfig {
    match std::fs::read_to_string(dir(id).join("config.json")) {
        Ok(text) => serde_json::from_str(&text).expect("valid config.json"),
        Err(_) => AuditConfig::default(),
    }
}

fn run(id: &str, file: &str) -> (Vec<Detection>, Vec<serde_json::Value>) {
    let path = dir(id).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("fixture line is JSON"))
        .collect();
    let mut p = Pipeline::new(&config(id)).expect("config accepted");
    let mut out = Vec::new();
    p.read(file, text.as_bytes(), InputFormat::JsonLines, &mut |d| {
        out.push(d)
    })
    .expect("readable");
    let summary = p.finish(&mut |d| out.push(d));
    assert_eq!(
        summary.unparseable, 0,
        "{id}/{file}: {:?}",
        summary.unparseable_samples
    );
    (out, events)
}

/// auditIDs of the events a rule judges: ResponseComplete, or
/// ResponseStarted for exec/attach/port-forward.
fn judged_ids(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| {
            let stage = e["stage"].as_str().unwrap_or("");
            let sub = e["objectRef"]["subresource"].as_str().unwrap_or("");
            let streaming = matches!(sub, "exec" | "attach" | "portforward");
            (stage == "ResponseComplete" && !streaming) || (stage == "ResponseStarted" && streaming)
        })
        .map(|e| e["auditID"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn every_rule_has_fixtures() {
    for rule in RULES {
        for f in ["trigger.jsonl", "benign.jsonl"] {
            assert!(dir(rule.id).join(f).is_file(), "{} lacks {f}", rule.id);
        }
    }
}

#[test]
fn trigger_fixtures_are_reported() {
    for rule in RULES {
        let (found, events) = run(rule.id, "trigger.jsonl");
        let mine: Vec<&Detection> = found.iter().filter(|d| d.rule == rule.id).collect();
        match rule.kind {
            RuleKind::Event => {
                let expected = judged_ids(&events);
                assert!(!expected.is_empty(), "{}: empty trigger fixture", rule.id);
                let got: Vec<&str> = mine
                    .iter()
                    .filter_map(|d| d.audit_ids.last().map(String::as_str))
                    .collect();
                assert_eq!(got, expected, "{}: {found:#?}", rule.id);
            }
            RuleKind::Correlation => {
                assert_eq!(mine.len(), 1, "{}: {found:#?}", rule.id);
                let last = events
                    .last()
                    .and_then(|e| e["auditID"].as_str())
                    .unwrap_or("");
                assert_eq!(
                    mine[0].audit_ids.last().map(String::as_str),
                    Some(last),
                    "{}",
                    rule.id
                );
            }
        }
        for d in &mine {
            assert!(!d.message.is_empty());
            assert_eq!(d.severity, rule.severity);
        }
    }
}

#[test]
fn benign_fixtures_are_quiet() {
    for rule in RULES {
        let (found, _) = run(rule.id, "benign.jsonl");
        let mine: Vec<&Detection> = found.iter().filter(|d| d.rule == rule.id).collect();
        assert!(mine.is_empty(), "{}: {mine:#?}", rule.id);
    }
}

#[test]
fn credential_values_are_never_echoed() {
    let (found, _) = run("AUD-020", "trigger.jsonl");
    assert!(!found.is_empty());
    for d in &found {
        let json = serde_json::to_string(d).unwrap();
        for secret in ["hunter2", "AKIAIOSFODNN7EXAMPLE"] {
            assert!(!json.contains(secret), "{json}");
        }
    }
    // The key names are what the user needs to find the data.
    assert!(found.iter().any(|d| d.message.contains("db_password")));
}

#[test]
fn explain_names_technique_and_sources() {
    let rule = eksguard_audit::rules::find("aud-007").expect("case-insensitive lookup");
    let text = rule.explain();
    assert!(text.starts_with("# AUD-007 Exec into a kube-system pod"));
    assert!(text.contains("https://attack.mitre.org/techniques/T1609/"));
    assert!(text.contains("Execution:Kubernetes/ExecInKubeSystemPod"));
    let sub = eksguard_audit::rules::find("AUD-014")
        .unwrap()
        .technique
        .url();
    assert_eq!(sub, "https://attack.mitre.org/techniques/T1098/006/");
}
