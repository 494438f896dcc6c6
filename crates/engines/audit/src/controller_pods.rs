//! Pods that controllers create, judged once per owning workload.
//!
//! Almost every pod is created by a controller on behalf of a workload: the
//! ReplicaSet controller for a Deployment, the DaemonSet, StatefulSet and
//! Job controllers for theirs. Those controller service accounts are on the
//! default allow-list (their RBAC and Secret activity is noise), but a pod
//! they create carries the workload's pod spec, so the pod-spec rules
//! (AUD-001..005, AUD-018, AUD-024, see [`crate::rules::pod_check`]) judge
//! it anyway: otherwise a privileged workload whose Deployment was created
//! before the log window, or by an allow-listed identity, would be
//! invisible.
//!
//! One report per rule per owner per `controller_pod_window_secs`:
//!
//! * The owner is the pod's `metadata.ownerReferences` entry marked
//!   `controller: true` (else the first entry). A ReplicaSet named
//!   `<deployment>-<hash>` stands for its Deployment, where the hash (the
//!   last dash-separated segment) is 1 to 10 lowercase letters or digits,
//!   the form of a `pod-template-hash`, and equals the pod's
//!   `pod-template-hash` label when the pod has one. A Job named
//!   `<cronjob>-<digits>`, with at least 8 digits (the scheduled time in
//!   minutes since the epoch, as the CronJob controller names its Jobs),
//!   stands for its CronJob. Other owners (DaemonSet, StatefulSet, Job,
//!   ReplicationController, custom kinds) stand for themselves.
//! * The first matching pod of an owner opens a group for the rule; the
//!   pods of that owner created in the following window are counted into
//!   it, and the group is reported once, when the window has passed on the
//!   event clock (a later event's timestamp) or when the run finishes:
//!   "3 pods of Deployment shop/web created by replicaset-controller are
//!   privileged: …". A pod after the window opens a new group.
//! * No group is opened when the same owner's workload creation (by its
//!   resolved owner or the pod's direct owner) was reported by the same
//!   rule within the window before: that detection already names the
//!   workload and its creator.
//! * Only creations that were not rejected count (a controller retries
//!   pods that admission refuses, and nothing ran). A controller pod
//!   without owner references is reported on its own, like any pod.
//! * Trusted host images still silence AUD-001..005 and AUD-018, and
//!   `rule_allowed_principals` still applies: list a controller there for a
//!   rule (`system:serviceaccount:kube-system:daemon-set-controller`) to
//!   silence its pods for that rule. The global allow-list does not, since
//!   it holds every controller by default.
//!
//! State is bounded: open groups and reported workloads are each capped at
//! `max_state_entries`; when the groups are full the oldest is reported
//! early rather than dropped.

use crate::config::Compiled;
use crate::correlate::{Bounded, MICROS};
use crate::event::Event;
use crate::input::Position;
use crate::objects::Meta;
use crate::rules::{Ctx, PodFinding, not_denied};
use std::collections::{HashMap, VecDeque};

/// At most this many auditIDs per report: the first ones and the latest.
const MAX_IDS: usize = 20;

/// The controller's name when `user` is one of the kube-controller-manager's
/// controllers: a `kube-system` service account named `*-controller`, or
/// the manager's own identity (clusters without per-controller accounts).
pub(crate) fn controller_name(user: &str) -> Option<&str> {
    if user == "system:kube-controller-manager" {
        return Some("kube-controller-manager");
    }
    let name = user.strip_prefix("system:serviceaccount:kube-system:")?;
    name.ends_with("-controller").then_some(name)
}

/// The workload a pod belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    /// `Deployment`, `DaemonSet`, ...
    pub kind: String,
    pub name: String,
    /// The pod's direct owner when `kind`/`name` is that owner's owner
    /// (the ReplicaSet of a Deployment, the Job of a CronJob).
    pub via: Option<(String, String)>,
}

impl Owner {
    /// Reads the owner from a pod's metadata.
    pub fn of(meta: &Meta<'_>) -> Option<Owner> {
        let refs = meta.owner_references.as_deref()?;
        let r = refs
            .iter()
            .find(|r| r.controller == Some(true))
            .or_else(|| refs.first())?;
        let kind = r.kind.as_deref().filter(|k| !k.is_empty())?;
        let name = r.name.as_deref().filter(|n| !n.is_empty())?;
        let hash = meta
            .labels
            .as_ref()
            .and_then(|l| l.pod_template_hash.as_deref());
        let parent = match kind {
            "ReplicaSet" => deployment_of(name, hash).map(|d| ("Deployment", d)),
            "Job" => cronjob_of(name).map(|c| ("CronJob", c)),
            _ => None,
        };
        Some(match parent {
            Some((k, n)) => Owner {
                kind: k.to_string(),
                name: n.to_string(),
                via: Some((kind.to_string(), name.to_string())),
            },
            None => Owner {
                kind: kind.to_string(),
                name: name.to_string(),
                via: None,
            },
        })
    }
}

/// The Deployment of a ReplicaSet named `<deployment>-<pod-template-hash>`.
fn deployment_of<'n>(replicaset: &'n str, label: Option<&str>) -> Option<&'n str> {
    let (deployment, hash) = replicaset.rsplit_once('-')?;
    let form = (1..=10).contains(&hash.len())
        && hash
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if deployment.is_empty() || !form || label.is_some_and(|l| l != hash) {
        return None;
    }
    Some(deployment)
}

/// The CronJob of a Job named `<cronjob>-<scheduled minutes since epoch>`.
fn cronjob_of(job: &str) -> Option<&str> {
    let (cronjob, time) = job.rsplit_once('-')?;
    let scheduled = time.len() >= 8 && time.bytes().all(|b| b.is_ascii_digit());
    (!cronjob.is_empty() && scheduled).then_some(cronjob)
}

/// Workload resources whose creation carries a pod template, and their kind.
pub(crate) fn workload_kind(resource: &str) -> Option<&'static str> {
    Some(match resource {
        "deployments" => "Deployment",
        "replicasets" => "ReplicaSet",
        "statefulsets" => "StatefulSet",
        "daemonsets" => "DaemonSet",
        "jobs" => "Job",
        "cronjobs" => "CronJob",
        "replicationcontrollers" => "ReplicationController",
        _ => return None,
    })
}

/// `Deployment` → `deployments` (the objectRef resource), for reports.
fn resource_of(kind: &str) -> String {
    let known = [
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
        "replicationcontrollers",
    ];
    known
        .into_iter()
        .find(|r| workload_kind(r) == Some(kind))
        .map_or_else(|| format!("{}s", kind.to_ascii_lowercase()), str::to_string)
}

/// The key a workload is remembered by: `Deployment/shop/web`.
pub(crate) fn workload_key(kind: &str, namespace: &str, name: &str) -> String {
    format!("{kind}/{namespace}/{name}")
}

/// Whether the event is a pod creation by a controller that the pod-spec
/// rules judge (whatever the global allow-list says), and its owner.
pub(crate) fn by_controller(cx: &Ctx<'_, '_>) -> Option<Option<Owner>> {
    let ev = cx.ev;
    if ev.resource() != "pods" || !not_denied(ev) {
        return None;
    }
    controller_name(ev.username())?;
    let (meta, _) = cx.created_pod()?;
    Some(Owner::of(meta))
}

/// What the parallel stage found in one controller-created pod.
#[derive(Debug)]
pub(crate) struct Grouped {
    pub owner: Owner,
    /// `(rule index, finding)` for every pod-spec rule that matched.
    pub findings: Vec<(u16, PodFinding)>,
}

/// The triggering (latest) pod of a group, for the report.
#[derive(Debug, Clone)]
pub(crate) struct Anchor {
    pub timestamp: String,
    pub source_ip: String,
    pub input: u32,
    pub position: Position,
}

/// One open report: the pods of one owner matching one rule.
#[derive(Debug)]
pub(crate) struct Group {
    pub rule: u16,
    /// `Deployment shop/web`.
    owner: String,
    /// `deployments/shop/web`.
    pub object: String,
    pub user: String,
    finding: PodFinding,
    pods: u64,
    /// Earliest first, the latest pod's last.
    pub audit_ids: Vec<String>,
    pub last: Anchor,
}

impl Group {
    pub fn message(&self) -> String {
        let controller = controller_name(&self.user).unwrap_or(&self.user);
        let (pods, verb) = if self.pods == 1 {
            ("pod", "is")
        } else {
            ("pods", "are")
        };
        format!(
            "{} {pods} of {} created by {controller} {verb} {}",
            self.pods, self.owner, self.finding.state
        )
    }
}

type Key = (u16, String);

/// Open groups and recently reported workloads, on the event clock.
#[derive(Debug)]
pub(crate) struct State {
    now: i64,
    window: i64,
    cap: usize,
    /// `(rule, workload key)` of workload creations a rule reported.
    reported: Bounded<Key, ()>,
    groups: HashMap<Key, Group>,
    /// Open groups in opening order, with their opening time.
    order: VecDeque<(Key, i64)>,
}

impl State {
    pub fn new(cfg: &Compiled) -> Self {
        let c = &cfg.raw;
        State {
            now: i64::MIN,
            window: i64::try_from(c.controller_pod_window_secs)
                .unwrap_or(i64::MAX / MICROS)
                .saturating_mul(MICROS),
            cap: c.max_state_entries.max(1),
            reported: Bounded::new(c.max_state_entries, c.controller_pod_window_secs),
            groups: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.reported.len() + self.groups.len()
    }

    /// Advances the clock (it never goes back: CloudWatch interleaves
    /// streams) and moves the groups whose window has passed to `closed`.
    pub fn tick(&mut self, time: Option<i64>, closed: &mut Vec<Group>) {
        if let Some(t) = time {
            self.now = self.now.max(t);
        }
        while let Some((_, opened)) = self.order.front() {
            if self.now.saturating_sub(*opened) <= self.window {
                break;
            }
            self.close_oldest(closed);
        }
    }

    /// Remembers that `rule` reported the creation of workload `key`.
    pub fn reported(&mut self, rule: u16, key: String) {
        self.reported.insert((rule, key), (), self.now);
    }

    fn was_reported(&mut self, rule: u16, key: String) -> bool {
        self.reported.get_mut(&(rule, key), self.now).is_some()
    }

    /// Counts one controller-created pod into its owners' groups, one per
    /// matching rule. Groups pushed out by the size cap go to `closed`.
    pub fn add(
        &mut self,
        ev: &Event<'_>,
        grouped: Grouped,
        anchor: Anchor,
        closed: &mut Vec<Group>,
    ) {
        let ns = ev.namespace();
        let owner = &grouped.owner;
        let key = workload_key(&owner.kind, ns, &owner.name);
        let via = owner
            .via
            .as_ref()
            .map(|(kind, name)| workload_key(kind, ns, name));
        let audit_id = ev.audit_id.as_deref().unwrap_or("");
        for (rule, finding) in grouped.findings {
            if self.was_reported(rule, key.clone())
                || via
                    .as_ref()
                    .is_some_and(|v| self.was_reported(rule, v.clone()))
            {
                continue;
            }
            let k = (rule, key.clone());
            if !self.groups.contains_key(&k) {
                self.order.push_back((k.clone(), self.now));
                let group = Group {
                    rule,
                    owner: format!("{} {ns}/{}", owner.kind, owner.name),
                    object: format!("{}/{ns}/{}", resource_of(&owner.kind), owner.name),
                    user: ev.username().to_string(),
                    finding,
                    pods: 0,
                    audit_ids: Vec::new(),
                    last: anchor.clone(),
                };
                self.groups.insert(k.clone(), group);
            }
            let Some(group) = self.groups.get_mut(&k) else {
                continue;
            };
            group.pods += 1;
            group.last = anchor.clone();
            if !audit_id.is_empty() {
                if group.audit_ids.len() >= MAX_IDS {
                    group.audit_ids.pop();
                }
                group.audit_ids.push(audit_id.to_string());
            }
        }
        while self.groups.len() > self.cap {
            self.close_oldest(closed);
        }
    }

    /// Moves every open group to `closed`, oldest first (end of the run).
    pub fn close_all(&mut self, closed: &mut Vec<Group>) {
        while !self.order.is_empty() {
            self.close_oldest(closed);
        }
    }

    fn close_oldest(&mut self, closed: &mut Vec<Group>) {
        if let Some((k, _)) = self.order.pop_front()
            && let Some(g) = self.groups.remove(&k)
        {
            closed.push(g);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(json: &str) -> Meta<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn controllers() {
        assert_eq!(
            controller_name("system:serviceaccount:kube-system:replicaset-controller"),
            Some("replicaset-controller")
        );
        assert_eq!(
            controller_name("system:kube-controller-manager"),
            Some("kube-controller-manager")
        );
        assert_eq!(
            controller_name("system:serviceaccount:kube-system:coredns"),
            None
        );
        assert_eq!(
            controller_name("system:serviceaccount:web:my-controller"),
            None
        );
    }

    #[test]
    fn owners() {
        let rs = meta(
            r#"{"labels":{"pod-template-hash":"5d8f7c9b6"},"ownerReferences":[{"kind":"ReplicaSet","name":"web-api-5d8f7c9b6","controller":true}]}"#,
        );
        let o = Owner::of(&rs).unwrap();
        assert_eq!(
            (o.kind.as_str(), o.name.as_str()),
            ("Deployment", "web-api")
        );
        assert_eq!(
            o.via,
            Some(("ReplicaSet".to_string(), "web-api-5d8f7c9b6".to_string()))
        );
        // The label disagrees: not a Deployment's ReplicaSet.
        let other = meta(
            r#"{"labels":{"pod-template-hash":"abc"},"ownerReferences":[{"kind":"ReplicaSet","name":"web-5d8f7c9b6"}]}"#,
        );
        assert_eq!(Owner::of(&other).unwrap().kind, "ReplicaSet");
        for name in ["web", "web-", "web-Abc", "web-12345678901"] {
            let m = format!(r#"{{"ownerReferences":[{{"kind":"ReplicaSet","name":"{name}"}}]}}"#);
            assert_eq!(Owner::of(&meta(&m)).unwrap().kind, "ReplicaSet", "{name}");
        }
        let job = meta(
            r#"{"ownerReferences":[{"kind":"Job","name":"db-backup-29391660","controller":true}]}"#,
        );
        let o = Owner::of(&job).unwrap();
        assert_eq!((o.kind.as_str(), o.name.as_str()), ("CronJob", "db-backup"));
        let manual = meta(r#"{"ownerReferences":[{"kind":"Job","name":"db-migrate-2"}]}"#);
        assert_eq!(Owner::of(&manual).unwrap().kind, "Job");
        // The controller reference wins over others.
        let two = meta(
            r#"{"ownerReferences":[{"kind":"Node","name":"n"},{"kind":"DaemonSet","name":"agent","controller":true}]}"#,
        );
        assert_eq!(Owner::of(&two).unwrap().name, "agent");
        assert_eq!(Owner::of(&meta(r#"{"ownerReferences":null}"#)), None);
        assert_eq!(
            Owner::of(&meta(r#"{"ownerReferences":[{"kind":"DaemonSet"}]}"#)),
            None
        );
    }

    #[test]
    fn resources() {
        assert_eq!(resource_of("DaemonSet"), "daemonsets");
        assert_eq!(resource_of("CronJob"), "cronjobs");
        assert_eq!(resource_of("Rollout"), "rollouts");
    }
}
