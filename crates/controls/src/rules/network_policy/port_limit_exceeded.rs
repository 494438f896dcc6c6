use super::{cluster, report_at_policy};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_netpol::analysis::{EKS_PORTS_PER_PROTOCOL_LIMIT, rules_over_port_limit};

control! {
    /// ## What it checks
    /// NetworkPolicy rules that list more than 24 port entries for one
    /// protocol (TCP, UDP or SCTP) in a single `ingress` or `egress` rule.
    ///
    /// ## Why it matters
    /// The Amazon VPC CNI network policy agent supports at most 24 unique
    /// port combinations per protocol in each `ingress:` or `egress:`
    /// selector; beyond that the policy is not applied as written, so the
    /// enforced result differs from what `kubectl` shows.
    ///
    /// ## Example
    /// ```yaml
    /// ingress:
    ///   - ports:
    ///       - {port: 8000}
    ///       - {port: 8001}
    ///       # ... 25 TCP entries in total
    /// ```
    ///
    /// ## Fix
    /// Use `endPort` ranges for consecutive ports, or split the rule into
    /// several rules.
    ///
    /// ## References
    /// - EKS User Guide, "Limit pod traffic with Kubernetes network policies" (considerations: 24 port combinations per protocol)
    /// - https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-range-of-ports
    pub struct PortLimitExceeded {
        id: "NETPOL-010",
        name: "rule-exceeds-eks-port-limit",
        title: "Rule lists more than 24 ports for one protocol (VPC CNI agent limit)",
        severity: Medium,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

impl Control for PortLimitExceeded {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("networking.k8s.io", "NetworkPolicy")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Kinds(&[("networking.k8s.io", "NetworkPolicy")])
    }

    /// Cost: O(n) in objects besides the NetworkPolicy model, built once
    /// per scan for all NETPOL controls; the object of each finding is found
    /// in O(1).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let cluster = cluster(inv);
        for over in rules_over_port_limit(&cluster, EKS_PORTS_PER_PROTOCOL_LIMIT) {
            report_at_policy(
                &Self::META,
                inv,
                &over.at,
                format!(
                    "{} {} lists {} {} port entries; the VPC CNI network policy agent supports at most {EKS_PORTS_PER_PROTOCOL_LIMIT} per protocol",
                    over.at.policy, over.at.path, over.count, over.protocol
                ),
                "Merge consecutive ports into `endPort` ranges, or split the rule.",
                out,
            );
        }
    }
}
