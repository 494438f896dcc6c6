//! AUD-105: repeated denials, then a success, on the same resource.

use super::*;
use crate::config::AuditConfig;
use crate::correlate::{Bounded, Hit, Seen, MICROS};
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

#[derive(Debug, Default)]
struct Denials {
    recent: VecDeque<(i64, String)>,
}

#[derive(Debug)]
pub(crate) struct State {
    by_key: Bounded<String, Denials>,
    needed: usize,
    window: i64,
}

impl State {
    pub fn new(c: &AuditConfig) -> Self {
        State {
            by_key: Bounded::new(c.max_state_entries, c.probe_window_secs),
            needed: c.probe_denials,
            window: i64::try_from(c.probe_window_secs).unwrap_or(i64::MAX / MICROS) * MICROS,
        }
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn observe(&mut self, s: &Seen<'_, '_>, out: &mut Vec<Hit>) {
        let ev = s.ev;
        if s.allowed || ev.resource().is_empty() {
            return;
        }
        let denied = ev.code() == Some(403);
        if !denied && (!ev.succeeded() || self.by_key.is_empty()) {
            return;
        }
        let key = format!(
            "{}\u{0}{}/{}\u{0}{}",
            ev.username(),
            ev.resource(),
            ev.subresource(),
            ev.namespace()
        );
        let id = ev.audit_id.as_deref().unwrap_or("").to_string();
        if denied {
            if self.by_key.get_mut(&key, s.t).is_none() {
                // The entry's lifetime restarts at its first denial.
                self.by_key.insert(key.clone(), Denials::default(), s.t);
            }
            if let Some((d, _)) = self.by_key.get_mut(&key, s.t) {
                d.recent.push_back((s.t, id));
                while d.recent.len() > self.needed.saturating_mul(2) {
                    d.recent.pop_front();
                }
            }
            return;
        }
        let Some(d) = self.by_key.remove(&key) else {
            return;
        };
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
                "{} was denied {} times on {} in {}, then succeeded with {}",
                ev.username(),
                fresh.len(),
                ev.resource(),
                if ev.namespace().is_empty() { "cluster scope" } else { ev.namespace() },
                ev.verb()
            ),
            related: fresh.into_iter().filter(|i| !i.is_empty()).collect(),
        });
    }
}
