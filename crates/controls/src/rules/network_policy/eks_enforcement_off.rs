use super::cluster;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};
use eksguard_netpol::analysis::{Enforcement, eks_enforcement, has_policies};

control! {
    /// ## What it checks
    /// Scans that contain network policies (NetworkPolicy,
    /// ApplicationNetworkPolicy, ClusterNetworkPolicy, AdminNetworkPolicy,
    /// BaselineAdminNetworkPolicy) while the input shows that the Amazon VPC
    /// CNI network policy agent enforces none of them: the ConfigMap
    /// `kube-system/amazon-vpc-cni` sets `enable-network-policy-controller`
    /// to anything but `"true"` or lacks the key, or EKS Auto Mode
    /// NodeClasses are present without that ConfigMap. The finding sits on
    /// the ConfigMap key, or on the first NodeClass. When the input says
    /// nothing either way (a plain manifest repository), nothing is
    /// reported.
    ///
    /// ## Why it matters
    /// The API server accepts NetworkPolicies whether or not anything
    /// enforces them. With the controller off, every isolation rule in the
    /// cluster is decoration: pods accept and send everything, while
    /// reviews and tools that read the policies report a locked-down
    /// cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: amazon-vpc-cni, namespace: kube-system}
    /// data:
    ///   enable-network-policy-controller: "false"
    /// ```
    ///
    /// ## Fix
    /// Set `enable-network-policy-controller: "true"` in
    /// `kube-system/amazon-vpc-cni` (on EKS Auto Mode, create the ConfigMap;
    /// with the managed VPC CNI add-on, set `enableNetworkPolicy: "true"` in
    /// its configuration), and choose the NodeClass `networkPolicy` default.
    ///
    /// ## References
    /// - EKS User Guide, "Use network policies with EKS Auto Mode"
    /// - EKS User Guide, "Limit pod traffic with Kubernetes network policies" (Amazon VPC CNI)
    /// - EKS Best Practices Guide, Network Security
    /// - CIS Amazon EKS Benchmark, 4.3.1 "Ensure CNI plugin supports network policies"
    pub struct EksEnforcementOff {
        id: "NETPOL-008",
        name: "network-policies-not-enforced-on-eks",
        title: "Network policies exist but the EKS network policy agent is off",
        severity: High,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

const KEY: &str = "enable-network-policy-controller";

impl Control for EksEnforcementOff {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[
            Need::kind("networking.k8s.io", "NetworkPolicy"),
            Need::kind("", "ConfigMap"),
        ];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    /// Cost: O(n) in objects besides the NetworkPolicy model, built once
    /// per scan for all NETPOL controls; the object of each finding is found
    /// in O(1).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let cluster = cluster(inv);
        let Enforcement::Disabled { reason } = eks_enforcement(&cluster) else {
            return;
        };
        if !has_policies(&cluster) {
            return;
        }
        let message = match cluster.policy_ids().count() {
            1 => format!("{reason}: the network policy in the scan is not enforced"),
            n => format!("{reason}: none of the {n} network policies in the scan is enforced"),
        };
        let fix = "Set enable-network-policy-controller: \"true\" in ConfigMap kube-system/amazon-vpc-cni (create it on EKS Auto Mode).";
        if let Some(cm) = inv.find("", "ConfigMap", Some("kube-system"), "amazon-vpc-cni") {
            let key = JsonPath::keys(&["data", KEY]);
            let at = if cm.get(&key).is_some() {
                key
            } else {
                JsonPath::keys(&["data"])
            };
            out.report(&Self::META, cm, at, message, fix);
        } else if let Some(nc) = inv.of_kind("eks.amazonaws.com", "NodeClass").next() {
            out.report(
                &Self::META,
                nc,
                JsonPath::keys(&["spec", "networkPolicy"]),
                message,
                fix,
            );
        }
    }
}
