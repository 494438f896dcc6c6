use super::{cluster, namespaces_with_policies, report_at_workload};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};
use eksguard_netpol::analysis::standalone_pods;

control! {
    /// ## What it checks
    /// Pods without `metadata.ownerReferences` (not created by a Deployment,
    /// StatefulSet, Job or other controller) in namespaces that have
    /// NetworkPolicies. Host-network pods are left out: no policy applies to
    /// them on any CNI.
    ///
    /// ## Why it matters
    /// The EKS user guide states that network policies are only applied to
    /// pods that are part of a Deployment: standalone pods without
    /// `metadata.ownerReferences` cannot have network policies applied to
    /// them by the Amazon VPC CNI network policy agent. Such a pod stays
    /// open whatever the namespace's policies say.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: debug, namespace: payments}   # no ownerReferences
    /// ```
    ///
    /// ## Fix
    /// Run the workload through a controller (Deployment, StatefulSet,
    /// Job), or delete the standalone pod.
    ///
    /// ## References
    /// - EKS User Guide, "Limit pod traffic with Kubernetes network policies" (considerations: standalone Pods)
    /// - https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/
    pub struct StandalonePodNotEnforced {
        id: "NETPOL-011",
        name: "standalone-pod-not-enforced",
        title: "Standalone pod in a namespace with policies (not enforced by the VPC CNI agent)",
        severity: Low,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

impl Control for StandalonePodNotEnforced {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("networking.k8s.io", "NetworkPolicy")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Kinds(&[("", "Pod")])
    }

    /// Cost: O(n) in objects besides the NetworkPolicy model, built once
    /// per scan for all NETPOL controls; the object of each finding is found
    /// in O(1).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let cluster = cluster(inv);
        let with_policies = namespaces_with_policies(&cluster);
        for id in standalone_pods(&cluster) {
            let host_network = cluster
                .workload(&id.namespace, &id.name, Some(id.kind))
                .is_some_and(|w| w.host_network);
            if host_network || !with_policies.contains(id.namespace.as_str()) {
                continue;
            }
            report_at_workload(
                &Self::META,
                inv,
                &id,
                |_| JsonPath::keys(&["metadata", "name"]),
                format!(
                    "{id} has no ownerReferences: the VPC CNI network policy agent does not apply the NetworkPolicies of namespace {} to it",
                    id.namespace
                ),
                "Run it through a controller such as a Deployment or Job, or delete the standalone pod.",
                out,
            );
        }
    }
}
