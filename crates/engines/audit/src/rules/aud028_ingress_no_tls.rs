//! AUD-028: an Ingress created without TLS.

use super::*;
use serde::Deserialize;
use serde::de::IgnoredAny;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-028",
    title: "Ingress without TLS created",
    severity: Severity::Low,
    technique: T_EXTERNAL_SERVICES,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Ingress Object without TLS Certificate Created"],
    guardduty: &[],
    doc: Doc {
        what: "An Ingress successfully created with no `spec.tls` entries.",
        why: "Traffic to the service travels in clear text unless TLS is terminated elsewhere (for example an ALB with an ACM certificate configured by annotations).",
        example: "An Ingress with only `spec.rules`.",
        response: "Add a TLS section or confirm the load balancer terminates TLS.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

#[derive(Deserialize)]
struct Spec {
    #[serde(default)]
    tls: Option<Vec<IgnoredAny>>,
}
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    spec: Option<Spec>,
}

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "ingresses" || ev.verb() != "create" || !ev.succeeded() {
        return None;
    }
    let body: Body = serde_json::from_str(ev.request_object?.get()).ok()?;
    let has_tls = body.spec.and_then(|s| s.tls).is_some_and(|t| !t.is_empty());
    if has_tls {
        return None;
    }
    Some(format!(
        "ingress {}/{} created without TLS",
        ev.namespace(),
        ev.name()
    ))
}
