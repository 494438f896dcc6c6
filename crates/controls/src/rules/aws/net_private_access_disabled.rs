use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// The EKS cluster's `resourcesVpcConfig.endpointPrivateAccess`, which
    /// is `false` unless set at creation or later.
    ///
    /// ## Why it matters
    /// Without the private endpoint, nodes and pods in the VPC reach the API
    /// server through its public address: traffic leaves the VPC through a
    /// NAT or internet gateway, and the public endpoint cannot be
    /// restricted or turned off without cutting the cluster off from itself.
    ///
    /// ## Example
    /// ```json
    /// "resourcesVpcConfig": {"endpointPublicAccess": true, "endpointPrivateAccess": false}
    /// ```
    ///
    /// ## Fix
    /// `aws eks update-cluster-config --resources-vpc-config
    /// endpointPrivateAccess=true`; then restrict or disable the public endpoint.
    ///
    /// ## References
    /// - EKS User Guide, "Cluster API server endpoint": private access is disabled by default
    /// - EKS Best Practices Guide, Infrastructure Security: "Make the EKS Cluster Endpoint private"
    /// - CIS Amazon EKS Benchmark v1.8.0, 5.4.2
    pub struct PrivateAccessDisabled {
        id: "NET-003",
        name: "eks-private-endpoint-disabled",
        title: "EKS private endpoint access is disabled",
        severity: Medium,
        pillar: Networking,
        responsibility: AwsDefault,
    }
}

impl Control for PrivateAccessDisabled {
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
        let private = c
            .resources_vpc_config
            .as_ref()
            .and_then(|v| v.endpoint_private_access);
        if private != Some(true) {
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                JsonPath::keys(&["resourcesVpcConfig", "endpointPrivateAccess"]),
                format!(
                    "cluster {}: resourcesVpcConfig.endpointPrivateAccess is not true: nodes reach the API server through its public address",
                    c.name
                ),
                "Enable endpointPrivateAccess (aws eks update-cluster-config --resources-vpc-config endpointPrivateAccess=true).",
            );
        }
    }
}
