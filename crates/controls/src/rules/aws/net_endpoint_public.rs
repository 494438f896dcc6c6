use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// The EKS cluster's `resourcesVpcConfig.endpointPublicAccess`. A
    /// cluster created without saying otherwise has a public endpoint:
    /// `true` is the default.
    ///
    /// ## Why it matters
    /// With a public endpoint the Kubernetes API server answers on the
    /// internet. Authentication still applies, but every credential leak,
    /// authentication bug or unauthenticated endpoint (`/version`,
    /// `/healthz`, discovery for `system:unauthenticated` if someone bound
    /// it) is reachable from anywhere rather than only from the VPC.
    ///
    /// ## Example
    /// ```json
    /// "resourcesVpcConfig": {"endpointPublicAccess": true, "endpointPrivateAccess": false}
    /// ```
    ///
    /// ## Fix
    /// Turn on the private endpoint and turn off the public one
    /// (`aws eks update-cluster-config --resources-vpc-config
    /// endpointPrivateAccess=true,endpointPublicAccess=false`), reaching the
    /// API from the VPC, a VPN or a bastion. If the public endpoint must stay,
    /// restrict `publicAccessCidrs` (see NET-002).
    ///
    /// ## References
    /// - EKS User Guide, "Cluster API server endpoint": public access is enabled by default
    /// - EKS Best Practices Guide, Infrastructure Security: "Make the EKS Cluster Endpoint private"
    /// - CIS Amazon EKS Benchmark v1.8.0, 5.4.2 (ensure clusters are created with private endpoint enabled and public access disabled)
    pub struct EndpointPublic {
        id: "NET-001",
        name: "eks-endpoint-public",
        title: "EKS API server endpoint is public",
        severity: Medium,
        pillar: Networking,
        responsibility: AwsDefault,
    }
}

impl Control for EndpointPublic {
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
        let vpc = c.resources_vpc_config.as_ref();
        // AWS always returns the field; absent means the default, which is public.
        let public = vpc.and_then(|v| v.endpoint_public_access).unwrap_or(true);
        if public {
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                JsonPath::keys(&["resourcesVpcConfig", "endpointPublicAccess"]),
                format!(
                    "cluster {}: resourcesVpcConfig.endpointPublicAccess is true: the Kubernetes API server answers on the internet",
                    c.name
                ),
                "Enable endpointPrivateAccess and disable endpointPublicAccess; reach the API from the VPC, a VPN or a bastion.",
            );
        }
    }
}
