use super::{cluster, report_at_policy};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_netpol::analysis::named_ports_toward_ip_blocks;

control! {
    /// ## What it checks
    /// NetworkPolicy rules that combine an `ipBlock` peer with a named port
    /// (`port: http` rather than `port: 8080`). The finding points at the
    /// named port entry.
    ///
    /// ## Why it matters
    /// A named port is resolved against the container ports of the pod at
    /// the other end; an address range has no pods, so for those addresses
    /// the entry allows nothing in Kubernetes semantics, and the Amazon VPC
    /// CNI network policy agent drops the entry altogether. The traffic the
    /// rule was written for is blocked, which invites an over-broad "fix".
    ///
    /// ## Example
    /// ```yaml
    /// egress:
    ///   - to: [{ipBlock: {cidr: 10.20.0.0/16}}]
    ///     ports: [{port: https}]
    /// ```
    ///
    /// ## Fix
    /// Use the numeric port (and protocol) in rules whose peers are
    /// `ipBlock`s, or split the rule so named ports only go with pod peers.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#NetworkPolicySpec (NetworkPolicyPort.port)
    /// - EKS User Guide, "Limit pod traffic with Kubernetes network policies" (considerations)
    /// - https://github.com/aws/aws-network-policy-agent
    pub struct NamedPortTowardIpBlock {
        id: "NETPOL-009",
        name: "named-port-with-ip-block",
        title: "Named port used toward an ipBlock (dropped by the VPC CNI agent)",
        severity: Medium,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

impl Control for NamedPortTowardIpBlock {
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
        for at in named_ports_toward_ip_blocks(&cluster) {
            report_at_policy(
                &Self::META,
                inv,
                &at,
                format!(
                    "{} {}: a named port in a rule with ipBlock peers matches no address range, and the VPC CNI network policy agent drops it",
                    at.policy, at.path
                ),
                "Use the numeric port in rules with ipBlock peers, or move the named port to a rule with pod peers.",
                out,
            );
        }
    }
}
