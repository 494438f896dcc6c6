use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// The EKS cluster's `deletionProtection`, which is off unless set.
    ///
    /// ## Why it matters
    /// Without it one `DeleteCluster` call (a mistaken script, an IaC
    /// destroy, an attacker with `eks:DeleteCluster`) removes the control
    /// plane with its etcd data: every Kubernetes object and Secret is gone,
    /// and Auto Mode terminates the nodes it manages. Deletion protection
    /// makes deletion a deliberate two-step act.
    ///
    /// ## Example
    /// ```json
    /// "deletionProtection": false
    /// ```
    ///
    /// ## Fix
    /// `aws eks update-cluster-config --name C --deletion-protection`.
    ///
    /// ## References
    /// - EKS User Guide, "Protect EKS clusters from accidental deletion"
    /// - EKS API Reference, UpdateClusterConfig (deletionProtection)
    pub struct DeletionProtectionOff {
        id: "AUTO-002",
        name: "eks-deletion-protection-off",
        title: "EKS cluster deletion protection is off",
        severity: Low,
        pillar: DataProtection,
        responsibility: AwsDefault,
    }
}

impl Control for DeletionProtectionOff {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        NEEDS_CLUSTER
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some((facts, c)) = cluster(inv) else {
            return;
        };
        if c.deletion_protection != Some(true) {
            let shown = c
                .deletion_protection
                .map_or("absent".to_owned(), |v| v.to_string());
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                JsonPath::keys(&["deletionProtection"]),
                format!(
                    "cluster {}: deletionProtection is {shown}: one DeleteCluster call removes the cluster and its etcd data",
                    c.name
                ),
                "Turn on deletion protection: aws eks update-cluster-config --deletion-protection.",
            );
        }
    }
}
