use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, Object, WORKLOAD_KINDS};
use serde_json::Value;
use std::collections::HashSet;

control! {
    /// ## What it checks
    /// Workloads that get a Kubernetes API token mounted although nothing in
    /// the scanned input grants their ServiceAccount any RBAC permission.
    /// The token is mounted unless the pod sets
    /// `automountServiceAccountToken: false`, or leaves it unset while its
    /// ServiceAccount sets it to `false` (the pod field wins, as the API server
    /// decides). A ServiceAccount "needs the API" when a RoleBinding or
    /// ClusterRoleBinding in the input names it, its namespace's
    /// `system:serviceaccounts:<ns>` group, or `system:serviceaccounts`.
    /// Pods that set the field to `true` explicitly are not reported.
    ///
    /// IRSA and EKS Pod Identity do not need this token: they use their own
    /// projected tokens, mounted independently of this setting.
    ///
    /// ## Why it matters
    /// A mounted token lets anyone who compromises the container talk to the
    /// API server as the pod. With no bindings it can still run discovery and
    /// `SelfSubjectReview`, and it becomes dangerous the moment someone binds
    /// a role to the account. Pods that never call the API should not carry it.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       serviceAccountName: web      # web has no RoleBinding
    /// ```
    ///
    /// ## Fix
    /// Set `automountServiceAccountToken: false` in the pod template (or on
    /// the ServiceAccount).
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.6 (ensure that Service Account Tokens are only mounted where necessary)
    /// - EKS Best Practices Guide, Identity and Access Management: "Disable auto-mounting of service account tokens"
    /// - https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting
    pub struct ServiceAccountTokenAutomount {
        id: "IAM-003",
        name: "service-account-token-automount",
        title: "API token mounted into a pod that does not use the API",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

/// ServiceAccounts (namespace, name) and groups that some binding names.
fn bound_subjects(inv: &Inventory) -> (HashSet<(String, String)>, HashSet<String>) {
    let mut accounts = HashSet::new();
    let mut groups = HashSet::new();
    let bindings = inv
        .of_kind("rbac.authorization.k8s.io", "RoleBinding")
        .chain(inv.of_kind("rbac.authorization.k8s.io", "ClusterRoleBinding"));
    for b in bindings {
        for s in b
            .raw
            .get("subjects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let kind = s.get("kind").and_then(Value::as_str).unwrap_or("");
            let name = s.get("name").and_then(Value::as_str).unwrap_or("");
            match kind {
                "ServiceAccount" => {
                    let ns = s
                        .get("namespace")
                        .and_then(Value::as_str)
                        .or(b.namespace.as_deref())
                        .unwrap_or("default");
                    accounts.insert((ns.to_owned(), name.to_owned()));
                }
                "Group" => {
                    groups.insert(name.to_owned());
                }
                "User" => {
                    if let Some(rest) = name.strip_prefix("system:serviceaccount:")
                        && let Some((ns, sa)) = rest.split_once(':')
                    {
                        accounts.insert((ns.to_owned(), sa.to_owned()));
                    }
                }
                _ => {}
            }
        }
    }
    (accounts, groups)
}

impl Control for ServiceAccountTokenAutomount {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[
            Need::kind("", "ServiceAccount"),
            Need::kind("rbac.authorization.k8s.io", "RoleBinding"),
            Need::kind("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Workloads
    }

    fn kinds(&self) -> &'static [&'static str] {
        WORKLOAD_KINDS
    }

    /// Cost: O(n) in objects: bound subjects collected once, then one O(1)
    /// ServiceAccount lookup per workload.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let (accounts, groups) = bound_subjects(inv);
        let all_sa_bound = groups.contains("system:serviceaccounts");
        for obj in inv.workloads() {
            check(obj, inv, &accounts, &groups, all_sa_bound, out);
        }
    }
}

fn check(
    obj: &Object,
    inv: &Inventory,
    accounts: &HashSet<(String, String)>,
    groups: &HashSet<String>,
    all_sa_bound: bool,
    out: &mut Sink,
) {
    let Some(pod) = obj.pod_spec() else { return };
    let ns = obj.namespace.as_deref().unwrap_or("default");
    let sa = pod.service_account();
    let sa_obj = inv.find("", "ServiceAccount", Some(ns), sa);
    // The pod field wins over the ServiceAccount's. `false` mounts nothing;
    // an explicit `true` is a deliberate choice and is not reported.
    if pod.bool_field("automountServiceAccountToken").is_some() {
        return;
    }
    let mounted = sa_obj
        .and_then(|s| s.raw.get("automountServiceAccountToken"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if !mounted {
        return;
    }
    let needed = all_sa_bound
        || groups.contains(&format!("system:serviceaccounts:{ns}"))
        || accounts.contains(&(ns.to_owned(), sa.to_owned()));
    if needed {
        return;
    }
    out.report(
        &ServiceAccountTokenAutomount::META,
        obj,
        pod.path.clone().key("automountServiceAccountToken"),
        format!(
            "{} mounts an API token for ServiceAccount {ns}/{sa}, which no RoleBinding or ClusterRoleBinding in the scanned input grants any permission",
            obj.obj_ref().short()
        ),
        "Set `automountServiceAccountToken: false` in the pod spec (or on the ServiceAccount) unless the workload calls the Kubernetes API.",
    );
}
