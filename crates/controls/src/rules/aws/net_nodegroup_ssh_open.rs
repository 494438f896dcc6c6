use super::{cluster, nodegroup_ref, report_aws};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{AwsData, Inventory, JsonPath, Need};

control! {
    /// ## What it checks
    /// Managed node groups (`eks describe-nodegroup`) with remote access
    /// (`remoteAccess.ec2SshKey`) and no `remoteAccess.sourceSecurityGroups`.
    ///
    /// ## Why it matters
    /// With an SSH key and no source security groups, EKS opens port 22 of
    /// every node in the group to `0.0.0.0/0` through the security group it
    /// creates for remote access. Any node with a public path can then be
    /// brute-forced or reached with a leaked key, and a shell on a node is
    /// the node role's credentials and every pod's secrets on it.
    ///
    /// ## Example
    /// ```json
    /// "remoteAccess": {"ec2SshKey": "ops-key"}
    /// ```
    ///
    /// ## Fix
    /// Reach nodes with SSM Session Manager instead of SSH and create the
    /// node group without `remoteAccess`; if SSH is needed, give
    /// `sourceSecurityGroups` (a bastion's security group). Remote access
    /// cannot be changed on an existing node group: create a new one and
    /// move the workloads.
    ///
    /// ## References
    /// - EKS API Reference, `RemoteAccessConfig` ("If you specify `ec2SshKey` but don't specify `sourceSecurityGroups`, port 22 on the nodes is opened to the internet (0.0.0.0/0)")
    /// - EKS Best Practices Guide, Infrastructure Security: "Minimize access to worker nodes"
    /// - CIS Amazon EKS Benchmark v1.8.0, 5.4 (cluster networking)
    pub struct NodegroupSshOpen {
        id: "NET-005",
        name: "nodegroup-ssh-open-to-internet",
        title: "Managed node group opens SSH to the internet",
        severity: High,
        pillar: Networking,
        responsibility: Customer,
    }
}

impl Control for NodegroupSshOpen {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::Cluster), Need::aws(AwsData::NodeGroups)];
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
        for ng in &facts.nodegroups {
            let Some(ra) = &ng.remote_access else {
                continue;
            };
            let Some(key) = ra.ec2_ssh_key.as_deref().filter(|k| !k.is_empty()) else {
                continue;
            };
            if ra
                .source_security_groups
                .as_ref()
                .is_some_and(|g| !g.is_empty())
            {
                continue;
            }
            report_aws(
                out,
                &Self::META,
                facts,
                nodegroup_ref(ng, c),
                &ng.source,
                JsonPath::keys(&["remoteAccess", "ec2SshKey"]),
                format!(
                    "node group {} of cluster {}: remote access with SSH key {key} and no sourceSecurityGroups: EKS opens tcp/22 of its nodes to 0.0.0.0/0",
                    ng.nodegroup_name, c.name
                ),
                format!(
                    "Reach the nodes with SSM Session Manager instead of SSH: create a node group without remoteAccess (or with sourceSecurityGroups set to a bastion's security group), move the workloads, and delete {}.",
                    ng.nodegroup_name
                ),
            );
        }
    }
}
