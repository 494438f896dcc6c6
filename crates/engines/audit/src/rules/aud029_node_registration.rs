//! AUD-029: a Node object created by something other than its kubelet.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-029",
    title: "Node registered by an unexpected principal",
    severity: Severity::Medium,
    technique: T_VALID,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &[
        "Untrusted Node Successfully Joined the Cluster",
        "Untrusted Node Unsuccessfully Tried to Join the Cluster",
    ],
    guardduty: &[],
    doc: Doc {
        what: "A create of a Node, successful or not, by a principal other than that node's own kubelet (`system:node:<name>`, allow-listed) and not in `allowed_nodes`.",
        why: "A rogue node receives pods and their secrets; kubelets register themselves, so any other creator deserves a look.",
        example: "A `create nodes` request by an IAM user.",
        response: "Delete the Node object, find the identity that created it and revoke it.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "nodes" || ev.verb() != "create" || !ev.subresource().is_empty() {
        return None;
    }
    let name = ev.name();
    if cx.cfg.allowed_nodes.matches(name)
        || ev.username().strip_prefix("system:node:") == Some(name)
    {
        return None;
    }
    let outcome = if ev.succeeded() {
        "joined"
    } else {
        "tried to join"
    };
    Some(format!("node {name} {outcome} the cluster{}", cx.outcome()))
}
