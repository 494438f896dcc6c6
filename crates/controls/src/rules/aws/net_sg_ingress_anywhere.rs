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
    /// only the security groups or prefix lists that need the port. The
    /// finding's fix names what to use instead for its port: SSM Session
    /// Manager for SSH (tcp/22) and RDP (tcp/3389), a load balancer with its
    /// own security group for HTTPS/HTTP (tcp/443, tcp/80) and NodePorts,
    /// the cluster security group only for the kubelet (tcp/10250).
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

    /// Cost: O(1) in objects: reads the AWS facts (inventory lookups are
    /// O(1)).
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
        fix(sg, perm, cidr),
    );
}

/// The fix for one open rule: the revoke command, and what to use instead
/// for that port and protocol.
fn fix(sg: &SecurityGroup, p: &IpPermission, cidr: &str) -> String {
    let proto = p.ip_protocol.as_deref().unwrap_or("-1");
    let range = match (p.from_port, p.to_port) {
        (Some(f), Some(t)) if f >= 0 => Some((f, t)),
        _ => None,
    };
    let covers = |port: i64| range.is_none_or(|(f, t)| f <= port && port <= t);
    let tcp = proto == "tcp" || proto == "6";
    let instead = if proto == "-1" {
        "Allow only the protocols and ports that are needed, from the security groups or prefix lists that need them.".to_owned()
    } else if tcp && range == Some((22, 22)) {
        "Reach nodes with SSM Session Manager instead of SSH; if SSH is needed, allow it from a bastion's security group only.".to_owned()
    } else if tcp && range == Some((3389, 3389)) {
        "Reach Windows nodes with SSM Session Manager (Fleet Manager) instead of RDP from the internet.".to_owned()
    } else if tcp && range == Some((10250, 10250)) {
        "The kubelet API must never face the internet: allow it from the cluster security group only.".to_owned()
    } else if tcp && matches!(range, Some((f, t)) if f >= 30000 && t <= 32767) {
        "Do not expose NodePorts: publish the Service through a load balancer (Service type LoadBalancer or an Ingress) whose own security group faces the clients.".to_owned()
    } else if tcp && (range == Some((443, 443)) || range == Some((80, 80))) {
        "Serve clients through a load balancer with its own security group (or a VPC endpoint for private clients); the cluster's security groups should admit only the cluster and its load balancers.".to_owned()
    } else if tcp && covers(22) && range.is_some_and(|(f, t)| t - f > 0) {
        "Narrow the range to the ports that are needed (it includes SSH, tcp/22), from the security groups or prefix lists that need them.".to_owned()
    } else {
        "Allow the port only from the security groups, prefix lists or CIDRs that need it."
            .to_owned()
    };
    let source = if cidr.contains(':') {
        format!(
            "IpProtocol={proto},FromPort={},ToPort={},Ipv6Ranges=[{{CidrIpv6={cidr}}}]",
            p.from_port.unwrap_or(-1),
            p.to_port.unwrap_or(-1)
        )
    } else {
        format!(
            "IpProtocol={proto},FromPort={},ToPort={},IpRanges=[{{CidrIp={cidr}}}]",
            p.from_port.unwrap_or(-1),
            p.to_port.unwrap_or(-1)
        )
    };
    format!(
        "Revoke it (aws ec2 revoke-security-group-ingress --group-id {} --ip-permissions '{source}'). {instead}",
        sg.group_id
    )
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

#[cfg(test)]
mod tests {
    use eksguard_core::aws::{IpPermission, SecurityGroup};

    fn fix(proto: &str, from: i64, to: i64) -> String {
        let sg = SecurityGroup {
            group_id: "sg-1".into(),
            ..Default::default()
        };
        let p = IpPermission {
            ip_protocol: Some(proto.into()),
            from_port: Some(from),
            to_port: Some(to),
            ..Default::default()
        };
        super::fix(&sg, &p, "0.0.0.0/0")
    }

    #[test]
    fn the_fix_fits_the_port_and_protocol() {
        assert_eq!(
            fix("tcp", 443, 443),
            "Revoke it (aws ec2 revoke-security-group-ingress --group-id sg-1 --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]'). Serve clients through a load balancer with its own security group (or a VPC endpoint for private clients); the cluster's security groups should admit only the cluster and its load balancers."
        );
        assert!(!fix("tcp", 443, 443).contains("SSH"));
        assert!(fix("tcp", 22, 22).contains("SSM Session Manager instead of SSH"));
        assert!(fix("tcp", 10250, 10250).contains("kubelet API must never face the internet"));
        assert!(fix("tcp", 30000, 32767).contains("Do not expose NodePorts"));
        assert!(fix("tcp", 3389, 3389).contains("instead of RDP"));
        assert!(fix("tcp", 0, 65535).contains("it includes SSH, tcp/22"));
        assert!(fix("udp", 53, 53).starts_with("Revoke it") && !fix("udp", 53, 53).contains("SSH"));
        assert!(fix("-1", -1, -1).contains("Allow only the protocols and ports that are needed"));
    }
}
