use super::{aws_ref, report_aws};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::aws::AwsSource;
use eksguard_core::{Inventory, JsonPath};

const CLUSTER_ADMIN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/// Tag that marks an access entry as a reviewed break-glass path.
pub(crate) const BREAK_GLASS_TAG: &str = "eksguard.io/break-glass";

control! {
    /// ## What it checks
    /// EKS access entries with `AmazonEKSClusterAdminPolicy` associated at
    /// `cluster` scope, except break-glass entries: the entry is tagged
    /// `eksguard.io/break-glass: "true"`, or the principal's role name
    /// contains `break-glass` or `breakglass`.
    ///
    /// ## Why it matters
    /// `AmazonEKSClusterAdminPolicy` at cluster scope is `cluster-admin`:
    /// every verb on every resource, including Secrets and RBAC. Each such
    /// entry is a path to full control of the cluster from AWS credentials.
    /// Keep it to one or two break-glass roles guarded by MFA and alerting;
    /// give everyone else scoped policies (`AmazonEKSEditPolicy` per
    /// namespace, `AmazonEKSViewPolicy`).
    ///
    /// ## Example
    /// ```json
    /// {"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "accessScope": {"type": "cluster"}}
    /// ```
    ///
    /// ## Fix
    /// `aws eks disassociate-access-policy` and associate a narrower policy
    /// with a `namespace` scope; tag the intended break-glass entries with
    /// `eksguard.io/break-glass=true`.
    ///
    /// ## References
    /// - EKS User Guide, "Review access policy permissions" (AmazonEKSClusterAdminPolicy)
    /// - EKS Best Practices Guide, Identity and Access Management: "Employ least privileged access"
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.1 (cluster-admin only where required)
    pub struct ClusterAdminEntries {
        id: "ACC-003",
        name: "eks-access-entry-cluster-admin",
        title: "Access entry grants cluster-wide AmazonEKSClusterAdminPolicy",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for ClusterAdminEntries {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::AccessEntries)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    /// Cost: O(1) in objects: reads the AWS facts (inventory lookups are
    /// O(1)).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some(facts) = inv.aws.as_ref() else {
            return;
        };
        for entry in &facts.access_entries {
            let tagged = entry
                .tags
                .as_ref()
                .and_then(|t| t.get(BREAK_GLASS_TAG))
                .is_some_and(|v| v == "true");
            let name = entry
                .principal_arn
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if tagged || name.contains("break-glass") || name.contains("breakglass") {
                continue;
            }
            for (i, p) in entry.policies.iter().enumerate() {
                let scope = p
                    .access_scope
                    .as_ref()
                    .and_then(|s| s.scope_type.as_deref());
                if p.policy_arn != CLUSTER_ADMIN || scope != Some("cluster") {
                    continue;
                }
                let arn = entry
                    .access_entry_arn
                    .clone()
                    .unwrap_or_else(|| entry.principal_arn.clone());
                let object = aws_ref(
                    "aws:eks/2017-11-01",
                    "AWS::EKS::AccessEntry",
                    &entry.principal_arn,
                    &arn,
                );
                report_aws(
                    out,
                    &Self::META,
                    facts,
                    object,
                    // The field is named from the file's root: associatedAccessPolicies[N].policyArn.
                    &AwsSource {
                        origin: p.source.origin.clone(),
                        path: JsonPath::root(),
                    },
                    p.source.path.clone().key("policyArn"),
                    format!(
                        "access entry for {}: associatedAccessPolicies[{i}].policyArn is AmazonEKSClusterAdminPolicy with accessScope.type cluster: full control of the cluster",
                        entry.principal_arn
                    ),
                    format!(
                        "Associate a narrower, namespace-scoped access policy, or tag the entry {BREAK_GLASS_TAG}=true if it is the break-glass path."
                    ),
                );
            }
        }
    }
}
