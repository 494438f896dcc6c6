//! AUD-104: a binding created, then used by its subject shortly after.

use super::*;
use crate::config::AuditConfig;
use crate::correlate::{Bounded, Hit, Seen};

pub(crate) const RULE: Rule = Rule {
    id: "AUD-104",
    title: "New role binding used by its subject",
    severity: Severity::High,
    technique: T_CLUSTER_ROLES,
    kind: RuleKind::Correlation,
    default_enabled: true,
    falco: &[],
    guardduty: &["PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleBindingCreated"],
    doc: Doc {
        what: "A RoleBinding or ClusterRoleBinding successfully created or replaced naming a user or service account, followed within `binding_window_secs` by a successful resource request from that principal in the binding's scope (the binding's namespace for a RoleBinding, anywhere for a ClusterRoleBinding). Reported once per binding and subject. Without the role's rules in the log, any such request counts as use.",
        why: "Grant-then-use is the shape of privilege escalation: an identity that can write bindings gives itself or an accomplice a role and acts on it at once.",
        example: "`kubectl create rolebinding x --clusterrole=edit --user=mallory` then mallory deletes a deployment.",
        response: "Review who created the binding and whether the subject should have it; remove it and revert what the subject did.",
        references: &[GUARDDUTY_EKS_URL],
    },
    check: None,
};

#[derive(Debug)]
struct Grant {
    binding: String,
    scope: String,
    role: String,
    audit_id: String,
    creator: String,
}

#[derive(Debug)]
pub(crate) struct State {
    grants: Bounded<String, Grant>,
}

impl State {
    pub fn new(c: &AuditConfig) -> Self {
        State {
            grants: Bounded::new(c.max_state_entries, c.binding_window_secs),
        }
    }

    pub fn len(&self) -> usize {
        self.grants.len()
    }

    pub fn observe(&mut self, s: &Seen<'_, '_>, out: &mut Vec<Hit>) {
        let ev = s.ev;
        if !s.facts.binding_subjects.is_empty() {
            let scope = if ev.resource() == "rolebindings" {
                ev.namespace().to_string()
            } else {
                String::new()
            };
            for subject in &s.facts.binding_subjects {
                if s.cfg.allowed.matches(subject) {
                    continue;
                }
                let grant = Grant {
                    binding: format!("{}/{}", ev.resource(), ev.name()),
                    scope: scope.clone(),
                    role: s.facts.binding_role.clone(),
                    audit_id: ev.audit_id.as_deref().unwrap_or("").to_string(),
                    creator: ev.username().to_string(),
                };
                self.grants.insert(subject.clone(), grant, s.t);
            }
            return;
        }
        if self.grants.is_empty()
            || s.allowed
            || !ev.succeeded()
            || ev.resource().is_empty()
            || matches!(
                ev.resource(),
                "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
            )
        {
            return;
        }
        let user = ev.username();
        let Some((g, _)) = self.grants.get_mut(user, s.t) else {
            return;
        };
        if !g.scope.is_empty() && g.scope != ev.namespace() {
            return;
        }
        let message = format!(
            "{user} used {} ({}) created by {}: {} {}",
            g.binding,
            g.role,
            g.creator,
            ev.verb(),
            ev.object_display()
        );
        let related = if g.audit_id.is_empty() {
            Vec::new()
        } else {
            vec![g.audit_id.clone()]
        };
        self.grants.remove(user);
        out.push(Hit {
            rule: RULE.id,
            message,
            related,
        });
    }
}
