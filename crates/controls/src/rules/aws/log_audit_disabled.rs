use super::check_log_types;
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;

control! {
    /// ## What it checks
    /// Whether the `audit` control-plane log type is enabled in any entry of the
    /// cluster's `logging.clusterLogging` list. Control-plane logging is off
    /// on a new cluster.
    ///
    /// ## Why it matters
    /// The Kubernetes audit log is the record of every request to the API
    /// server: who read which Secret, who created the privileged pod, which
    /// ServiceAccount token was used from where. Without it an incident cannot
    /// be reconstructed, and eksguard's own `audit` analysis has nothing to read.
    ///
    /// ## Example
    /// ```json
    /// "logging": {"clusterLogging": [{"types": ["audit"], "enabled": false}]}
    /// ```
    ///
    /// ## Fix
    /// `aws eks update-cluster-config --name C --logging
    /// '{"clusterLogging":[{"types":["audit"],"enabled":true}]}'`, and set a
    /// retention on the `/aws/eks/C/cluster` log group.
    ///
    /// ## References
    /// - EKS User Guide, "Send control plane logs to CloudWatch Logs": control plane logs are disabled by default
    /// - EKS Best Practices Guide, Detective Controls: "Enable audit logs"
    /// - CIS Amazon EKS Benchmark v1.8.0, 2.1.1 (enable audit logs)
    pub struct AuditLogDisabled {
        id: "LOG-001",
        name: "eks-audit-log-disabled",
        title: "EKS audit log is not enabled",
        severity: High,
        pillar: LoggingDetection,
        responsibility: AwsDefault,
    }
}

impl Control for AuditLogDisabled {
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
        check_log_types(
            inv,
            out,
            &Self::META,
            &["audit"],
            "no record of who did what through the Kubernetes API",
        );
    }
}
