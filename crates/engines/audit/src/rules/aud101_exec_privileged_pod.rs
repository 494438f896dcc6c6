//! AUD-101: exec/attach into a pod that was created privileged or with a
//! sensitive host mount earlier in the log.

use super::*;
use crate::config::AuditConfig;
use crate::correlate::{Bounded, Hit, Seen};

pub(crate) const RULE: Rule = Rule {
    id: "AUD-101",
    title: "Exec into a privileged or host-mounting pod",
    severity: Severity::Critical,
    technique: T_ESCAPE,
    kind: RuleKind::Correlation,
    default_enabled: true,
    falco: &["Attach/Exec Pod (the stateful variant its comments ask for)"],
    guardduty: &[],
    doc: Doc {
        what: "A granted exec or attach into a pod whose creation, seen earlier in the log within `exec_window_secs`, was privileged, used hostPID or mounted a sensitive host path. The pod's creation is remembered whoever created it (also controllers), and forgotten when the pod is deleted.",
        why: "A shell in such a pod is a shell on the node: the most direct container escape there is.",
        example: "A DaemonSet pod with `privileged: true` created, then `kubectl exec -it agent-x -- chroot /host`.",
        response: "Treat as an incident: isolate the node, review what was run, rotate node and pod credentials.",
        references: &[FALCO_RULES_URL],
    },
    check: None,
};

#[derive(Debug)]
struct Created {
    audit_id: String,
    why: String,
}

/// Risky pods by `namespace/name`.
#[derive(Debug)]
pub(crate) struct State {
    pods: Bounded<String, Created>,
}

impl State {
    pub fn new(c: &AuditConfig) -> Self {
        State {
            pods: Bounded::new(c.max_state_entries, c.exec_window_secs),
        }
    }

    pub fn len(&self) -> usize {
        self.pods.len()
    }

    pub fn observe(&mut self, s: &Seen<'_, '_>, out: &mut Vec<Hit>) {
        let ev = s.ev;
        if let (Some(key), Some(why)) = (&s.facts.pod_key, &s.facts.risky_pod) {
            let created = Created {
                audit_id: ev.audit_id.as_deref().unwrap_or("").to_string(),
                why: why.clone(),
            };
            self.pods.insert(key.clone(), created, s.t);
            return;
        }
        if ev.resource() != "pods" || self.pods.is_empty() {
            return;
        }
        if ev.verb() == "delete" && ev.subresource().is_empty() && ev.succeeded() {
            self.pods
                .remove(&format!("{}/{}", ev.namespace(), ev.name()));
            return;
        }
        if s.allowed
            || !matches!(ev.subresource(), "exec" | "attach")
            || !matches!(ev.verb(), "create" | "get")
            || !granted(ev)
        {
            return;
        }
        let key = format!("{}/{}", ev.namespace(), ev.name());
        if let Some((c, _)) = self.pods.get_mut(&key, s.t) {
            let mut related = Vec::new();
            if !c.audit_id.is_empty() {
                related.push(c.audit_id.clone());
            }
            out.push(Hit {
                rule: RULE.id,
                message: format!(
                    "{} into pod {key}, which was created {}",
                    ev.subresource(),
                    c.why
                ),
                related,
            });
        }
    }
}
