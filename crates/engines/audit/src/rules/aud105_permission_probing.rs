//! AUD-105: repeated denials, then a success, on the same resource.

use super::*;
use crate::config::AuditConfig;
use crate::correlate::{Bounded, Hit, MICROS, Seen};
use std::collections::VecDeque;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-105",
    title: "Permission probing followed by success",
    severity: Severity::Medium,
    technique: T_DISCOVERY,
    kind: RuleKind::Correlation,
    default_enabled: true,
    falco: &[],
    guardduty: &["Discovery:Kubernetes/AnomalousBehavior.PermissionChecked"],
    doc: Doc {
        what: "A principal outside the allow-list gets at least `probe_denials` 403 answers on one resource type in one namespace within `probe_window_secs`, then a successful request on it.",
        why: "Trying requests until one works is how stolen credentials are mapped; the success marks the moment the attacker found a foothold (often right after someone widened RBAC).",
        example: "`get secrets` denied three times, then allowed after a RoleBinding appears.",
        response: "Find what changed between the denials and the success (AUD-104, AUD-012), and whether the principal's credentials are compromised.",
        references: &[GUARDDUTY_EKS_URL],
    },
    check: None,
};

/// Recent denials of one principal on one resource type in one namespace.
#[derive(Debug)]
struct Denials {
    resource: String,
    subresource: String,
    namespace: String,
    recent: VecDeque<(i64, String)>,
}

impl Denials {
    fn is_for(&self, ev: &crate::event::Event<'_>) -> bool {
        self.resource == ev.resource()
            && self.subresource == ev.subresource()
            && self.namespace == ev.namespace()
    }
}

/// Most resource keys a principal is tracked on; the oldest goes first.
const KEYS_PER_USER: usize = 64;

/// Denials by principal, then by resource key: looking up a principal by
/// `&str` costs no allocation, which matters because every successful
/// request has to be checked.
#[derive(Debug)]
pub(crate) struct State {
    by_user: Bounded<String, Vec<Denials>>,
    needed: usize,
    window: i64,
}

impl State {
    pub fn new(c: &AuditConfig) -> Self {
        State {
            by_user: Bounded::new(c.max_state_entries, c.probe_window_secs),
            needed: c.probe_denials,
            window: i64::try_from(c.probe_window_secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(MICROS),
        }
    }

    pub fn len(&self) -> usize {
        self.by_user.len()
    }

    pub fn observe(&mut self, s: &Seen<'_, '_>, out: &mut Vec<Hit>) {
        let ev = s.ev;
        if s.allowed || ev.resource().is_empty() {
            return;
        }
        let denied = ev.code() == Some(403);
        if !denied && (!ev.succeeded() || self.by_user.is_empty()) {
            return;
        }
        let user = ev.username();
        let id = ev.audit_id.as_deref().unwrap_or("");
        if denied {
            if self.by_user.get_mut(user, s.t).is_none() {
                // The principal's entry lives one window from its first
                // denial; later denials are kept inside it.
                self.by_user.insert(user.to_string(), Vec::new(), s.t);
            }
            let Some((keys, _)) = self.by_user.get_mut(user, s.t) else {
                return;
            };
            let i = match keys.iter().position(|d| d.is_for(ev)) {
                Some(i) => i,
                None => {
                    if keys.len() >= KEYS_PER_USER {
                        keys.remove(0);
                    }
                    keys.push(Denials {
                        resource: ev.resource().to_string(),
                        subresource: ev.subresource().to_string(),
                        namespace: ev.namespace().to_string(),
                        recent: VecDeque::new(),
                    });
                    keys.len() - 1
                }
            };
            let d = &mut keys[i];
            d.recent.push_back((s.t, id.to_string()));
            while d.recent.len() > self.needed.saturating_mul(2) {
                d.recent.pop_front();
            }
            return;
        }
        let Some((keys, _)) = self.by_user.get_mut(user, s.t) else {
            return;
        };
        let Some(i) = keys.iter().position(|d| d.is_for(ev)) else {
            return;
        };
        let d = keys.swap_remove(i);
        let fresh: Vec<String> = d
            .recent
            .into_iter()
            .filter(|(t, _)| s.t.saturating_sub(*t) <= self.window)
            .map(|(_, id)| id)
            .collect();
        if fresh.len() < self.needed {
            return;
        }
        out.push(Hit {
            rule: RULE.id,
            message: format!(
                "{user} was denied {} times on {} in {}, then succeeded with {}",
                fresh.len(),
                ev.resource(),
                if ev.namespace().is_empty() {
                    "cluster scope"
                } else {
                    ev.namespace()
                },
                ev.verb()
            ),
            related: fresh.into_iter().filter(|i| !i.is_empty()).collect(),
        });
    }
}
