use super::{cluster, report_at_policy};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_netpol::analysis::world_egress_in_default_deny_namespaces;

control! {
    /// ## What it checks
    /// Egress rules that allow the whole address space (`ipBlock`
    /// `0.0.0.0/0` or `::/0`, with or without `except`, on any ports), or
    /// every destination on every port (a rule with neither `to` nor
    /// `ports`), in namespaces where every workload is isolated for egress,
    /// i.e. that claim a default deny. A port-limited rule without `to`
    /// (the usual "DNS to anywhere" rule) is not reported.
    ///
    /// ## Why it matters
    /// The default deny is there to stop exfiltration and callbacks; a
    /// "temporary" rule to `0.0.0.0/0` reopens the internet, other VPCs
    /// and on-premises networks for every pod it selects, while dashboards
    /// still show the namespace as locked down.
    ///
    /// ## Example
    /// ```yaml
    /// egress:
    ///   - to:
    ///       - ipBlock:
    ///           cidr: 0.0.0.0/0
    ///           except: [169.254.169.254/32]
    ///     ports: [{protocol: TCP, port: 443}]
    /// ```
    ///
    /// ## Fix
    /// List the CIDRs the workload really needs (VPC endpoints, NAT
    /// destinations, partner ranges); on EKS Auto Mode, an
    /// ApplicationNetworkPolicy with `domainNames` can allow specific DNS
    /// names instead of the whole internet.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource
    /// - EKS Best Practices Guide, Network Security: "Create a rule to allow egress traffic"
    /// - EKS User Guide, "Use network policies with EKS Auto Mode" (ApplicationNetworkPolicy domainNames)
    pub struct WorldEgressInDefaultDeny {
        id: "NETPOL-007",
        name: "egress-to-world-in-default-deny-namespace",
        title: "Egress to 0.0.0.0/0 in a namespace that claims default deny",
        severity: Medium,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

impl Control for WorldEgressInDefaultDeny {
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
        for w in world_egress_in_default_deny_namespaces(&cluster) {
            let ns = w.at.policy.namespace.as_deref().unwrap_or("default");
            let what = if w.at.path.ends_with(".ipBlock") {
                if w.has_except {
                    "the whole address space (minus its `except` ranges)"
                } else {
                    "the whole address space"
                }
            } else {
                "every destination on every port"
            };
            report_at_policy(
                &Self::META,
                inv,
                &w.at,
                format!(
                    "{} {} allows egress to {what}, although every workload of namespace {ns} is isolated for egress",
                    w.at.policy, w.at.path
                ),
                "Replace the rule with the CIDRs (or, on EKS Auto Mode, the ApplicationNetworkPolicy domainNames) the workloads really need.",
                out,
            );
        }
    }
}
