use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// A public EKS endpoint (`resourcesVpcConfig.endpointPublicAccess:
    /// true`) whose `publicAccessCidrs` contains `0.0.0.0/0` or `::/0`, or is
    /// empty (AWS then applies `0.0.0.0/0`, the default).
    ///
    /// ## Why it matters
    /// The public endpoint is then reachable from every address on the
    /// internet. Restricting it to known egress ranges (offices, CI
    /// runners, VPN) removes the API server from internet-wide scanning and
    /// from use of leaked credentials outside those networks.
    ///
    /// ## Example
    /// ```json
    /// "resourcesVpcConfig": {"endpointPublicAccess": true, "publicAccessCidrs": ["0.0.0.0/0"]}
    /// ```
    ///
    /// ## Fix
    /// Set `publicAccessCidrs` to the ranges that need the API
    /// (`aws eks update-cluster-config --resources-vpc-config
    /// publicAccessCidrs=203.0.113.0/24`), or disable the public endpoint.
    ///
    /// ## References
    /// - EKS User Guide, "Cluster API server endpoint": publicAccessCidrs defaults to 0.0.0.0/0
    /// - EKS API Reference, VpcConfigRequest.publicAccessCidrs
    /// - CIS Amazon EKS Benchmark v1.8.0, 5.4.1 (restrict access to the control plane endpoint)
    pub struct PublicCidrsOpen {
        id: "NET-002",
        name: "eks-endpoint-open-to-internet",
        title: "Public EKS endpoint open to 0.0.0.0/0 or ::/0",
        severity: High,
        pillar: Networking,
        responsibility: AwsDefault,
    }
}

impl Control for PublicCidrsOpen {
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
        if !vpc.and_then(|v| v.endpoint_public_access).unwrap_or(true) {
            return;
        }
        let fix = "Restrict resourcesVpcConfig.publicAccessCidrs to the networks that need the API, or disable the public endpoint.";
        let cidrs = vpc
            .and_then(|v| v.public_access_cidrs.as_deref())
            .unwrap_or_default();
        if cidrs.is_empty() {
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                JsonPath::keys(&["resourcesVpcConfig", "publicAccessCidrs"]),
                format!(
                    "cluster {}: the public endpoint has no publicAccessCidrs, so AWS applies 0.0.0.0/0",
                    c.name
                ),
                fix,
            );
        }
        for (i, cidr) in cidrs.iter().enumerate() {
            if is_anywhere(cidr) {
                report_cluster(
                    out,
                    &Self::META,
                    facts,
                    c,
                    JsonPath::keys(&["resourcesVpcConfig", "publicAccessCidrs"]).index(i),
                    format!(
                        "cluster {}: resourcesVpcConfig.publicAccessCidrs[{i}] is {cidr}: the public endpoint accepts connections from any address",
                        c.name
                    ),
                    fix,
                );
            }
        }
    }
}

/// `0.0.0.0/0` or `::/0`, however written (`::0/0`, `0:0::/0`).
pub(crate) fn is_anywhere(cidr: &str) -> bool {
    let Some((addr, len)) = cidr.trim().split_once('/') else {
        return false;
    };
    if len.trim() != "0" {
        return false;
    }
    match addr.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_unspecified(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn anywhere_means_a_zero_prefix_on_the_unspecified_address() {
        for c in ["0.0.0.0/0", "::/0", "::0/0", " 0.0.0.0/0 "] {
            assert!(super::is_anywhere(c), "{c}");
        }
        for c in [
            "0.0.0.0/1",
            "10.0.0.0/0",
            "203.0.113.0/24",
            "::/1",
            "garbage",
            "0.0.0.0",
        ] {
            assert!(!super::is_anywhere(c), "{c}");
        }
    }
}
