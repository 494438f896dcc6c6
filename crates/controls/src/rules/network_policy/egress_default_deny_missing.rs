use super::cluster;
use super::ingress_default_deny_missing::report_gap;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_netpol::Direction;
use eksguard_netpol::analysis::namespaces_without_default_deny;

control! {
    /// ## What it checks
    /// Namespaces with workloads in the scan where at least one workload is
    /// selected by no NetworkPolicy (or ApplicationNetworkPolicy) whose
    /// `policyTypes` include `Egress`. A policy isolates for egress when it
    /// lists `Egress` in `policyTypes`, or, without `policyTypes`, when it
    /// has an `egress:` section (Kubernetes' defaulting). Host-network
    /// workloads are not counted. The finding sits on the Namespace object
    /// when it is in the scan, else on the first uncovered workload.
    ///
    /// `kube-system` is not reported: EKS and its add-ons run there.
    ///
    /// ## Why it matters
    /// Without egress isolation a compromised pod can reach every service
    /// in the cluster, the instance metadata endpoint and the internet:
    /// exfiltration and lateral movement need no further foothold.
    ///
    /// ## Example
    /// ```yaml
    /// # only an ingress default deny: egress stays open
    /// kind: NetworkPolicy
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    ///
    /// ## Fix
    /// Add a default-deny egress policy (`podSelector: {}`,
    /// `policyTypes: [Egress]`), then allow DNS to kube-system and the
    /// destinations each workload needs.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-egress-traffic
    /// - EKS Best Practices Guide, Network Security: "Create a default deny policy"
    /// - EKS User Guide, "Limit pod traffic with Kubernetes network policies"
    /// - CIS Amazon EKS Benchmark, 4.3.2 "Ensure that all Namespaces have Network Policies defined"
    pub struct EgressDefaultDenyMissing {
        id: "NETPOL-002",
        name: "namespace-without-default-deny-egress",
        title: "Namespace has workloads not isolated for egress (no default deny)",
        severity: Low,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

impl Control for EgressDefaultDenyMissing {
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
        for gap in namespaces_without_default_deny(&cluster, Direction::Egress) {
            report_gap(&Self::META, inv, &gap, out);
        }
    }
}
