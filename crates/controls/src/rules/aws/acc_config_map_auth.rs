use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// The EKS cluster's `accessConfig.authenticationMode`: `CONFIG_MAP` or
    /// `API_AND_CONFIG_MAP` (anything but `API`) means the `aws-auth`
    /// ConfigMap still grants access. Clusters that do not report the field
    /// are not judged.
    ///
    /// ## Why it matters
    /// `aws-auth` is an ordinary ConfigMap: anyone who can edit it in
    /// `kube-system` can map any IAM principal to `system:masters`, its
    /// changes leave no trace in IAM or CloudTrail, and one YAML mistake can
    /// lock everybody out. Access entries (mode `API`) are managed through
    /// the EKS API, logged in CloudTrail and scoped with access policies.
    ///
    /// ## Example
    /// ```json
    /// "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}
    /// ```
    ///
    /// ## Fix
    /// Migrate every `aws-auth` mapping to an access entry, then
    /// `aws eks update-cluster-config --name C --access-config
    /// authenticationMode=API` (the change is one-way) and delete the
    /// ConfigMap.
    ///
    /// ## References
    /// - EKS User Guide, "Migrating existing aws-auth ConfigMap entries to access entries"
    /// - EKS User Guide, "Change authentication mode to use access entries"
    /// - EKS Best Practices Guide, Identity and Access Management: "Use EKS Access Entries to grant access"
    pub struct ConfigMapAuth {
        id: "ACC-001",
        name: "eks-auth-mode-config-map",
        title: "EKS authentication still honours the aws-auth ConfigMap",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: AwsDefault,
    }
}

impl Control for ConfigMapAuth {
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
        let Some(mode) = c
            .access_config
            .as_ref()
            .and_then(|a| a.authentication_mode.as_deref())
        else {
            return;
        };
        if mode == "API" {
            return;
        }
        report_cluster(
            out,
            &Self::META,
            facts,
            c,
            JsonPath::keys(&["accessConfig", "authenticationMode"]),
            format!(
                "cluster {}: accessConfig.authenticationMode is {mode}: the kube-system/aws-auth ConfigMap can grant cluster access outside IAM and CloudTrail",
                c.name
            ),
            "Move aws-auth mappings to access entries, then set authenticationMode to API.",
        );
    }
}
