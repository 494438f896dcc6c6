use crate::{Context, Control, ControlMeta, Sink, Subjects, control};
use eksguard_core::{Inventory, Need};
use eksguard_paths::TargetKind;

control! {
    /// ## What it checks
    /// Every attack path from the internet to a ServiceAccount token (or IAM
    /// role through an access entry) that may `get`, `list` or `watch` Secrets
    /// in every namespace. Paths are built as for PATH-003; the finding carries
    /// the path and sits at the cheapest change that breaks it.
    ///
    /// ## Why it matters
    /// Secrets hold database passwords, API keys and the tokens of other
    /// ServiceAccounts; reading them all is lateral movement to everything.
    ///
    /// ## Example
    /// ```text
    /// internet → shop/storefront[Service] → shop/storefront[Deployment] → monitoring/prometheus[StatefulSet]
    ///   → ServiceAccount monitoring/prometheus token → ClusterRoleBinding prometheus → list secrets in every namespace
    /// ```
    ///
    /// ## Fix
    /// Apply the change the finding points at; bind Secret access per
    /// namespace or restrict it with `resourceNames`.
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.2 (minimize access to secrets)
    /// - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets
    pub struct PathClusterSecrets {
        id: "PATH-004",
        name: "attack-path-cluster-secrets",
        title: "Attack path from the internet to reading Secrets in every namespace",
        severity: High,
        pillar: DataProtection,
        responsibility: Customer,
    }
}

impl Control for PathClusterSecrets {
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
        super::report(inv, ctx, out, &Self::META, TargetKind::ClusterSecrets);
    }
}
