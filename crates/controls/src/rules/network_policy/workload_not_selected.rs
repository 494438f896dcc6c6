use super::{cluster, namespaces_with_policies, pod_labels_path, report_at_workload};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_netpol::analysis::unselected_workloads;

control! {
    /// ## What it checks
    /// Workloads that no NetworkPolicy (or ApplicationNetworkPolicy)
    /// selects, for ingress or for egress, in namespaces that do have
    /// policies: the policies were written for their neighbours and this
    /// workload was left out, typically because its labels do not match
    /// any `podSelector`. Namespaces without any policy are reported by
    /// NETPOL-001 and NETPOL-002 instead; host-network workloads are never
    /// selected by policies and are not reported. The finding points at the
    /// pod template labels, which is what selectors match.
    ///
    /// ## Why it matters
    /// Kubernetes isolates a pod only once a policy selects it; every other
    /// pod of the namespace accepts and sends anything. A workload missed
    /// by the namespace's policies gets none of the protection its team
    /// believes is in place.
    ///
    /// ## Example
    /// ```yaml
    /// # the only policy in the namespace
    /// kind: NetworkPolicy
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: api}   # the Deployment's pods are labelled app: worker
    /// ```
    ///
    /// ## Fix
    /// Add a default-deny policy (`podSelector: {}`) to the namespace, or a
    /// policy whose `podSelector` matches this workload's pod labels.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation
    /// - EKS Best Practices Guide, Network Security: "Create a default deny policy"
    /// - CIS Amazon EKS Benchmark, 4.3.2 "Ensure that all Namespaces have Network Policies defined"
    pub struct WorkloadNotSelected {
        id: "NETPOL-003",
        name: "workload-selected-by-no-policy",
        title: "Workload is selected by no NetworkPolicy in a namespace that has policies",
        severity: Low,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

impl Control for WorkloadNotSelected {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("networking.k8s.io", "NetworkPolicy")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Workloads
    }

    /// Cost: O(n) in objects besides the NetworkPolicy model, built once
    /// per scan for all NETPOL controls; the object of each finding is found
    /// in O(1).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let cluster = cluster(inv);
        let with_policies = namespaces_with_policies(&cluster);
        for w in unselected_workloads(&cluster) {
            if !with_policies.contains(w.namespace.as_str()) {
                continue;
            }
            report_at_workload(
                &Self::META,
                inv,
                &w,
                pod_labels_path,
                format!(
                    "{w} is selected by none of the NetworkPolicies of namespace {}, so it is isolated for neither ingress nor egress",
                    w.namespace
                ),
                "Add a default-deny policy (`podSelector: {}`) to the namespace, or a policy whose podSelector matches these pod labels.",
                out,
            );
        }
    }
}
