use super::check_log_types;
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;

control! {
    /// ## What it checks
    /// Whether the `authenticator` control-plane log type is enabled in any
    /// entry of `logging.clusterLogging`.
    ///
    /// ## Why it matters
    /// The audit log names Kubernetes users; the authenticator log maps them
    /// back to the IAM role or user and session that authenticated. Without it
    /// an action in the audit log (`kubernetes-admin`, a mapped username)
    /// cannot be tied to the person or workload in AWS that performed it.
    ///
    /// ## Example
    /// ```json
    /// "logging": {"clusterLogging": [{"types": ["audit", "authenticator"], "enabled": false}]}
    /// ```
    ///
    /// ## Fix
    /// `aws eks update-cluster-config --name C --logging
    /// '{"clusterLogging":[{"types":["authenticator"],"enabled":true}]}'`.
    ///
    /// ## References
    /// - EKS User Guide, "Send control plane logs to CloudWatch Logs": control plane logs are disabled by default
    /// - EKS Best Practices Guide, Detective Controls: "Enable audit logs"
    /// - CIS Amazon EKS Benchmark v1.8.0, 2.1.1 (enable audit logs)
    pub struct AuthenticatorLogDisabled {
        id: "LOG-002",
        name: "eks-authenticator-log-disabled",
        title: "EKS authenticator log is not enabled",
        severity: High,
        pillar: LoggingDetection,
        responsibility: AwsDefault,
    }
}

impl Control for AuthenticatorLogDisabled {
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
            &["authenticator"],
            "no record of which IAM principal became which Kubernetes user",
        );
    }
}
