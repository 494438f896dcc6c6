//! What the live scan reads: every resource a control or engine looks at.

/// A resource the collector lists when the server serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// Lower-case plural, as in URLs and RBAC rules.
    pub plural: &'static str,
    pub kind: &'static str,
    /// The scan is meaningful without it: a 403 is a warning, not an error.
    pub optional: bool,
}

const fn w(group: &'static str, plural: &'static str, kind: &'static str) -> Wanted {
    Wanted {
        group,
        plural,
        kind,
        optional: false,
    }
}

/// Every resource the live scan lists, in the order objects reach the scan.
/// `deploy/rbac/eksguard-scan-clusterrole.yaml` grants exactly these (a test
/// keeps them equal).
pub const RESOURCES: &[Wanted] = &[
    w("", "namespaces", "Namespace"),
    w("", "pods", "Pod"),
    w("", "services", "Service"),
    w("", "serviceaccounts", "ServiceAccount"),
    w("", "configmaps", "ConfigMap"),
    // Only credential controls (IAM-002, IAM-006) read Secrets; clusters that do not grant `list secrets`
    // to auditors still get the rest of the scan.
    Wanted {
        group: "",
        plural: "secrets",
        kind: "Secret",
        optional: true,
    },
    w("", "replicationcontrollers", "ReplicationController"),
    w("", "podtemplates", "PodTemplate"),
    w("apps", "deployments", "Deployment"),
    w("apps", "statefulsets", "StatefulSet"),
    w("apps", "daemonsets", "DaemonSet"),
    w("apps", "replicasets", "ReplicaSet"),
    w("batch", "jobs", "Job"),
    w("batch", "cronjobs", "CronJob"),
    w("networking.k8s.io", "networkpolicies", "NetworkPolicy"),
    w("rbac.authorization.k8s.io", "roles", "Role"),
    w("rbac.authorization.k8s.io", "rolebindings", "RoleBinding"),
    w("rbac.authorization.k8s.io", "clusterroles", "ClusterRole"),
    w(
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
        "ClusterRoleBinding",
    ),
    w("storage.k8s.io", "storageclasses", "StorageClass"),
    w(
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
    ),
    w(
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
    ),
    // Admin and baseline tiers (upstream network-policy-api), when installed.
    w(
        "policy.networking.k8s.io",
        "adminnetworkpolicies",
        "AdminNetworkPolicy",
    ),
    w(
        "policy.networking.k8s.io",
        "baselineadminnetworkpolicies",
        "BaselineAdminNetworkPolicy",
    ),
    w(
        "policy.networking.k8s.io",
        "clusternetworkpolicies",
        "ClusterNetworkPolicy",
    ),
    // The EKS network policy agent's own policy kinds.
    w(
        "networking.k8s.aws",
        "applicationnetworkpolicies",
        "ApplicationNetworkPolicy",
    ),
    w(
        "networking.k8s.aws",
        "clusternetworkpolicies",
        "ClusterNetworkPolicy",
    ),
    // EKS Auto Mode compute.
    w("eks.amazonaws.com", "nodeclasses", "NodeClass"),
    w("karpenter.sh", "nodepools", "NodePool"),
];

/// The verbs the scan uses: `list` for every resource, `get` for the one
/// Namespace of a `--namespace` scan.
pub const VERBS: &[&str] = &["get", "list"];

impl Wanted {
    /// `deployments.apps`, `pods`: the name kubectl and RBAC errors use.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_owned()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The RBAC rule that allows reading this resource, as YAML flow.
    pub fn rbac_rule(&self) -> String {
        let verbs: Vec<String> = VERBS.iter().map(|v| format!("\"{v}\"")).collect();
        format!(
            "{{apiGroups: [\"{}\"], resources: [\"{}\"], verbs: [{}]}}",
            self.group,
            self.plural,
            verbs.join(", ")
        )
    }
}
