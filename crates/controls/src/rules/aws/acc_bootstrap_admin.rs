use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// The EKS cluster's
    /// `accessConfig.bootstrapClusterCreatorAdminPermissions`: `true` (the
    /// default) means the IAM principal that created the cluster got a
    /// cluster-admin access entry automatically.
    ///
    /// ## Why it matters
    /// The creator is often a CI role or a person's temporary session.
    /// Whoever can assume that principal later is cluster-admin, usually
    /// without anyone having decided so, and the grant outlives the need.
    /// Admin access should be an explicit access entry for a break-glass
    /// role, reviewed like any other.
    ///
    /// ## Example
    /// ```json
    /// "accessConfig": {"bootstrapClusterCreatorAdminPermissions": true}
    /// ```
    ///
    /// ## Fix
    /// Create clusters with `--access-config
    /// bootstrapClusterCreatorAdminPermissions=false` and explicit access
    /// entries. On an existing cluster the flag cannot change: delete the
    /// creator's access entry (`aws eks delete-access-entry`) once another
    /// admin path exists.
    ///
    /// ## References
    /// - EKS User Guide, "Grant IAM users access to Kubernetes with EKS access entries" (bootstrapClusterCreatorAdminPermissions)
    /// - EKS API Reference, CreateAccessConfigRequest
    pub struct BootstrapAdmin {
        id: "ACC-004",
        name: "eks-bootstrap-creator-admin",
        title: "Cluster creator keeps automatic cluster-admin access",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: AwsDefault,
    }
}

impl Control for BootstrapAdmin {
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
        let flag = c
            .access_config
            .as_ref()
            .and_then(|a| a.bootstrap_cluster_creator_admin_permissions);
        if flag == Some(true) {
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                JsonPath::keys(&["accessConfig", "bootstrapClusterCreatorAdminPermissions"]),
                format!(
                    "cluster {}: accessConfig.bootstrapClusterCreatorAdminPermissions is true: the principal that created the cluster is cluster-admin",
                    c.name
                ),
                "Delete the creator's access entry once an explicit break-glass admin entry exists; create future clusters with the flag off.",
            );
        }
    }
}
