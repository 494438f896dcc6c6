use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// The EKS cluster's `upgradePolicy.supportType`. `EXTENDED` (the
    /// default when a cluster is created without an upgrade policy) lets the
    /// cluster stay on a Kubernetes version after its standard support ends.
    ///
    /// ## Why it matters
    /// With `EXTENDED`, nothing forces an upgrade for 12 more months: the
    /// cluster quietly keeps a version that the community no longer patches,
    /// at an extra hourly charge. `STANDARD` makes the end of standard
    /// support a deadline AWS enforces by upgrading the cluster. Keep
    /// `EXTENDED` only as a deliberate, time-boxed exception.
    ///
    /// ## Example
    /// ```json
    /// "upgradePolicy": {"supportType": "EXTENDED"}
    /// ```
    ///
    /// ## Fix
    /// `aws eks update-cluster-config --name C --upgrade-policy
    /// supportType=STANDARD`, and keep an upgrade cadence that stays within
    /// standard support.
    ///
    /// ## References
    /// - EKS User Guide, "Manage EKS extended support" (upgradePolicy.supportType, default EXTENDED)
    /// - EKS API Reference, UpgradePolicyRequest
    pub struct UpgradePolicyExtended {
        id: "PATCH-002",
        name: "eks-upgrade-policy-extended",
        title: "EKS upgrade policy allows staying on versions past standard support",
        severity: Low,
        pillar: PatchingVulnerabilities,
        responsibility: AwsDefault,
    }
}

impl Control for UpgradePolicyExtended {
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
        let support = c
            .upgrade_policy
            .as_ref()
            .and_then(|u| u.support_type.as_deref());
        let (field, shown) = match support {
            Some("STANDARD") => return,
            Some(s) => (
                JsonPath::keys(&["upgradePolicy", "supportType"]),
                s.to_owned(),
            ),
            None => (
                JsonPath::keys(&["upgradePolicy"]),
                "unset (defaults to EXTENDED)".to_owned(),
            ),
        };
        report_cluster(
            out,
            &Self::META,
            facts,
            c,
            field,
            format!(
                "cluster {}: upgradePolicy.supportType is {shown}: the cluster may stay on a version after standard support ends",
                c.name
            ),
            "Set upgradePolicy.supportType to STANDARD (aws eks update-cluster-config --upgrade-policy supportType=STANDARD).",
        );
    }
}
