//! AUD-103: a service-account token used from outside the cluster.

use super::*;
use crate::config::AuditConfig;
use crate::correlate::{Bounded, Hit, Seen};
use std::net::IpAddr;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-103",
    title: "Service-account token used from outside the cluster",
    severity: Severity::High,
    technique: T_STEAL_TOKEN,
    kind: RuleKind::Correlation,
    default_enabled: true,
    falco: &[],
    guardduty: &[],
    doc: Doc {
        what: "A request authenticated as a service account (`system:serviceaccount:*`) whose trustworthy source IP (the last `sourceIPs` entry) is in none of `cluster_cidrs` (VPC, pod and node ranges). Loopback is ignored. Reported once per account and IP per hour. Silent until `cluster_cidrs` is set.",
        why: "Service-account tokens are meant for pods; the same token used from a laptop or a foreign host means it was stolen.",
        example: "A token copied out of a pod and used with `kubectl --token` from the internet.",
        response: "Delete the Secret holding a long-lived token or rotate the bound token (recreate the pod); investigate how it leaked.",
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/",
        ],
    },
    check: None,
};

#[derive(Debug)]
pub(crate) struct State {
    reported: Bounded<String, ()>,
}

impl State {
    pub fn new(c: &AuditConfig) -> Self {
        State {
            reported: Bounded::new(c.max_state_entries, 3600),
        }
    }

    pub fn len(&self) -> usize {
        self.reported.len()
    }

    pub fn observe(&mut self, s: &Seen<'_, '_>, out: &mut Vec<Hit>) {
        let cidrs = &s.cfg.raw.cluster_cidrs;
        let user = s.ev.username();
        if cidrs.is_empty() || s.allowed || !user.starts_with("system:serviceaccount:") {
            return;
        }
        let Some(ip) = s.ev.source_ip.as_deref() else {
            return;
        };
        let Ok(addr) = ip.parse::<IpAddr>() else {
            return;
        };
        if addr.is_loopback() || cidrs.iter().any(|c| c.contains(&addr)) {
            return;
        }
        let key = format!("{user} {ip}");
        if self.reported.get_mut(&key, s.t).is_some() {
            return;
        }
        self.reported.insert(key, (), s.t);
        out.push(Hit {
            rule: RULE.id,
            message: format!("{user} token used from {ip}, outside the cluster CIDRs"),
            related: Vec::new(),
        });
    }
}
