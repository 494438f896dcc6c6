use crate::{Context, Control, ControlMeta, Sink, Subjects, control};
use eksguard_core::{Inventory, Need};
use eksguard_paths::TargetKind;

control! {
    /// ## What it checks
    /// Every attack path from the internet to Kubernetes cluster-admin: a
    /// ServiceAccount token (mounted in a reachable pod, or obtained by
    /// creating a pod, exec, or reading a token Secret) bound to every verb on
    /// every resource, to impersonating users or groups, or to `bind` /
    /// `escalate` cluster-wide; or an IAM role reachable from a pod that an EKS
    /// access entry (`AmazonEKSClusterAdminPolicy`, `system:masters`) or the
    /// `aws-auth` ConfigMap makes cluster-admin. The finding carries the path
    /// and sits at the cheapest change that breaks it.
    ///
    /// ## Why it matters
    /// A CI runner with cluster-admin is reachable from every pod of a cluster
    /// without NetworkPolicies; an exposed web front is then one hop from
    /// owning the cluster.
    ///
    /// ## Example
    /// ```text
    /// internet → shop/storefront[Service] → shop/storefront[Deployment] → tools/ci-runner[Deployment]
    ///   → ServiceAccount tools/ci-runner token → ClusterRoleBinding ci-runner-admin → cluster-admin
    /// ```
    ///
    /// ## Fix
    /// Apply the change the finding points at: isolate the privileged pod
    /// with a NetworkPolicy, stop mounting its token, or bind a narrower role.
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.1 (use cluster-admin only where required) and 4.1.8 (bind, impersonate, escalate)
    /// - https://kubernetes.io/docs/concepts/security/rbac-good-practices/
    /// - EKS User Guide, "Grant IAM users access to Kubernetes with EKS access entries"
    pub struct PathClusterAdmin {
        id: "PATH-003",
        name: "attack-path-cluster-admin",
        title: "Attack path from the internet to Kubernetes cluster-admin",
        severity: Critical,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for PathClusterAdmin {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("", "Service")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    fn check_inventory(&self, inv: &Inventory, ctx: &Context, out: &mut Sink) {
        super::report(inv, ctx, out, &Self::META, TargetKind::ClusterAdmin);
    }
}
