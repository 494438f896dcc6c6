use super::net_public_cidrs_open::is_anywhere;
use super::{aws_ref, cluster, report_aws};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::aws::{AwsFacts, IpPermission, SecurityGroup};
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// Inbound rules open to `0.0.0.0/0` or `::/0` on the security groups of
    /// the EKS cluster: the cluster security group
    /// (`resourcesVpcConfig.clusterSecurityGroupId`, which EKS Auto Mode also
    /// attaches to nodes), the additional groups
    /// (`resourcesVpcConfig.securityGroupIds`), and groups tagged for the
    /// cluster (`aws:eks:cluster-name` or `kubernetes.io/cluster/NAME`).
    ///
    /// ## Why it matters
    /// These groups sit on the control-plane network interfaces and on the
    /// nodes. An inbound rule from anywhere exposes node ports, SSH or the
    /// kubelet to the internet wherever a node or interface has a public
    /// path, and it widens what any compromised host in the VPC can reach.
    ///
    /// ## Example
    /// ```json
    /// "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    /// ```
    ///
    /// ## Fix
    /// Remove the rule (`aws ec2 revoke-security-group-ingress`) and allow
    /// only the security groups or prefix lists that need the port. Reach
    /// nodes with SSM rather than SSH; expose workloads through load
    /// balancers with their own security groups.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Infrastructure Security: "Security groups"
    /// - EKS User Guide, "View Amazon EKS security group requirements for clusters"
    /// - CIS AWS Foundations Benchmark v3.0.0, 5.2 and 5.3 (no security groups allow ingress from 0.0.0.0/0 or ::/0 to remote server administration ports)
    pub struct SgIngressAnywhere {
        id: "NET-004",
        name: "eks-security-group-open-ingress",
        title: "Cluster security group allows ingress from anywhere",
        severity: High,
        pillar: Networking,
        responsibility: AwsManaged,
        verified: "the cluster's security groups admit no ingress from 0.0.0.0/0 or ::/0, as EKS creates them",
    }
}

impl Control for SgIngressAnywhere {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[
            Need::aws(AwsData::Cluster),
            Need::aws(AwsData::SecurityGroups),
        ];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some((facts, c)) = cluster(inv) else {
            return;
        };
        let vpc = c.resources_vpc_config.as_ref();
        let cluster_sg = vpc.and_then(|v| v.cluster_security_group_id.as_deref());
        let extra = vpc
            .and_then(|v| v.security_group_ids.as_deref())
            .unwrap_or_default();
        let cluster_tag = format!("kubernetes.io/cluster/{}", c.name);
        for sg in &facts.security_groups {
            let role = if Some(sg.group_id.as_str()) == cluster_sg {
                "the cluster security group"
            } else if extra.contains(&sg.group_id) {
                "an additional security group of the cluster"
            } else if sg.tag("aws:eks:cluster-name") == Some(c.name.as_str())
                || sg.tag(&cluster_tag).is_some()
            {
                "tagged for the cluster"
            } else {
                continue;
            };
            for (i, perm) in sg.ip_permissions.iter().flatten().enumerate() {
                let base = JsonPath::keys(&["IpPermissions"]).index(i);
                let v4 = perm
                    .ip_ranges
                    .iter()
                    .flatten()
                    .map(|r| (r.cidr_ip.as_deref(), "IpRanges", "CidrIp"));
                let v6 = perm
                    .ipv6_ranges
                    .iter()
                    .flatten()
                    .map(|r| (r.cidr_ipv6.as_deref(), "Ipv6Ranges", "CidrIpv6"));
                let mut idx = std::collections::HashMap::<&str, usize>::new();
                for (cidr, list, field) in v4.chain(v6) {
                    let j = idx.entry(list).or_default();
                    let at = *j;
                    *j += 1;
                    let Some(cidr) = cidr.filter(|c| is_anywhere(c)) else {
                        continue;
                    };
                    report(
                        out,
                        facts,
                        sg,
                        base.clone().key(list).index(at).key(field),
                        role,
                        perm,
                        cidr,
                    );
                }
            }
        }
    }
}

fn report(
    out: &mut Sink,
    facts: &AwsFacts,
    sg: &eksguard_core::aws::Sourced<SecurityGroup>,
    field: JsonPath,
    role: &str,
    perm: &IpPermission,
    cidr: &str,
) {
    let arn = sg.security_group_arn.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:ec2:{}:{}:security-group/{}",
            facts.region.as_deref().unwrap_or(""),
            sg.owner_id
                .as_deref()
                .or(facts.account_id.as_deref())
                .unwrap_or(""),
            sg.group_id
        )
    });
    let name = sg.group_name.as_deref().unwrap_or(&sg.group_id);
    let object = aws_ref(
        "aws:ec2/2016-11-15",
        "AWS::EC2::SecurityGroup",
        &sg.group_id,
        &arn,
    );
    report_aws(
        out,
        &SgIngressAnywhere::META,
        facts,
        object,
        &sg.source,
        field.clone(),
        format!(
            "security group {} ({name}, {role}): {field} allows {} from {cidr}",
            sg.group_id,
            ports(perm)
        ),
        "Revoke the rule and allow only the security groups, prefix lists or CIDRs that need the port; use SSM instead of SSH.",
    );
}

/// `tcp/22`, `tcp/30000-32767`, `all traffic`.
fn ports(p: &IpPermission) -> String {
    let proto = p.ip_protocol.as_deref().unwrap_or("-1");
    if proto == "-1" {
        return "all traffic".into();
    }
    match (p.from_port, p.to_port) {
        (Some(f), Some(t)) if f == t => format!("{proto}/{f}"),
        (Some(-1), _) | (None, _) => format!("{proto}/all ports"),
        (Some(f), Some(t)) => format!("{proto}/{f}-{t}"),
        (Some(f), None) => format!("{proto}/{f}"),
    }
}
