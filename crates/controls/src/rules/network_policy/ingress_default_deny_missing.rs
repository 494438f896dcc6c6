use super::{cluster, first_five, report_at_workload};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};
use eksguard_netpol::Direction;
use eksguard_netpol::analysis::{CoverageGap, namespaces_without_default_deny};

control! {
    /// ## What it checks
    /// Namespaces with workloads in the scan where at least one workload is
    /// selected by no NetworkPolicy (or ApplicationNetworkPolicy) whose
    /// `policyTypes` include `Ingress`: that workload accepts connections
    /// from every pod and every address. Selection is computed exactly as
    /// the API does (`matchLabels`, `matchExpressions`, `podSelector: {}`,
    /// `policyTypes` defaulting), so a namespace covered by per-workload
    /// policies passes as well as one with a `podSelector: {}` policy.
    /// Host-network workloads are not counted (policies never apply to
    /// them). The finding sits on the Namespace object when it is in the
    /// scan, else on the first uncovered workload.
    ///
    /// `kube-system` is not reported: EKS and its add-ons run there.
    ///
    /// ## Why it matters
    /// A pod that no policy isolates is reachable from anything that runs
    /// in the cluster, so one compromised pod can reach it directly. A
    /// default-deny ingress policy per namespace turns access into an
    /// explicit allow list, which is what the EKS Best Practices Guide
    /// recommends as the starting point.
    ///
    /// ## Example
    /// ```yaml
    /// # namespace shop: Deployments web and cart, no NetworkPolicy at all
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ```
    ///
    /// ## Fix
    /// Add a default-deny policy to the namespace, then allow what each
    /// workload needs (`eksguard netpol reach` shows the result):
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: default-deny-ingress, namespace: shop}
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-traffic
    /// - EKS Best Practices Guide, Network Security: "Create a default deny policy"
    /// - EKS User Guide, "Limit pod traffic with Kubernetes network policies"
    /// - CIS Amazon EKS Benchmark, 4.3.2 "Ensure that all Namespaces have Network Policies defined"
    pub struct IngressDefaultDenyMissing {
        id: "NETPOL-001",
        name: "namespace-without-default-deny-ingress",
        title: "Namespace has workloads not isolated for ingress (no default deny)",
        severity: Medium,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

impl Control for IngressDefaultDenyMissing {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("networking.k8s.io", "NetworkPolicy")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Kinds(&[("", "Namespace")])
    }

    /// Cost: O(n) in objects besides the NetworkPolicy model, built once
    /// per scan for all NETPOL controls; the object of each finding is found
    /// in O(1).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let cluster = cluster(inv);
        for gap in namespaces_without_default_deny(&cluster, Direction::Ingress) {
            report_gap(&Self::META, inv, &gap, out);
        }
    }
}

/// Reports a coverage gap on the Namespace object, or on the first uncovered
/// workload when the namespace itself is not in the scan.
pub(crate) fn report_gap(
    meta: &'static ControlMeta,
    inv: &Inventory,
    gap: &CoverageGap,
    out: &mut Sink,
) {
    // EKS and its add-ons run in kube-system; a default deny there is theirs
    // to design, not a customer gap (same exclusion as PSS-001).
    if crate::rules::pod_security::SYSTEM_NAMESPACES.contains(&gap.namespace.as_str()) {
        return;
    }
    let Some(first) = gap.uncovered.first() else {
        return;
    };
    let dir = gap.direction;
    let (count, they) = match gap.uncovered.len() {
        1 => ("1 workload".to_owned(), "it"),
        n => (format!("{n} workloads"), "they"),
    };
    let message = format!(
        "namespace {}: no NetworkPolicy isolates {count} for {dir}, so {they} {}: {}",
        gap.namespace,
        match dir {
            Direction::Ingress => "can be reached from every pod and address",
            Direction::Egress => "can reach every pod and address",
        },
        first_five(&gap.uncovered)
    );
    let fix = match dir {
        Direction::Ingress => {
            "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` to the namespace, then allow the traffic each workload needs."
        }
        Direction::Egress => {
            "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Egress]` to the namespace, then allow DNS and the destinations each workload needs."
        }
    };
    match inv.namespace(&gap.namespace) {
        Some(ns) => out.report(
            meta,
            ns,
            JsonPath::keys(&["metadata", "name"]),
            message,
            fix,
        ),
        None => report_at_workload(
            meta,
            inv,
            first,
            |_| JsonPath::keys(&["metadata", "name"]),
            message,
            fix,
            out,
        ),
    }
}
