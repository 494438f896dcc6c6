use super::check_log_types;
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;

control! {
    /// ## What it checks
    /// Whether each of the `api`, `controllerManager` and `scheduler`
    /// control-plane log types is enabled in some entry of
    /// `logging.clusterLogging`; one finding per missing type.
    ///
    /// ## Why it matters
    /// These logs show API server errors and admission decisions, what
    /// controllers did to workloads (garbage collection, endpoint changes)
    /// and where pods were placed. They complete the audit log when
    /// investigating an incident or a disruption.
    ///
    /// ## Example
    /// ```json
    /// "logging": {"clusterLogging": [{"types": ["api", "scheduler"], "enabled": false}]}
    /// ```
    ///
    /// ## Fix
    /// `aws eks update-cluster-config --name C --logging
    /// '{"clusterLogging":[{"types":["api","controllerManager","scheduler"],"enabled":true}]}'`.
    ///
    /// ## References
    /// - EKS User Guide, "Send control plane logs to CloudWatch Logs": control plane logs are disabled by default
    /// - EKS Best Practices Guide, Detective Controls: "Enable audit logs"
    pub struct ControlPlaneLogDisabled {
        id: "LOG-003",
        name: "eks-control-plane-log-disabled",
        title: "EKS api, controllerManager or scheduler log is not enabled",
        severity: Medium,
        pillar: LoggingDetection,
        responsibility: AwsDefault,
    }
}

impl Control for ControlPlaneLogDisabled {
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
            &["api", "controllerManager", "scheduler"],
            "control-plane behaviour during an incident cannot be reviewed",
        );
    }
}
