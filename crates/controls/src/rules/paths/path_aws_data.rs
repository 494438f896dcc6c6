use crate::{Context, Control, ControlMeta, Sink, Subjects, control};
use eksguard_core::{AwsData, Inventory, Need};
use eksguard_paths::TargetKind;

control! {
    /// ## What it checks
    /// Every attack path from the internet to an IAM role that reads data
    /// broadly: `s3:GetObject` on every bucket, `secretsmanager:GetSecretValue`
    /// or SSM `GetParameter(s)ByPath` on everything, `kms:Decrypt` with every
    /// key (the IAM engine's data-power rules, on `*` or on every resource of
    /// the type). Paths are built as for PATH-001: exposure, NetworkPolicy
    /// reachability, escapes, IMDS and the node role, IRSA / Pod Identity,
    /// role chaining, RBAC; the finding carries the path and sits at the
    /// cheapest change that breaks it.
    ///
    /// ## Why it matters
    /// A node role with `AmazonS3FullAccess`, or a workload role reading every
    /// secret, is one IMDS call or one lateral hop away from an internet-facing
    /// pod: the data leaves without any credential being stolen.
    ///
    /// ## Example
    /// ```text
    /// internet → shop/storefront[Service] → shop/storefront[Deployment] → monitoring/node-exporter[DaemonSet]
    ///   → hostNetwork: IMDS → role/eks-auto-node-role → s3:GetObject on * (AmazonS3FullAccess)
    /// ```
    ///
    /// ## Fix
    /// Apply the change the finding points at; scope the role's data
    /// permissions to the buckets, secrets and keys it needs.
    ///
    /// ## References
    /// - AWS KMS Developer Guide, "Best practices for IAM policies"
    /// - AWS Secrets Manager User Guide, "Authentication and access control"
    /// - Amazon S3 User Guide, "Security best practices for Amazon S3"
    /// - EKS Best Practices Guide, Identity and Access Management
    pub struct PathAwsData {
        id: "PATH-002",
        name: "attack-path-aws-data",
        title: "Attack path from the internet to AWS data access",
        severity: High,
        pillar: DataProtection,
        responsibility: Customer,
    }
}

impl Control for PathAwsData {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("", "Service"), Need::aws(AwsData::IamRoles)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    fn check_inventory(&self, inv: &Inventory, ctx: &Context, out: &mut Sink) {
        super::report(inv, ctx, out, &Self::META, TargetKind::AwsData);
    }
}
