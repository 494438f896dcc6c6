use crate::util::rbac::is_bootstrap;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};
use serde_json::Value;

control! {
    /// ## What it checks
    /// RoleBindings and ClusterRoleBindings whose `roleRef` is the
    /// `cluster-admin` ClusterRole. The bootstrap binding the API server
    /// reconciles itself (`cluster-admin` → group `system:masters`, annotated
    /// `rbac.authorization.kubernetes.io/autoupdate: "true"`) is not reported.
    ///
    /// ## Why it matters
    /// `cluster-admin` is every verb on every resource. Bound cluster-wide it
    /// owns the cluster; bound in a namespace through a RoleBinding it owns
    /// that namespace, including its Secrets and the ability to run any pod
    /// with any ServiceAccount. On EKS, prefer access entries with scoped
    /// access policies for humans, and narrow Roles for workloads.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
    /// subjects: [{kind: ServiceAccount, name: ci, namespace: tools}]
    /// ```
    ///
    /// ## Fix
    /// Bind a Role or ClusterRole that grants only the verbs and resources the
    /// subject needs. For people, use EKS access entries with
    /// `AmazonEKSViewPolicy`/`AmazonEKSEditPolicy` scoped to namespaces.
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.1 (ensure that the cluster-admin role is only used where required)
    /// - EKS Best Practices Guide, Identity and Access Management: "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"
    /// - https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles
    pub struct ClusterAdminBinding {
        id: "IAM-010",
        name: "cluster-admin-binding",
        title: "Binding grants cluster-admin",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

/// `Kind name` of each subject, for messages.
pub(crate) fn subjects(binding: &Object) -> String {
    let list: Vec<String> = binding
        .raw
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| {
            let kind = s.get("kind").and_then(Value::as_str).unwrap_or("?");
            let name = s.get("name").and_then(Value::as_str).unwrap_or("?");
            match s.get("namespace").and_then(Value::as_str) {
                Some(ns) if kind == "ServiceAccount" => format!("{kind} {ns}/{name}"),
                _ => format!("{kind} {name}"),
            }
        })
        .collect();
    if list.is_empty() {
        "no subjects".into()
    } else {
        list.join(", ")
    }
}

impl Control for ClusterAdminBinding {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["ClusterRoleBinding", "RoleBinding"]
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if obj.group() != "rbac.authorization.k8s.io" || is_bootstrap(obj) {
            return;
        }
        let role_ref = obj.raw.get("roleRef");
        let kind = role_ref.and_then(|r| r.get("kind")).and_then(Value::as_str);
        let name = role_ref.and_then(|r| r.get("name")).and_then(Value::as_str);
        if kind != Some("ClusterRole") || name != Some("cluster-admin") {
            return;
        }
        let scope = match (&*obj.kind, &obj.namespace) {
            ("RoleBinding", Some(ns)) => format!("full control of namespace {ns}"),
            _ => "full control of the cluster".to_owned(),
        };
        out.report(
            &Self::META,
            obj,
            JsonPath::keys(&["roleRef", "name"]),
            format!("{} gives {} {scope} (cluster-admin)", obj.obj_ref().short(), subjects(obj)),
            "Bind a Role or ClusterRole that grants only what the subjects need; for people use EKS access entries with scoped access policies.",
        );
    }
}
