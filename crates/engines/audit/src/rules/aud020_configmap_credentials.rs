//! AUD-020: a ConfigMap written with what looks like a credential.

use super::*;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-020",
    title: "ConfigMap with credentials written",
    severity: Severity::Medium,
    technique: T_CONTAINER_API_CREDS,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Create/Modify Configmap With Private Credentials"],
    guardduty: &[],
    doc: Doc {
        what: "A ConfigMap created, updated or patched whose data has a key or value mentioning `aws_access_key_id` (any of Falco's spellings), `password` or `passphrase`, or a value containing an AWS access key ID (`AKIA…`/`ASIA…`). Only key names are reported, never values.",
        why: "ConfigMaps are readable by far more principals than Secrets and are not encrypted with the cluster's KMS key; credentials in them leak.",
        example: "`kubectl create configmap app --from-literal=db_password=hunter2`",
        response: "Rotate the credential, move it to a Secret (or better, IAM roles via Pod Identity), and delete it from the ConfigMap.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

const MARKERS: &[&str] = &[
    "aws_access_key_id",
    "aws-access-key-id",
    "aws_s3_access_key_id",
    "aws-s3-access-key-id",
    "password",
    "passphrase",
];

#[derive(Deserialize)]
struct ConfigMapBody<'a> {
    #[serde(borrow, default)]
    data: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
}

fn has_marker(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
}

/// `AKIA`/`ASIA` followed by 16 upper-case letters or digits.
fn has_aws_key_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(20).any(|w| {
        (w.starts_with(b"AKIA") || w.starts_with(b"ASIA"))
            && w[4..]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    })
}

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "configmaps"
        || !matches!(ev.verb(), "create" | "update" | "patch")
        || !not_denied(ev)
    {
        return None;
    }
    let body: ConfigMapBody<'_> = serde_json::from_str(ev.request_object?.get()).ok()?;
    let keys: Vec<&str> = body
        .data
        .iter()
        .filter(|(k, v)| has_marker(k) || has_marker(v) || has_aws_key_id(v))
        .map(|(k, _)| k.as_ref())
        .collect();
    if keys.is_empty() {
        return None;
    }
    Some(format!(
        "configmap {}/{} holds credential-like data under key(s) {} (values not shown){}",
        ev.namespace(),
        ev.name(),
        keys.join(","),
        cx.outcome()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_shape() {
        assert!(has_aws_key_id("key=AKIAIOSFODNN7EXAMPLE;"));
        assert!(!has_aws_key_id("AKIAshort"));
        assert!(!has_aws_key_id("akiaiosfodnn7example"));
    }
}
