use super::{identity, report_role, role_ref};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};
use eksguard_iam::{NODE_ROLE_BASELINE, node_role_extra_policies, role_access};

control! {
    /// ## What it checks
    /// The EKS Auto Mode node role (`computeConfig.nodeRoleArn`): every
    /// attached managed policy other than the AWS-managed
    /// `AmazonEKSWorkerNodeMinimalPolicy` and
    /// `AmazonEC2ContainerRegistryPullOnly`, and every inline policy.
    ///
    /// ## Why it matters
    /// The node role is the identity of the instance, served by IMDS. Pods
    /// without IRSA or Pod Identity whose SDK falls back to IMDS, pods on the
    /// host network, and anyone who escapes a container reach it. Whatever
    /// is added to it is granted to all of them at once, and AWS CloudTrail
    /// cannot tell which pod used it. Auto Mode needs only the two baseline
    /// policies.
    ///
    /// ## Example
    /// ```json
    /// {"AttachedPolicies": [
    ///   {"PolicyName": "AmazonEKSWorkerNodeMinimalPolicy", "PolicyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodeMinimalPolicy"},
    ///   {"PolicyName": "AmazonEC2ContainerRegistryPullOnly", "PolicyArn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"},
    ///   {"PolicyName": "AmazonS3FullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}]}
    /// ```
    ///
    /// ## Fix
    /// Detach the extra policies and give the workloads that need them their
    /// own role through EKS Pod Identity or IRSA.
    ///
    /// ## References
    /// - EKS User Guide, "Amazon EKS Auto Mode node IAM role" (AmazonEKSWorkerNodeMinimalPolicy, AmazonEC2ContainerRegistryPullOnly)
    /// - EKS Best Practices Guide, Identity and Access Management: "Restrict access to the instance profile assigned to the worker node"
    /// - IAM User Guide, "Apply least-privilege permissions"
    pub struct NodeRoleExtraPolicies {
        id: "IAM-033",
        name: "node-role-extra-policies",
        title: "Node role has policies beyond the Auto Mode baseline",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

const FIX: &str = "Detach the policy from the node role; grant what workloads need through EKS Pod Identity or IRSA roles of their own.";

impl Control for NodeRoleExtraPolicies {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::Cluster), Need::aws(AwsData::IamRoles)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    /// Cost: O(n) in objects: reads the identity view, built once per scan
    /// in O(n) (indexed ServiceAccount and workload lookups) and shared by
    /// the identity controls.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let (Some(facts), Some(id)) = (inv.aws.as_ref(), identity(inv)) else {
            return;
        };
        let Some(node) = id.node_role.as_deref() else {
            return;
        };
        let Some(role) = id.role_index(node).and_then(|i| facts.roles.get(i)) else {
            return;
        };
        let arns: Vec<String> = role
            .attached_policies
            .iter()
            .map(|p| p.policy_arn.clone())
            .collect();
        let extra = node_role_extra_policies(&arns);
        if extra.is_empty() && role.inline_policies.is_empty() {
            return;
        }
        let access = role_access(&id.account, node);
        // What one policy contributes, by the risk rules it satisfies.
        let risks = |label: &str| {
            let mut v: Vec<&str> = access
                .escalation
                .iter()
                .chain(&access.data_power)
                .filter(|h| h.grants.iter().any(|g| g.policy == label))
                .map(|h| h.rule)
                .collect();
            v.dedup();
            if v.is_empty() {
                String::new()
            } else {
                format!(" (risky: {})", v.join(", "))
            }
        };
        let baseline = NODE_ROLE_BASELINE.join(" + ");
        for (j, p) in role.attached_policies.iter().enumerate() {
            if !extra.contains(&p.policy_arn.as_str()) {
                continue;
            }
            report_role(
                out,
                &Self::META,
                facts,
                role,
                JsonPath::keys(&["AttachedPolicies"])
                    .index(j)
                    .key("PolicyArn"),
                format!(
                    "node role {node} has {} attached beyond the Auto Mode baseline ({baseline}){}: every pod without IRSA or Pod Identity that reaches IMDS gets it",
                    p.policy_arn,
                    risks(&p.policy_arn)
                ),
                FIX,
            );
        }
        for p in &role.inline_policies {
            let field = JsonPath::keys(&["PolicyDocument"]);
            let location = facts.locate(&p.source, &field);
            out.report_ref(
                &Self::META,
                role_ref(role),
                location,
                JsonPath::keys(&["RolePolicies"]).key(p.policy_name.clone()).to_string(),
                format!(
                    "node role {node} has the inline policy {}{}, beyond the Auto Mode baseline ({baseline}): every pod without IRSA or Pod Identity that reaches IMDS gets it",
                    p.policy_name,
                    risks(&format!("inline:{}", p.policy_name))
                ),
                FIX,
            );
        }
    }
}
