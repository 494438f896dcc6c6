use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// The three EKS Auto Mode switches of the cluster:
    /// `computeConfig.enabled`, `storageConfig.blockStorage.enabled` and
    /// `kubernetesNetworkConfig.elasticLoadBalancing.enabled`. When any of
    /// them is on, all three must be on. Clusters with none on are not
    /// Auto Mode clusters and are not reported.
    ///
    /// ## Why it matters
    /// Auto Mode's security model (AWS-managed, immutable nodes with a
    /// 21-day life; AWS-managed EBS and load balancer controllers with
    /// least-privilege cluster role policies) assumes the three capabilities
    /// together; the EKS API requires them to be enabled or disabled as one.
    /// A cluster that reports them out of step is half-migrated or was
    /// changed outside the supported path: the components you think AWS
    /// runs and patches may be self-managed ones nobody patches.
    ///
    /// ## Example
    /// ```json
    /// "computeConfig": {"enabled": true},
    /// "storageConfig": {"blockStorage": {"enabled": false}}
    /// ```
    ///
    /// ## Fix
    /// Enable all three in one call (`aws eks update-cluster-config
    /// --compute-config enabled=true --kubernetes-network-config
    /// '{"elasticLoadBalancing":{"enabled":true}}' --storage-config
    /// '{"blockStorage":{"enabled":true}}'`), and remove self-managed copies
    /// of the controllers Auto Mode replaces.
    ///
    /// ## References
    /// - EKS User Guide, "Enable EKS Auto Mode on an existing cluster" (all three capabilities together)
    /// - EKS API Reference, UpdateClusterConfig (computeConfig, storageConfig, kubernetesNetworkConfig.elasticLoadBalancing)
    pub struct AutoModeFlagsInconsistent {
        id: "AUTO-001",
        name: "auto-mode-capabilities-inconsistent",
        title: "EKS Auto Mode compute, storage and load-balancing switches disagree",
        severity: Medium,
        pillar: PatchingVulnerabilities,
        responsibility: AwsManaged,
        verified: "compute, block storage and load balancing are all handed to Auto Mode together",
    }
}

impl Control for AutoModeFlagsInconsistent {
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
        let flags = [
            (
                "computeConfig.enabled",
                JsonPath::keys(&["computeConfig", "enabled"]),
                c.compute_config.as_ref().and_then(|x| x.enabled),
            ),
            (
                "storageConfig.blockStorage.enabled",
                JsonPath::keys(&["storageConfig", "blockStorage", "enabled"]),
                c.storage_config
                    .as_ref()
                    .and_then(|x| x.block_storage.as_ref()?.enabled),
            ),
            (
                "kubernetesNetworkConfig.elasticLoadBalancing.enabled",
                JsonPath::keys(&["kubernetesNetworkConfig", "elasticLoadBalancing", "enabled"]),
                c.kubernetes_network_config
                    .as_ref()
                    .and_then(|x| x.elastic_load_balancing.as_ref()?.enabled),
            ),
        ];
        let on: Vec<&str> = flags
            .iter()
            .filter(|f| f.2 == Some(true))
            .map(|f| f.0)
            .collect();
        if on.is_empty() {
            return;
        }
        for (name, path, value) in flags.iter().filter(|f| f.2 != Some(true)) {
            let shown = value.map_or("absent".to_owned(), |v| v.to_string());
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                path.clone(),
                format!(
                    "cluster {}: {name} is {shown} while {} is true: Auto Mode is only partly enabled",
                    c.name,
                    on.join(" and ")
                ),
                "Enable compute, block storage and elastic load balancing together (aws eks update-cluster-config).",
            );
        }
    }
}
