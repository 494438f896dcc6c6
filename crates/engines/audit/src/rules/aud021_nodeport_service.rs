//! AUD-021: a NodePort service created.

use super::*;
use crate::objects::ServiceBody;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-021",
    title: "NodePort service created",
    severity: Severity::Low,
    technique: T_EXTERNAL_SERVICES,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Create NodePort Service"],
    guardduty: &[],
    doc: Doc {
        what: "A Service created with `type: NodePort`.",
        why: "A NodePort opens the same port on every node, reachable by anything that can reach the nodes and outside the ingress path's controls.",
        example: "`kubectl expose deployment web --type=NodePort --port=80`",
        response: "Prefer ClusterIP behind an Ingress/Gateway or a LoadBalancer with restricted source ranges.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "services" || ev.verb() != "create" || !ev.subresource().is_empty() {
        return None;
    }
    let svc: ServiceBody<'_> = serde_json::from_str(ev.request_object?.get()).ok()?;
    if svc.spec.type_.as_deref() != Some("NodePort") {
        return None;
    }
    let ports: Vec<String> = svc
        .spec
        .ports
        .iter()
        .map(|p| match (p.port, p.node_port) {
            (Some(a), Some(b)) => format!("{a}:{b}"),
            (Some(a), None) => a.to_string(),
            _ => "?".to_string(),
        })
        .collect();
    Some(format!(
        "NodePort service {}/{} created (ports {}){}",
        ev.namespace(),
        ev.name(),
        ports.join(","),
        cx.outcome()
    ))
}
