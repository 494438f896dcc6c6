//! AUD-102: one principal reading Secrets in many namespaces in a window.

use super::*;
use crate::config::AuditConfig;
use crate::correlate::{Bounded, Hit, MICROS, Seen};
use std::collections::VecDeque;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-102",
    title: "Secrets read across many namespaces",
    severity: Severity::High,
    technique: T_CONTAINER_API_CREDS,
    kind: RuleKind::Correlation,
    default_enabled: true,
    falco: &[],
    guardduty: &["CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed"],
    doc: Doc {
        what: "A principal outside the allow-list successfully reads (get/list/watch) Secrets in at least `secrets_namespace_threshold` distinct namespaces within `secrets_window_secs`; a cluster-wide list counts as all namespaces. Reported once per principal per window.",
        why: "Sweeping Secrets across namespaces is credential harvesting: no ordinary workload needs other teams' secrets.",
        example: "`for ns in $(kubectl get ns -o name); do kubectl get secrets -n ${ns#*/} -o yaml; done`",
        response: "Revoke the principal's access, rotate the secrets it read, and find how it obtained the permission.",
        references: &[GUARDDUTY_EKS_URL],
    },
    check: None,
};

#[derive(Debug, Default)]
struct Reads {
    /// (time, namespace, auditID), one entry per namespace, oldest first.
    recent: VecDeque<(i64, String, String)>,
    last_report: Option<i64>,
}

#[derive(Debug)]
pub(crate) struct State {
    by_user: Bounded<String, Reads>,
    threshold: usize,
    window: i64,
}

impl State {
    pub fn new(c: &AuditConfig) -> Self {
        State {
            // The per-user entry lives as long as one window after its first
            // read is refreshed; stale users age out.
            by_user: Bounded::new(c.max_state_entries, c.secrets_window_secs.saturating_mul(2)),
            threshold: c.secrets_namespace_threshold,
            window: i64::try_from(c.secrets_window_secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(MICROS),
        }
    }

    pub fn len(&self) -> usize {
        self.by_user.len()
    }

    pub fn observe(&mut self, s: &Seen<'_, '_>, out: &mut Vec<Hit>) {
        let ev = s.ev;
        if s.allowed
            || ev.resource() != "secrets"
            || !ev.subresource().is_empty()
            || !matches!(ev.verb(), "get" | "list" | "watch")
            || !ev.succeeded()
        {
            return;
        }
        let user = ev.username();
        if self.by_user.get_mut(user, s.t).is_none() {
            self.by_user.insert(user.to_string(), Reads::default(), s.t);
        }
        let Some((reads, _)) = self.by_user.get_mut(user, s.t) else {
            return;
        };
        let ns = if ev.namespace().is_empty() {
            "*"
        } else {
            ev.namespace()
        };
        let id = ev.audit_id.as_deref().unwrap_or("").to_string();
        reads.recent.retain(|(_, n, _)| n != ns);
        reads.recent.push_back((s.t, ns.to_string(), id));
        while reads
            .recent
            .front()
            .is_some_and(|(t, _, _)| s.t.saturating_sub(*t) > self.window)
        {
            reads.recent.pop_front();
        }
        // Bound the per-user list: a few times the threshold is enough to
        // decide.
        while reads.recent.len() > self.threshold.saturating_mul(4).max(8) {
            reads.recent.pop_front();
        }
        let cluster_wide = reads.recent.iter().any(|(_, n, _)| n == "*");
        let distinct = reads.recent.len();
        let cooled = reads
            .last_report
            .is_none_or(|t| s.t.saturating_sub(t) > self.window);
        if (distinct >= self.threshold || cluster_wide) && cooled {
            reads.last_report = Some(s.t);
            let mut namespaces: Vec<&str> =
                reads.recent.iter().map(|(_, n, _)| n.as_str()).collect();
            namespaces.sort_unstable();
            let related: Vec<String> = reads
                .recent
                .iter()
                .filter(|(_, _, id)| !id.is_empty() && *id != ev.audit_id.as_deref().unwrap_or(""))
                .map(|(_, _, id)| id.clone())
                .collect();
            let scope = if cluster_wide {
                "across all namespaces".to_string()
            } else {
                format!("in {distinct} namespaces")
            };
            out.push(Hit {
                rule: RULE.id,
                message: format!(
                    "{user} read secrets {scope} within the window: {}",
                    namespaces.join(",")
                ),
                related,
            });
        }
    }
}
