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

use crate::{ControlMeta, Sink};
use eksguard_core::{Inventory, JsonPath, Object, ObjectRef, pod_spec_keys};
use eksguard_netpol::analysis::PolicyPath;
use eksguard_netpol::{Cluster, PolicyId, PolicyKind, WorkloadId};
use std::collections::BTreeSet;
use std::fmt::Display;

/// The NetworkPolicy model of the scanned objects. Built per control: on the
/// shared corpus the whole NETPOL group costs a few milliseconds, so a
/// cross-control cache (which would have to be keyed by something that
/// outlives the inventory) is not worth its invalidation risk. Warnings about
/// unreadable policies are the `netpol` commands' business, not findings.
pub(crate) fn cluster(inv: &Inventory) -> Cluster {
    Cluster::from_objects(inv.objects().iter().map(|o| &o.raw)).0
}

/// Namespaces with at least one namespaced policy (NetworkPolicy or EKS
/// ApplicationNetworkPolicy).
pub(crate) fn namespaces_with_policies(cluster: &Cluster) -> BTreeSet<&str> {
    cluster
        .policy_ids()
        .filter(|p| matches!(p.kind, PolicyKind::NetworkPolicy | PolicyKind::ApplicationNetworkPolicy))
        .filter_map(|p| p.namespace.as_deref())
        .collect()
}

/// The engine puts objects without a namespace in `default`, as the API server does.
fn same_namespace(obj: &Object, ns: Option<&str>) -> bool {
    let own = obj.namespace.as_deref().filter(|n| !n.is_empty());
    match ns {
        Some(ns) => own.unwrap_or("default") == ns,
        None => own.is_none(),
    }
}

/// The first object of `kind` named `name` in `ns`, looked up in the API
/// groups the engine accepts for that kind, then in any group.
fn find<'a>(inv: &'a Inventory, groups: &[&str], kind: &str, ns: Option<&str>, name: &str) -> Option<&'a Object> {
    let hit = |o: &&Object| o.name == name && same_namespace(o, ns);
    groups
        .iter()
        .find_map(|g| inv.of_kind(g, kind).find(hit))
        .or_else(|| inv.objects().iter().filter(|o| o.kind == kind).find(hit))
}

/// The object a workload identity came from (its top owner in the input).
pub(crate) fn workload_object<'a>(inv: &'a Inventory, id: &WorkloadId) -> Option<&'a Object> {
    find(inv, &["apps", "batch", ""], id.kind.as_str(), Some(&id.namespace), &id.name)
}

/// The object a policy identity came from.
pub(crate) fn policy_object<'a>(inv: &'a Inventory, id: &PolicyId) -> Option<&'a Object> {
    let groups: &[&str] = match id.kind {
        PolicyKind::NetworkPolicy => &["networking.k8s.io"],
        PolicyKind::ApplicationNetworkPolicy => &["networking.k8s.aws"],
        PolicyKind::AdminNetworkPolicy | PolicyKind::BaselineAdminNetworkPolicy => &["policy.networking.k8s.io"],
        PolicyKind::ClusterNetworkPolicy => &["networking.k8s.aws", "policy.networking.k8s.io"],
    };
    find(inv, groups, id.kind.as_str(), id.namespace.as_deref(), &id.name)
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
        None => out.report_ref(meta, policy_ref(&at.policy), None, at.path.clone(), message, fix),
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
        assert_eq!(first_five(&[1, 2, 3, 4, 5, 6, 7]), "1, 2, 3, 4, 5 and 2 more");
    }
}
