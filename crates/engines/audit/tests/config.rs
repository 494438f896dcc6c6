//! The `audit:` configuration as users write it.

use eksguard_audit::{AuditConfig, ConfigError, InputFormat, Pipeline, handle_lambda_event};
use serde_json::json;

fn exec_by(user: &str) -> String {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": format!("7a000000-0000-4000-8000-{:012}", user.len()), "stage": "ResponseStarted",
        "requestURI": "/api/v1/namespaces/web/pods/web-0/exec?command=sh",
        "verb": "create", "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.0.1"],
        "objectRef": {"resource": "pods", "namespace": "web", "name": "web-0", "subresource": "exec"},
        "responseStatus": {"metadata": {}, "code": 101},
        "requestReceivedTimestamp": "2026-11-27T10:00:00.000000Z",
        "stageTimestamp": "2026-11-27T10:00:00.000000Z"
    })
    .to_string()
}

fn rules_for(cfg: &AuditConfig, user: &str) -> Vec<&'static str> {
    let mut p = Pipeline::new(cfg).unwrap();
    let mut out = Vec::new();
    let line = exec_by(user);
    p.read("x", line.as_bytes(), InputFormat::JsonLines, &mut |d| {
        out.push(d.rule)
    })
    .unwrap();
    out
}

#[test]
fn extra_principals_extend_the_defaults() {
    let cfg: AuditConfig =
        serde_json::from_value(json!({"extra_allowed_principals": ["ops-*"]})).unwrap();
    assert!(rules_for(&cfg, "ops-oncall").is_empty());
    assert!(
        rules_for(&cfg, "eks:addon-manager").is_empty(),
        "defaults kept"
    );
    assert_eq!(rules_for(&cfg, "alice"), ["AUD-006"]);
}

#[test]
fn replacing_the_allow_list_drops_the_defaults() {
    let cfg: AuditConfig = serde_json::from_value(json!({"allowed_principals": []})).unwrap();
    assert_eq!(rules_for(&cfg, "eks:addon-manager"), ["AUD-006"]);
}

#[test]
fn per_rule_allow_list_and_disabling() {
    let cfg: AuditConfig =
        serde_json::from_value(json!({"rule_allowed_principals": {"AUD-006": ["alice"]}})).unwrap();
    assert!(rules_for(&cfg, "alice").is_empty());
    assert_eq!(rules_for(&cfg, "bob"), ["AUD-006"]);
    let off: AuditConfig = serde_json::from_value(json!({"disabled_rules": ["AUD-006"]})).unwrap();
    assert!(rules_for(&off, "bob").is_empty());
}

#[test]
fn bad_configuration_is_rejected() {
    assert!(serde_json::from_value::<AuditConfig>(json!({"alowed_principals": []})).is_err());
    let cfg: AuditConfig = serde_json::from_value(json!({"disabled_rules": ["AUD-1"]})).unwrap();
    assert!(matches!(Pipeline::new(&cfg), Err(ConfigError::UnknownRule(id)) if id == "AUD-1"));
    let zero: AuditConfig = serde_json::from_value(json!({"probe_denials": 0})).unwrap();
    assert_eq!(
        Pipeline::new(&zero).err(),
        Some(ConfigError::Zero("probe_denials"))
    );
}

#[test]
fn lambda_event_wrapper() {
    let mut p = Pipeline::new(&AuditConfig::default()).unwrap();
    // Plain (unencoded) subscription JSON is accepted too.
    let data = json!({"messageType": "DATA_MESSAGE", "logEvents": [{"id": "1", "timestamp": 0, "message": exec_by("alice")}]})
        .to_string();
    // A Lambda event carries base64; build it with the standard alphabet.
    let b64 = {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in data.as_bytes().chunks(3) {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |a, (i, &b)| a | (u32::from(b) << (16 - 8 * i)));
            for i in 0..4 {
                s.push(if i <= c.len() {
                    A[(n >> (18 - 6 * i)) as usize & 63] as char
                } else {
                    '='
                });
            }
        }
        s
    };
    let event = json!({"awslogs": {"data": b64}}).to_string();
    let d = handle_lambda_event(&event, &mut p);
    assert_eq!(d.iter().map(|d| d.rule).collect::<Vec<_>>(), ["AUD-006"]);
    assert!(handle_lambda_event("{\"Records\":[]}", &mut p).is_empty());
    assert_eq!(p.summary().unparseable, 1);
}
