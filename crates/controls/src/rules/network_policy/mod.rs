//! Network policy (issue #4): default-deny coverage, policies and rules that
//! do nothing, and what the Amazon VPC CNI network policy agent leaves
//! unenforced (engine: `eksguard-netpol`, which computes the exact
//! NetworkPolicy semantics; these controls only turn its answers into
//! findings on the right object and field).

pub mod egress_default_deny_missing;
pub mod eks_enforcement_off;
pub mod ingress_default_deny_missing;
pub mod named_port_toward_ip_block;
pub mod never_matching_namespace_selector;
pub mod policy_selects_nothing;
pub mod port_limit_exceeded;
pub mod sensitive_port_open;
pub mod standalone_pod_not_enforced;
pub mod workload_not_selected;
pub mod world_egress_in_default_deny;

use crate::util::fingerprint::{FxHasher, hash_value};
use crate::{ControlMeta, Sink};
use eksguard_core::{Inventory, JsonPath, Object, ObjectRef, pod_spec_keys};
use eksguard_netpol::analysis::PolicyPath;
use eksguard_netpol::{Cluster, PolicyId, PolicyKind, WorkloadId};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Display;
use std::hash::Hasher;
use std::sync::{Arc, Mutex};

/// The NetworkPolicy model of the scanned objects, shared by the NETPOL
/// controls of one scan.
///
/// Building the model is the expensive part (tens of milliseconds on the
/// shared corpus in release; eleven controls would pay it eleven times), so
/// the last model is cached, keyed by a hash of what the engine reads (see
/// [`hash_object`]). Keying by content rather than by the inventory's
/// address means a later inventory that reuses the same memory can never be
/// served a stale model. Warnings about unreadable policies are the `netpol`
/// commands' business, not findings.
pub(crate) fn cluster(inv: &Inventory) -> Arc<Cluster> {
    static LAST: Mutex<Option<(u64, Arc<Cluster>)>> = Mutex::new(None);
    let read: Vec<&Object> = inv.objects().iter().filter(|o| read_by_engine(o)).collect();
    let mut h = FxHasher::default();
    h.write_usize(read.len());
    for o in &read {
        hash_object(o, &mut h);
    }
    let key = h.finish();
    // A panic elsewhere while holding the lock leaves a usable value behind.
    let lock = || LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((k, c)) = lock().as_ref()
        && *k == key
    {
        return Arc::clone(c);
    }
    let built = Arc::new(Cluster::from_objects(read.iter().map(|o| &o.raw)).0);
    *lock() = Some((key, Arc::clone(&built)));
    built
}

/// The kinds `Cluster::from_objects` looks at (lists are expanded by the
/// engine); anything else cannot change the model.
pub fn read_by_engine(o: &Object) -> bool {
    o.kind.ends_with("List") || reads_kind(&o.kind, &o.raw)
}

fn reads_kind(kind: &str, raw: &Value) -> bool {
    match kind {
        "Namespace"
        | "NetworkPolicy"
        | "ApplicationNetworkPolicy"
        | "AdminNetworkPolicy"
        | "BaselineAdminNetworkPolicy"
        | "ClusterNetworkPolicy"
        | "NodeClass" => true,
        "ConfigMap" => raw.pointer("/metadata/name") == Some(&Value::from("amazon-vpc-cni")),
        k => workload_template(k).is_some(),
    }
}

/// JSON pointer of the pod template of a workload kind (`""` for a Pod).
fn workload_template(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some(""),
        "CronJob" => Some("/spec/jobTemplate/spec/template"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicaSet"
        | "ReplicationController" => Some("/spec/template"),
        _ => None,
    }
}

/// Hashes what the engine reads from an object: for workloads, their
/// identity, owner references, pod labels, `hostNetwork` and container
/// ports (hashing whole pod specs, annotations included, costs as much as
/// building the model); for lists, the items it reads (typed lists such as
/// `PodList` name the item kind); everything else whole. Should the engine
/// start reading another workload field, two scans in one process that
/// differ only in that field would share a model: keep this in step.
fn hash_object(o: &Object, h: &mut FxHasher) {
    hash_item(&o.kind, &o.raw, h, 0);
}

fn hash_item(kind: &str, raw: &Value, h: &mut FxHasher, depth: usize) {
    if let Some(item_kind) = kind.strip_suffix("List") {
        h.write_u8(0xfe);
        let items = raw.get("items").and_then(Value::as_array);
        for item in items.into_iter().flatten() {
            let k = match item.get("kind").and_then(Value::as_str) {
                Some(k) => k,
                None => item_kind,
            };
            // The engine expands four levels of nesting.
            if depth < 4 && (k.ends_with("List") || reads_kind(k, item)) {
                hash_item(k, item, h, depth + 1);
            }
        }
        return;
    }
    let Some(tpl) = workload_template(kind) else {
        return hash_value(raw, h);
    };
    let mut at = |v: Option<&Value>| match v {
        Some(v) => hash_value(v, h),
        None => h.write_u8(0xff),
    };
    for field in ["apiVersion", "kind"] {
        at(raw.get(field));
    }
    let meta = raw.get("metadata");
    for field in ["name", "namespace", "ownerReferences"] {
        at(meta.and_then(|m| m.get(field)));
    }
    let template = raw.pointer(tpl);
    at(template.and_then(|t| t.pointer("/metadata/labels")));
    let spec = template.and_then(|t| t.get("spec"));
    at(spec.and_then(|s| s.get("hostNetwork")));
    let containers = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array);
    for c in containers.into_iter().flatten() {
        at(c.get("ports"));
    }
}

/// Namespaces with at least one namespaced policy (NetworkPolicy or EKS
/// ApplicationNetworkPolicy).
pub(crate) fn namespaces_with_policies(cluster: &Cluster) -> BTreeSet<&str> {
    cluster
        .policy_ids()
        .filter(|p| {
            matches!(
                p.kind,
                PolicyKind::NetworkPolicy | PolicyKind::ApplicationNetworkPolicy
            )
        })
        .filter_map(|p| p.namespace.as_deref())
        .collect()
}

/// The first object (in input order) of `kind` named `name` in `ns`,
/// looked up in the API groups the engine accepts for that kind, then in
/// any group. The engine puts objects without a namespace in `default`, as
/// the API server does, so `default` also finds them. O(1) per group of the
/// kind (through [`Inventory::find_index`]), so reporting on every workload
/// stays linear.
fn find<'a>(
    inv: &'a Inventory,
    groups: &[&str],
    kind: &str,
    ns: Option<&str>,
    name: &str,
) -> Option<&'a Object> {
    let first = |g: &str| {
        let exact = inv.find_index(g, kind, ns, name);
        let defaulted = match ns {
            Some("default") => inv.find_index(g, kind, None, name),
            _ => None,
        };
        exact.into_iter().chain(defaulted).min()
    };
    groups
        .iter()
        .find_map(|g| first(g))
        .or_else(|| inv.groups_of(kind).filter_map(first).min())
        .map(|i| &inv.objects()[i])
}

/// The object a workload identity came from (its top owner in the input).
pub(crate) fn workload_object<'a>(inv: &'a Inventory, id: &WorkloadId) -> Option<&'a Object> {
    find(
        inv,
        &["apps", "batch", ""],
        id.kind.as_str(),
        Some(&id.namespace),
        &id.name,
    )
}

/// The object a policy identity came from.
pub(crate) fn policy_object<'a>(inv: &'a Inventory, id: &PolicyId) -> Option<&'a Object> {
    let groups: &[&str] = match id.kind {
        PolicyKind::NetworkPolicy => &["networking.k8s.io"],
        PolicyKind::ApplicationNetworkPolicy => &["networking.k8s.aws"],
        PolicyKind::AdminNetworkPolicy | PolicyKind::BaselineAdminNetworkPolicy => {
            &["policy.networking.k8s.io"]
        }
        PolicyKind::ClusterNetworkPolicy => &["networking.k8s.aws", "policy.networking.k8s.io"],
    };
    find(
        inv,
        groups,
        id.kind.as_str(),
        id.namespace.as_deref(),
        &id.name,
    )
}

/// Path of the labels policies select a workload by: the pod template's (or
/// the Pod's) `metadata.labels`.
pub(crate) fn pod_labels_path(obj: &Object) -> JsonPath {
    match pod_spec_keys(obj.group(), &obj.kind) {
        Some((_, meta)) => JsonPath::keys(meta).key("labels"),
        None => JsonPath::keys(&["metadata", "name"]),
    }
}

/// `spec.ingress[0].from[1].namespaceSelector` → JsonPath.
pub(crate) fn path(dotted: &str) -> JsonPath {
    super::pod_security::dotted(dotted)
}

/// Reports on the object a policy path points into; if the object is somehow
/// not in the inventory, still reports, without a source location.
pub(crate) fn report_at_policy(
    meta: &'static ControlMeta,
    inv: &Inventory,
    at: &PolicyPath,
    message: String,
    fix: &str,
    out: &mut Sink,
) {
    match policy_object(inv, &at.policy) {
        Some(obj) => out.report(meta, obj, path(&at.path), message, fix),
        None => out.report_ref(
            meta,
            policy_ref(&at.policy),
            None,
            at.path.clone(),
            message,
            fix,
        ),
    }
}

/// Reports on a workload's object at `path_of(obj)`.
pub(crate) fn report_at_workload(
    meta: &'static ControlMeta,
    inv: &Inventory,
    id: &WorkloadId,
    path_of: impl Fn(&Object) -> JsonPath,
    message: String,
    fix: &str,
    out: &mut Sink,
) {
    match workload_object(inv, id) {
        Some(obj) => out.report(meta, obj, path_of(obj), message, fix),
        None => {
            let object = ObjectRef {
                api_version: String::new(),
                kind: id.kind.as_str().to_owned(),
                namespace: Some(id.namespace.clone()),
                name: id.name.clone(),
                arn: None,
            };
            out.report_ref(meta, object, None, "metadata.name", message, fix);
        }
    }
}

fn policy_ref(id: &PolicyId) -> ObjectRef {
    ObjectRef {
        api_version: String::new(),
        kind: id.kind.as_str().to_owned(),
        namespace: id.namespace.clone(),
        name: id.name.clone(),
        arn: None,
    }
}

/// `a, b, c, d, e and 3 more`: enough to act on without flooding the report.
pub(crate) fn first_five<T: Display>(items: &[T]) -> String {
    let shown: Vec<String> = items.iter().take(5).map(ToString::to_string).collect();
    match items.len().saturating_sub(5) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::first_five;

    #[test]
    fn first_five_counts_the_rest() {
        assert_eq!(first_five(&[1, 2]), "1, 2");
        assert_eq!(first_five(&[1, 2, 3, 4, 5]), "1, 2, 3, 4, 5");
        assert_eq!(
            first_five(&[1, 2, 3, 4, 5, 6, 7]),
            "1, 2, 3, 4, 5 and 2 more"
        );
    }
}
