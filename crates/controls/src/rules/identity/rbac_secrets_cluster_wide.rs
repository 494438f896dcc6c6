use super::cluster_admin_binding::subjects;
use crate::Subjects;
use crate::util::rbac::{is_bootstrap, rules};
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};
use serde_json::Value;

control! {
    /// ## What it checks
    /// ClusterRoleBindings that bind a ClusterRole able to read Secrets in
    /// every namespace: a rule in API group `""` (or `*`) on `secrets` (or
    /// `*`) with `get`, `list` or `watch` (or `*`), and no `resourceNames`.
    /// Both the binding and the ClusterRole must be in the scanned input; the
    /// finding points at the binding, which is what grants the access.
    /// Bootstrap bindings reconciled by the API server are not reported.
    ///
    /// ## Why it matters
    /// Secrets hold database passwords, API keys and ServiceAccount tokens.
    /// `list` or `watch` on Secrets cluster-wide returns their contents in
    /// every namespace, so one compromised subject reads them all.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// metadata: {name: secret-reader}
    /// rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"]}]
    /// ---
    /// kind: ClusterRoleBinding
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
    /// subjects: [{kind: ServiceAccount, name: app, namespace: web}]
    /// ```
    ///
    /// ## Fix
    /// Bind the role with RoleBindings in the namespaces that need it, or
    /// restrict the rule to named Secrets with `resourceNames`.
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.2 (minimize access to secrets)
    /// - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets
    pub struct RbacSecretsClusterWide {
        id: "IAM-012",
        name: "rbac-secrets-read-cluster-wide",
        title: "Subjects can read Secrets in every namespace",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for RbacSecretsClusterWide {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("rbac.authorization.k8s.io", "ClusterRole")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Kinds(&[("rbac.authorization.k8s.io", "ClusterRoleBinding")])
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["ClusterRoleBinding"]
    }

    /// Cost: O(n) in objects: one O(1) ClusterRole lookup per binding.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        for binding in inv.of_kind("rbac.authorization.k8s.io", "ClusterRoleBinding") {
            if is_bootstrap(binding) {
                continue;
            }
            let role_ref = binding.raw.get("roleRef");
            if role_ref.and_then(|r| r.get("kind")).and_then(Value::as_str) != Some("ClusterRole") {
                continue;
            }
            let Some(name) = role_ref.and_then(|r| r.get("name")).and_then(Value::as_str) else {
                continue;
            };
            // cluster-admin has its own control (IAM-010).
            if name == "cluster-admin" {
                continue;
            }
            let Some(role) = inv.find("rbac.authorization.k8s.io", "ClusterRole", None, name)
            else {
                continue;
            };
            let verbs: Vec<&str> = rules(&role.raw)
                .filter(|r| r.resource_names.is_empty() && r.covers("", "secrets"))
                .flat_map(|r| {
                    ["get", "list", "watch"]
                        .into_iter()
                        .filter(move |v| r.has_verb(v))
                })
                .collect();
            if verbs.is_empty() {
                continue;
            }
            let mut verbs = verbs;
            verbs.sort_unstable();
            verbs.dedup();
            out.report(
                &Self::META,
                binding,
                JsonPath::keys(&["roleRef", "name"]),
                format!(
                    "{} lets {} {} Secrets in every namespace through ClusterRole {name}",
                    binding.obj_ref().short(),
                    subjects(binding),
                    verbs.join("/")
                ),
                "Use RoleBindings in the namespaces that need the access, or restrict the rule to named Secrets with resourceNames.",
            );
        }
    }
}
