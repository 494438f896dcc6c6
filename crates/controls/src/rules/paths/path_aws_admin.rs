use crate::{Context, Control, ControlMeta, Sink, Subjects, control};
use eksguard_core::{AwsData, Inventory, Need};
use eksguard_paths::TargetKind;

control! {
    /// ## What it checks
    /// Every attack path from the internet to an IAM role that is an AWS
    /// administrator or can escalate its privileges (the IAM engine's
    /// escalation rules: `iam:PassRole` with a compute service, policy
    /// rewrites, trust rewrites, …). A path chains steps each engine
    /// computes exactly: an internet-facing load balancer (EKS Auto Mode /
    /// AWS Load Balancer Controller scheme, internal by default) or an open
    /// node port; the NetworkPolicies admitting the traffic; pod-to-pod
    /// reachability; Pod Security escapes to the node; IMDS and the node role;
    /// IRSA and Pod Identity bindings whose trust policy admits the
    /// ServiceAccount; `sts:AssumeRole` chaining; RBAC. The finding carries the
    /// path and sits at the change that breaks the most paths, including
    /// this one.
    ///
    /// ## Why it matters
    /// Each step is usually reported on its own and judged medium: an exposed
    /// service, a namespace without default deny, a role with `iam:PassRole`.
    /// Chained, they hand an anonymous attacker the AWS account. The path
    /// shows which single change closes it.
    ///
    /// ## Example
    /// ```text
    /// internet → shop/storefront[Service] (internet-facing NLB) → shop/storefront[Deployment]
    ///   → shop/thumbnailer[Deployment] (no NetworkPolicy isolates it)
    ///   → role/thumbnailer (IRSA, trust admits shop:thumbnailer) → role/media-pipeline (sts:AssumeRole)
    ///   → iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction on *
    /// ```
    ///
    /// ## Fix
    /// Apply the change the finding points at (make the load balancer
    /// internal, add the NetworkPolicy, tighten the trust condition, delete
    /// the statement); `eksguard paths PATH -f json` lists every path and
    /// every cut with the paths it breaks.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Use IRSA or EKS Pod Identity", "Restrict access to the instance profile assigned to the worker node"
    /// - EKS User Guide, "Use Service Annotations to configure Network Load Balancers" (scheme internal by default)
    /// - Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation"
    /// - MITRE ATT&CK for Containers, T1552.005 (Cloud Instance Metadata API), T1611 (Escape to Host)
    pub struct PathAwsAdmin {
        id: "PATH-001",
        name: "attack-path-aws-admin",
        title: "Attack path from the internet to AWS administrator or privilege escalation",
        severity: Critical,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for PathAwsAdmin {
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
        super::report(inv, ctx, out, &Self::META, TargetKind::AwsAdmin);
    }
}
