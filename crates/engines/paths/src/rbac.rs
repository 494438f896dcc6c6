//! RBAC: what a ServiceAccount's bindings let its token do, in the terms the
//! graph needs (cluster-admin, Secrets everywhere, and per-namespace
//! capabilities: create pods, exec, read Secrets, act as ServiceAccounts).
//!
//! Matching follows the RBAC authorizer: a rule applies when a verb, an API
//! group and a resource match (`*` matches everything; `*/sub` any
//! resource's subresource; `res/*` every subresource of `res`), and a rule
//! with `resourceNames` only covers those names. Roles are additive; nothing
//! denies.

use crate::model::CapKind;
use serde_json::{Value, json};

/// One `PolicyRule` of a Role or ClusterRole.
#[derive(Debug, Clone)]
pub struct Rule {
    pub index: usize,
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
}

fn strs(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The rules of a Role or ClusterRole object.
pub fn rules(role: &Value) -> Vec<Rule> {
    role.get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(index, r)| Rule {
            index,
            verbs: strs(r.get("verbs")),
            api_groups: strs(r.get("apiGroups")),
            resources: strs(r.get("resources")),
            resource_names: strs(r.get("resourceNames")),
        })
        .collect()
}

/// The default ClusterRoles the API server creates, for bindings whose
/// ClusterRole is not in the input (trimmed to what matters here).
/// Source: Kubernetes RBAC docs, "User-facing roles"
/// (<https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles>).
pub fn builtin(name: &str) -> Option<Value> {
    let workloads = json!({"apiGroups": ["apps"], "resources": ["deployments", "daemonsets", "replicasets", "statefulsets"],
                           "verbs": ["create", "delete", "deletecollection", "patch", "update"]});
    let batch = json!({"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"],
                       "verbs": ["create", "delete", "deletecollection", "patch", "update"]});
    let pods = json!({"apiGroups": [""], "resources": ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"],
                      "verbs": ["create", "delete", "deletecollection", "patch", "update", "get", "list", "watch"]});
    let secrets = json!({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch", "create", "delete", "patch", "update"]});
    let impersonate =
        json!({"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]});
    let rules = match name {
        "cluster-admin" => json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
        "admin" => json!([
            workloads,
            batch,
            pods,
            secrets,
            impersonate,
            {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]}
        ]),
        "edit" => json!([workloads, batch, pods, secrets, impersonate]),
        "view" => {
            json!([{"apiGroups": ["", "apps", "batch"], "resources": ["pods", "deployments", "jobs", "services", "configmaps"], "verbs": ["get", "list", "watch"]}])
        }
        _ => return None,
    };
    Some(json!({"rules": rules}))
}

impl Rule {
    pub fn has_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == "*" || v == verb)
    }

    /// As the RBAC authorizer matches a group and resource.
    pub fn covers(&self, group: &str, resource: &str) -> bool {
        let group_ok = self.api_groups.iter().any(|g| g == "*" || g == group);
        let res_ok = self.resources.iter().any(|r| {
            r == "*"
                || r == resource
                || match (r.split_once('/'), resource.split_once('/')) {
                    (Some(("*", sub)), Some((_, want))) => sub == want,
                    (Some((res, "*")), Some((want, _))) => res == want,
                    _ => false,
                }
        });
        group_ok && res_ok
    }

    fn any(&self, verbs: &[&str], group: &str, resources: &[&str]) -> Option<String> {
        let v = verbs.iter().find(|v| self.has_verb(v))?;
        let r = resources.iter().find(|r| self.covers(group, r))?;
        Some(format!("{v} {r}"))
    }

    fn unnamed(&self) -> bool {
        self.resource_names.is_empty()
    }
}

/// What one binding's role gives its subjects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Cluster-admin, with the rule index and why.
    pub cluster_admin: Option<(usize, String)>,
    /// Secrets in every namespace.
    pub cluster_secrets: Option<(usize, String)>,
    /// Capabilities in the binding's scope (a namespace, or all of them).
    pub caps: Vec<(CapKind, usize, String)>,
    /// For [`CapKind::SaToken`]: only these ServiceAccount names (`None`: all).
    pub token_names: Option<Vec<String>>,
}

impl Grants {
    pub fn is_empty(&self) -> bool {
        self.cluster_admin.is_none() && self.cluster_secrets.is_none() && self.caps.is_empty()
    }
}

const RBAC: &str = "rbac.authorization.k8s.io";

/// The grants of `rules`, bound cluster-wide (`cluster_scope`, a
/// ClusterRoleBinding) or in one namespace (a RoleBinding).
pub fn grants(rules: &[Rule], cluster_scope: bool) -> Grants {
    let mut g = Grants::default();
    let cap = |g: &mut Grants, k: CapKind, i: usize, why: String| {
        if !g.caps.iter().any(|(c, _, _)| *c == k) {
            g.caps.push((k, i, why));
        }
    };
    let mut names: Option<Vec<String>> = Some(Vec::new());
    for r in rules {
        let i = r.index;
        if cluster_scope && g.cluster_admin.is_none() {
            let why = if r.unnamed()
                && r.has_verb("*")
                && r.covers("*", "*")
                && r.api_groups.iter().any(|x| x == "*")
                && r.resources.iter().any(|x| x == "*")
            {
                Some("every verb on every resource".to_owned())
            } else if r.unnamed() && (r.any(&["impersonate"], "", &["users", "groups"]).is_some()) {
                Some("impersonate any user or group, including system:masters".to_owned())
            } else if r.has_verb("bind")
                && r.covers(RBAC, "clusterroles")
                && r.unnamed()
                && rules
                    .iter()
                    .any(|o| o.has_verb("create") && o.covers(RBAC, "clusterrolebindings"))
            {
                Some(
                    "bind any ClusterRole (cluster-admin included) with a new ClusterRoleBinding"
                        .to_owned(),
                )
            } else if r.has_verb("escalate")
                && r.covers(RBAC, "clusterroles")
                && rules.iter().any(|o| {
                    (o.has_verb("update") || o.has_verb("patch")) && o.covers(RBAC, "clusterroles")
                })
            {
                Some("escalate: rewrite a ClusterRole bound to it with any permission".to_owned())
            } else {
                None
            };
            if let Some(w) = why {
                g.cluster_admin = Some((i, w));
            }
        }
        if r.unnamed()
            && let Some(v) = r.any(&["get", "list", "watch"], "", &["secrets"])
        {
            if cluster_scope && g.cluster_secrets.is_none() {
                g.cluster_secrets = Some((i, format!("{v} in every namespace")));
            }
            cap(&mut g, CapKind::ReadSecrets, i, v);
        }
        if let Some(v) = r.any(&["create"], "", &["pods"]) {
            cap(&mut g, CapKind::CreatePods, i, v);
        } else if let Some(v) = r
            .any(
                &["create", "update", "patch"],
                "apps",
                &["deployments", "daemonsets", "statefulsets", "replicasets"],
            )
            .or_else(|| {
                r.any(
                    &["create", "update", "patch"],
                    "batch",
                    &["jobs", "cronjobs"],
                )
            })
            .or_else(|| {
                r.any(
                    &["create", "update", "patch"],
                    "",
                    &["replicationcontrollers"],
                )
            })
        {
            cap(&mut g, CapKind::CreatePods, i, v);
        }
        if r.unnamed()
            && let Some(v) = r.any(&["create", "get"], "", &["pods/exec", "pods/attach"])
        {
            cap(&mut g, CapKind::Exec, i, v);
        }
        let token = r
            .any(&["create"], "", &["serviceaccounts/token"])
            .or_else(|| r.any(&["impersonate"], "", &["serviceaccounts"]));
        if let Some(v) = token {
            match (&mut names, r.unnamed()) {
                (_, true) => names = None,
                (Some(n), false) => n.extend(r.resource_names.iter().cloned()),
                (None, false) => {}
            }
            cap(&mut g, CapKind::SaToken, i, v);
        }
        // In a namespace, `bind` (with creating RoleBindings) or `escalate`
        // (with editing Roles) makes the subject admin of the namespace.
        if !cluster_scope
            && ((r.has_verb("bind")
                && (r.covers(RBAC, "roles") || r.covers(RBAC, "clusterroles"))
                && rules
                    .iter()
                    .any(|o| o.has_verb("create") && o.covers(RBAC, "rolebindings")))
                || (r.has_verb("escalate")
                    && r.covers(RBAC, "roles")
                    && rules.iter().any(|o| {
                        (o.has_verb("update") || o.has_verb("patch")) && o.covers(RBAC, "roles")
                    })))
        {
            let why = "bind/escalate: grant itself any role in the namespace".to_owned();
            for k in [
                CapKind::CreatePods,
                CapKind::Exec,
                CapKind::ReadSecrets,
                CapKind::SaToken,
            ] {
                cap(&mut g, k, i, why.clone());
            }
            names = None;
        }
    }
    if g.caps.iter().any(|(c, _, _)| *c == CapKind::SaToken) {
        g.token_names = names;
    }
    g
}

/// The ServiceAccounts a binding subject names, given the binding's
/// namespace: `Some((namespace or None for all, name or None for all))`.
/// Users `system:serviceaccount:NS:NAME` and the groups
/// `system:serviceaccounts`, `system:serviceaccounts:NS` and
/// `system:authenticated` cover ServiceAccounts; other users and groups
/// are people, not pods.
pub fn subject_service_accounts(
    subject: &Value,
    binding_ns: Option<&str>,
) -> Option<(Option<String>, Option<String>)> {
    let kind = subject.get("kind").and_then(Value::as_str)?;
    let name = subject.get("name").and_then(Value::as_str)?;
    match kind {
        "ServiceAccount" => {
            let ns = subject
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .or(binding_ns)?;
            Some((Some(ns.to_owned()), Some(name.to_owned())))
        }
        "User" => {
            let rest = name.strip_prefix("system:serviceaccount:")?;
            let (ns, sa) = rest.split_once(':')?;
            Some((Some(ns.to_owned()), Some(sa.to_owned())))
        }
        "Group" => match name {
            "system:serviceaccounts" | "system:authenticated" => Some((None, None)),
            _ => name
                .strip_prefix("system:serviceaccounts:")
                .map(|ns| (Some(ns.to_owned()), None)),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(rules_json: Value, cluster: bool) -> Grants {
        grants(&rules(&json!({"rules": rules_json})), cluster)
    }

    #[test]
    fn cluster_admin_and_its_equivalents() {
        assert!(
            g(
                json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
                true
            )
            .cluster_admin
            .is_some()
        );
        assert!(
            g(
                json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
                false
            )
            .cluster_admin
            .is_none()
        );
        assert!(
            g(
                json!([{"apiGroups": [""], "resources": ["groups"], "verbs": ["impersonate"]}]),
                true
            )
            .cluster_admin
            .is_some()
        );
        let bind_only = json!([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]}]);
        assert!(
            g(bind_only, true).cluster_admin.is_none(),
            "bind needs create on clusterrolebindings"
        );
        let bind = json!([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]},
                          {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterrolebindings"], "verbs": ["create"]}]);
        assert!(g(bind, true).cluster_admin.is_some());
    }

    #[test]
    fn namespace_capabilities() {
        let support = json!([{"apiGroups": [""], "resources": ["pods", "pods/log", "pods/exec"], "verbs": ["get", "list", "create"]},
                             {"apiGroups": ["apps"], "resources": ["*"], "verbs": ["*"]}]);
        let gr = g(support, false);
        let kinds: Vec<CapKind> = gr.caps.iter().map(|c| c.0).collect();
        assert_eq!(kinds, [CapKind::CreatePods, CapKind::Exec]);
        let named = json!([{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["a"], "verbs": ["get"]}]);
        assert!(g(named, true).is_empty());
        let reader = json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]);
        let gr = g(reader, true);
        assert!(gr.cluster_secrets.is_some());
        assert_eq!(gr.caps[0].0, CapKind::ReadSecrets);
    }

    #[test]
    fn subjects_that_are_service_accounts() {
        assert_eq!(
            subject_service_accounts(&json!({"kind": "ServiceAccount", "name": "a"}), Some("ns")),
            Some((Some("ns".into()), Some("a".into())))
        );
        assert_eq!(
            subject_service_accounts(
                &json!({"kind": "Group", "name": "system:serviceaccounts:x"}),
                None
            ),
            Some((Some("x".into()), None))
        );
        assert_eq!(
            subject_service_accounts(&json!({"kind": "Group", "name": "support-engineers"}), None),
            None
        );
    }
}
