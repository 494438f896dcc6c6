use crate::util::rbac::{is_bootstrap, rules};
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};

control! {
    /// ## What it checks
    /// Roles and ClusterRoles that name the verbs `escalate` or `bind` on
    /// `roles`/`clusterroles`, or `impersonate` on `users`, `groups`,
    /// `serviceaccounts`, `uids` or `userextras/*`. Wildcard verbs are
    /// reported by IAM-011 instead. Bootstrap roles are not reported.
    ///
    /// ## Why it matters
    /// RBAC normally stops a subject from granting permissions it does not
    /// hold. `escalate` lifts that check when editing roles, `bind` when
    /// creating bindings, and `impersonate` lets the subject act as anyone,
    /// including `system:masters` members. Each is a path to cluster-admin.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules: [{apiGroups: [""], resources: ["users", "groups"], verbs: ["impersonate"]}]
    /// ```
    ///
    /// ## Fix
    /// Remove these verbs. Controllers that manage RBAC should be reviewed and
    /// restricted with `resourceNames`.
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.8 (limit use of the Bind, Impersonate and Escalate permissions)
    /// - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#escalate-verb
    pub struct RbacEscalationVerbs {
        id: "IAM-014",
        name: "rbac-escalate-bind-impersonate",
        title: "Role can escalate, bind or impersonate",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

const CHECKS: &[(&str, &str, &[&str])] = &[
    (
        "escalate",
        "rbac.authorization.k8s.io",
        &["roles", "clusterroles"],
    ),
    (
        "bind",
        "rbac.authorization.k8s.io",
        &["roles", "clusterroles"],
    ),
    ("impersonate", "", &["users", "groups", "serviceaccounts"]),
    (
        "impersonate",
        "authentication.k8s.io",
        &["uids", "userextras/scopes"],
    ),
];

impl Control for RbacEscalationVerbs {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["ClusterRole", "Role"]
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if obj.group() != "rbac.authorization.k8s.io" || is_bootstrap(obj) {
            return;
        }
        for rule in rules(&obj.raw) {
            let mut hits: Vec<String> = Vec::new();
            for (verb, group, resources) in CHECKS {
                if !rule.verbs.contains(verb) {
                    continue;
                }
                for res in *resources {
                    if rule.covers(group, res) {
                        let hit = format!("{verb} on {res}");
                        if !hits.contains(&hit) {
                            hits.push(hit);
                        }
                    }
                }
            }
            if hits.is_empty() {
                continue;
            }
            out.report(
                &Self::META,
                obj,
                JsonPath::keys(&["rules"]).index(rule.index).key("verbs"),
                format!("{} rule {} grants {}", obj.obj_ref().short(), rule.index, hits.join(", ")),
                "Remove escalate, bind and impersonate, or restrict them to specific objects with resourceNames.",
            );
        }
    }
}
