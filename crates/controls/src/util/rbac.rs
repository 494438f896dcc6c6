//! Reading RBAC rules.

use serde_json::Value;

/// One `PolicyRule` of a Role or ClusterRole.
pub struct Rule<'a> {
    pub index: usize,
    pub verbs: Vec<&'a str>,
    pub api_groups: Vec<&'a str>,
    pub resources: Vec<&'a str>,
    pub resource_names: Vec<&'a str>,
}

fn strs(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

pub fn rules(role: &Value) -> impl Iterator<Item = Rule<'_>> {
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
}

impl Rule<'_> {
    pub fn has_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| *v == "*" || *v == verb)
    }

    /// Whether the rule covers `resource` (e.g. `pods/exec`) in `group`, as
    /// the RBAC authorizer matches: `*` matches every resource, `*/sub` any
    /// resource's subresource (`pods/*` does not match `pods`).
    pub fn covers(&self, group: &str, resource: &str) -> bool {
        let group_ok = self.api_groups.iter().any(|g| *g == "*" || *g == group);
        let res_ok = self.resources.iter().any(|r| {
            *r == "*"
                || *r == resource
                || match (r.split_once('/'), resource.split_once('/')) {
                    (Some(("*", sub)), Some((_, want))) => sub == want,
                    (Some((res, "*")), Some((want, _))) => res == want,
                    _ => false,
                }
        });
        group_ok && res_ok
    }
}

/// Bootstrap objects the API server reconciles (`cluster-admin`, `admin`,
/// `system:*`): users cannot change them, so findings belong on bindings.
pub fn is_bootstrap(obj: &eksguard_core::Object) -> bool {
    obj.annotation("rbac.authorization.kubernetes.io/autoupdate") == Some("true")
}
