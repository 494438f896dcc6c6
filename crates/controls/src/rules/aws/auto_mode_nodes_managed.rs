use super::{cluster, report_cluster};
use crate::{Context, Control, ControlMeta, NEEDS_CLUSTER, Sink, Subjects, control};
use eksguard_core::{Inventory, JsonPath, Need};

control! {
    /// ## What it checks
    /// The EKS cluster's `computeConfig.enabled`: whether EKS Auto Mode runs
    /// the cluster's nodes. A pass is the evidence behind every AWS-managed
    /// node guarantee eksguard reports (and behind the CIS worker-node
    /// recommendations it marks AWS-managed).
    ///
    /// ## Why it matters
    /// Under Auto Mode, AWS launches nodes from its own Bottlerocket AMIs
    /// (read-only root, SELinux enforcing, no SSH or SSM shell), patches
    /// them and replaces each within 21 days; the kubelet configuration and
    /// node file permissions are AWS's to keep. Without Auto Mode compute
    /// none of that holds: node groups and self-managed nodes are the
    /// customer's to harden, patch and rotate, and a report that assumed
    /// otherwise would leave the node layer unowned.
    ///
    /// ## Example
    /// ```json
    /// "computeConfig": {"enabled": false}
    /// ```
    ///
    /// ## Fix
    /// Enable Auto Mode (`aws eks update-cluster-config --compute-config
    /// enabled=true ...`, with block storage and load balancing, see
    /// AUTO-001), or own the node layer: patch and rotate node groups,
    /// harden the kubelet (CIS section 3) and restrict node access.
    ///
    /// ## References
    /// - EKS User Guide, "Automate cluster infrastructure with EKS Auto Mode" (AWS-managed nodes and their 21-day lifetime)
    /// - EKS User Guide, "Learn about security in EKS Auto Mode" (shared responsibility for nodes)
    /// - CIS Amazon EKS Benchmark, section 3 (worker nodes)
    pub struct AutoModeNodesManaged {
        id: "AUTO-003",
        name: "auto-mode-nodes-not-managed",
        title: "Nodes are not managed by EKS Auto Mode",
        severity: Medium,
        pillar: PatchingVulnerabilities,
        responsibility: AwsManaged,
        verified: "EKS Auto Mode runs the nodes: AWS-managed Bottlerocket AMIs, patched by AWS and replaced within 21 days",
    }
}

impl Control for AutoModeNodesManaged {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        NEEDS_CLUSTER
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    /// Cost: O(1) in objects: reads the AWS facts (inventory lookups are
    /// O(1)).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some((facts, c)) = cluster(inv) else {
            return;
        };
        let enabled = c.compute_config.as_ref().and_then(|cc| cc.enabled);
        if enabled != Some(true) {
            let (field, shown) = match enabled {
                Some(v) => (JsonPath::keys(&["computeConfig", "enabled"]), v.to_string()),
                None => (JsonPath::keys(&["computeConfig"]), "absent".to_owned()),
            };
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                field,
                format!(
                    "cluster {}: computeConfig.enabled is {shown}: nodes are not run by EKS Auto Mode, so patching, replacement and kubelet hardening are the customer's",
                    c.name
                ),
                "Enable EKS Auto Mode compute (with block storage and load balancing), or patch, rotate and harden the node groups yourself.",
            );
        }
    }
}
