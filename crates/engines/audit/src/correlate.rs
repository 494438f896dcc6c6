//! Correlation across events, in input order, with bounded state.
//!
//! Every table is a [`Bounded`] map: entries expire after the rule's window
//! (measured on event timestamps, not wall time, so replaying old logs
//! behaves like live ones) and the table never holds more than
//! `max_state_entries`; when full, the oldest insertion is evicted first
//! (FIFO, which for append-only audit streams is the least recently seen).
//! Memory is therefore flat however long the stream runs.

use crate::config::Compiled;
use crate::controller_pods;
use crate::event::Event;
use crate::objects;
use crate::rules::{
    Ctx, aud101_exec_privileged_pod, aud102_secrets_spread, aud103_token_outside_cluster,
    aud104_binding_used, aud105_permission_probing, is_sensitive_host_path,
};
use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

pub(crate) const MICROS: i64 = 1_000_000;

/// A map whose entries expire after `ttl` and whose size is capped.
#[derive(Debug)]
pub(crate) struct Bounded<K, V> {
    map: HashMap<K, (V, u64, i64)>,
    order: VecDeque<(K, u64, i64)>,
    seq: u64,
    cap: usize,
    ttl: i64,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    pub fn new(cap: usize, ttl_secs: u64) -> Self {
        Bounded {
            map: HashMap::new(),
            order: VecDeque::new(),
            seq: 0,
            cap: cap.max(1),
            ttl: i64::try_from(ttl_secs)
                .unwrap_or(i64::MAX / MICROS)
                .saturating_mul(MICROS),
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Inserts or replaces `k`, stamped with time `t`.
    pub fn insert(&mut self, k: K, v: V, t: i64) {
        self.seq += 1;
        self.map.insert(k.clone(), (v, self.seq, t));
        self.order.push_back((k, self.seq, t));
        self.evict(t);
    }

    /// The live entry for `k` and its insertion time.
    pub fn get_mut<Q>(&mut self, k: &Q, now: i64) -> Option<(&mut V, i64)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let ttl = self.ttl;
        match self.map.get_mut(k) {
            Some((v, _, t)) if now.saturating_sub(*t) <= ttl => Some((v, *t)),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove(k).map(|(v, _, _)| v)
    }

    /// Drops expired entries and, over capacity, the oldest ones.
    pub fn evict(&mut self, now: i64) {
        while let Some((_, _, t)) = self.order.front() {
            let expired = now.saturating_sub(*t) > self.ttl;
            if !expired && self.order.len() <= self.cap {
                break;
            }
            if let Some((k, seq, _)) = self.order.pop_front()
                && self.map.get(&k).is_some_and(|e| e.1 == seq)
            {
                self.map.remove(&k);
            }
        }
    }
}

/// What the parallel stage learns about an event for the correlator, so the
/// sequential stage never parses request bodies.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// Why the pod this event created is dangerous to exec into.
    pub risky_pod: Option<String>,
    /// `(namespace, name)` of that pod.
    pub pod_key: Option<String>,
    /// Principals a successful binding write grants `binding_role` to.
    pub binding_subjects: Vec<String>,
    pub binding_role: String,
    /// `Kind/namespace/name` of a workload this event creates, so that a
    /// report of it covers the pods its controller creates.
    pub workload: Option<String>,
}

impl Facts {
    /// Reuses the bodies the rules already parsed through `cx`.
    pub fn extract(cx: &Ctx<'_, '_>) -> Facts {
        let ev = cx.ev;
        let mut f = Facts::default();
        match (ev.resource(), ev.verb()) {
            ("pods", "create") if ev.succeeded() => {
                let Some((meta, spec)) = cx.created_pod() else {
                    return f;
                };
                let mut why = Vec::new();
                if !spec.privileged_containers().is_empty() {
                    why.push("privileged".to_string());
                }
                for p in spec.host_paths().filter(|p| is_sensitive_host_path(p)) {
                    why.push(format!("host mount {p}"));
                }
                if spec.host_pid == Some(true) {
                    why.push("hostPID".to_string());
                }
                if why.is_empty() {
                    return f;
                }
                let name = if !ev.name().is_empty() {
                    Some(ev.name().to_string())
                } else {
                    meta.name
                        .as_deref()
                        .map(str::to_string)
                        .or_else(|| response_name(ev))
                };
                if let Some(name) = name {
                    f.pod_key = Some(format!("{}/{}", ev.namespace(), name));
                    f.risky_pod = Some(why.join(", "));
                }
            }
            ("rolebindings" | "clusterrolebindings", "create" | "update") if ev.succeeded() => {
                if let Some(b) = cx.written_binding() {
                    f.binding_subjects = b
                        .subjects
                        .iter()
                        .filter_map(|s| s.principal(ev.namespace()))
                        .collect();
                    f.binding_role = b.role_name().to_string();
                }
            }
            (resource, "create") if ev.subresource().is_empty() => {
                let Some(kind) = controller_pods::workload_kind(resource) else {
                    return f;
                };
                let name = match ev.name() {
                    "" => cx
                        .created_pod()
                        .and_then(|(m, _)| m.name.as_deref().map(str::to_string)),
                    n => Some(n.to_string()),
                };
                f.workload = name.map(|n| controller_pods::workload_key(kind, ev.namespace(), &n));
            }
            _ => {}
        }
        f
    }
}

/// The server-assigned name of a created object (generateName pods).
fn response_name(ev: &Event<'_>) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Body<'a> {
        #[serde(borrow, default)]
        metadata: objects::Meta<'a>,
    }
    let body: Body<'_> = serde_json::from_str(ev.response_object?.get()).ok()?;
    body.metadata.name.map(|n| n.into_owned())
}

/// A correlation result: the rule's index in [`crate::rules::RULES`], why,
/// and the earlier events' audit IDs (the current event's is added by the
/// pipeline).
#[derive(Debug)]
pub(crate) struct Hit {
    pub rule: &'static str,
    pub message: String,
    pub related: Vec<String>,
}

/// Event-time clock and the per-rule state.
#[derive(Debug)]
pub(crate) struct Correlator {
    now: i64,
    /// AUD-101..105 switched on, in that order.
    enabled: [bool; 5],
    exec: aud101_exec_privileged_pod::State,
    secrets: aud102_secrets_spread::State,
    token: aud103_token_outside_cluster::State,
    binding: aud104_binding_used::State,
    probe: aud105_permission_probing::State,
}

/// What every correlation rule's `observe` receives.
pub(crate) struct Seen<'e, 'a> {
    pub ev: &'e Event<'a>,
    pub facts: &'e Facts,
    /// Event time (µs); the correlator's clock when the event has none.
    pub t: i64,
    /// The principal is on the global allow-list.
    pub allowed: bool,
    pub cfg: &'e Compiled,
}

impl Correlator {
    pub fn new(cfg: &Compiled, enabled: impl Fn(&str) -> bool) -> Self {
        let c = &cfg.raw;
        Correlator {
            now: i64::MIN,
            enabled: [
                aud101_exec_privileged_pod::RULE.id,
                aud102_secrets_spread::RULE.id,
                aud103_token_outside_cluster::RULE.id,
                aud104_binding_used::RULE.id,
                aud105_permission_probing::RULE.id,
            ]
            .map(enabled),
            exec: aud101_exec_privileged_pod::State::new(c),
            secrets: aud102_secrets_spread::State::new(c),
            token: aud103_token_outside_cluster::State::new(c),
            binding: aud104_binding_used::State::new(c),
            probe: aud105_permission_probing::State::new(c),
        }
    }

    /// Total entries held across the correlation tables.
    pub fn entries(&self) -> usize {
        self.exec.len()
            + self.secrets.len()
            + self.token.len()
            + self.binding.len()
            + self.probe.len()
    }

    pub fn observe(
        &mut self,
        ev: &Event<'_>,
        (time, allowed): (Option<i64>, bool),
        facts: &Facts,
        cfg: &Compiled,
        out: &mut Vec<Hit>,
    ) {
        // Out-of-order timestamps (CloudWatch interleaves streams) must not
        // move windows backwards: the clock only advances.
        if let Some(t) = time {
            self.now = self.now.max(t);
        }
        let t = time.unwrap_or(self.now);
        let seen = Seen {
            ev,
            facts,
            t,
            allowed,
            cfg,
        };
        let on = self.enabled;
        let rule_ok = |i: usize, id: &str| {
            on[i] && (cfg.rule_allowed.is_empty() || !cfg.allowed_for(id, ev.username()))
        };
        if rule_ok(0, aud101_exec_privileged_pod::RULE.id) {
            self.exec.observe(&seen, out);
        }
        if rule_ok(1, aud102_secrets_spread::RULE.id) {
            self.secrets.observe(&seen, out);
        }
        if rule_ok(2, aud103_token_outside_cluster::RULE.id) {
            self.token.observe(&seen, out);
        }
        if rule_ok(3, aud104_binding_used::RULE.id) {
            self.binding.observe(&seen, out);
        }
        if rule_ok(4, aud105_permission_probing::RULE.id) {
            self.probe.observe(&seen, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_expires_and_caps() {
        let mut b: Bounded<u32, u32> = Bounded::new(3, 10);
        for i in 0..5 {
            b.insert(i, i, 0);
        }
        assert_eq!(b.len(), 3);
        assert!(b.get_mut(&0, 0).is_none());
        assert!(b.get_mut(&4, 0).is_some());
        assert!(b.get_mut(&4, 11 * MICROS).is_none());
        b.insert(9, 9, 20 * MICROS);
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn reinsert_keeps_latest() {
        let mut b: Bounded<u32, u32> = Bounded::new(2, 100);
        b.insert(1, 1, 0);
        b.insert(1, 2, 0);
        b.insert(2, 3, 0);
        assert_eq!(b.get_mut(&1, 0).map(|(v, _)| *v), Some(2));
    }
}
