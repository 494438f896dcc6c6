//! The rule catalog: one rule per file, registered in [`RULES`].
//!
//! Single-event rules (`AUD-0xx`) are pure functions of one event and run in
//! parallel. Correlation rules (`AUD-1xx`) keep bounded state and run in
//! input order with state bounded in size and time.
//!
//! The pod-spec rules (AUD-001..005, AUD-018, AUD-024) also judge the pods
//! controllers create, although the controllers are allow-listed: one
//! detection per rule and owning workload (a ReplicaSet's Deployment, a
//! Job's CronJob, a DaemonSet, a StatefulSet, ...) per
//! `controller_pod_window_secs`, counting the pods, and none when the
//! workload's creation was reported in that window (see the crate docs).
//!
//! # Coverage of Falco's `k8s_audit_rules.yaml`
//!
//! | Falco rule | eksguard |
//! |---|---|
//! | Disallowed K8s User | AUD-026 (opt-in: needs `allowed_users`) |
//! | Create Disallowed Pod | AUD-024 (images outside `allowed_registries`) |
//! | Create Privileged Pod | AUD-001 (also workload templates, and controllers' pods once per owner) |
//! | Create Sensitive Mount Pod | AUD-002 |
//! | Create HostNetwork Pod | AUD-003 |
//! | Create HostPid Pod | AUD-004 |
//! | Create HostIPC Pod | AUD-005 |
//! | Create NodePort Service | AUD-021 |
//! | Create/Modify Configmap With Private Credentials | AUD-020 |
//! | Anonymous Request Allowed | AUD-010 |
//! | Attach/Exec Pod | AUD-006 (AUD-007 for kube-system, AUD-101 when privileged) |
//! | port-forward | AUD-008 |
//! | EphemeralContainers Created | AUD-009 |
//! | Create Disallowed Namespace | AUD-025 (opt-in: needs `allowed_namespaces`) |
//! | Pod Created in Kube Namespace | AUD-018 (also pods of controllers, once per owner) |
//! | Service Account Created in Kube Namespace | AUD-019 |
//! | System ClusterRole Modified/Deleted | AUD-017 |
//! | Attach to cluster-admin Role | AUD-012 |
//! | ClusterRole With Wildcard Created | AUD-014 |
//! | ClusterRole With Write Privileges Created | AUD-015 |
//! | ClusterRole With Pod Exec Created | AUD-016 |
//! | K8s Deployment/Service/ConfigMap/Namespace/Serviceaccount/Role/ClusterRole/RoleBinding/ClusterRoleBinding Created/Deleted, K8s Secret Created/Deleted | AUD-031 (informational, off by default like Falco's activity stream is noise for most) |
//! | K8s Secret Get Successfully | AUD-022 |
//! | K8s Secret Get Unsuccessfully Tried | AUD-023 |
//! | All K8s Audit Events | not covered: disabled in Falco, it is a raw event dump |
//! | Full K8s Administrative Access | AUD-027 (off by default, as in Falco) |
//! | Ingress Object without TLS Certificate Created | AUD-028 |
//! | Untrusted Node Successfully Joined the Cluster / Unsuccessfully Tried to Join | AUD-029 |
//!
//! # Coverage of GuardDuty EKS audit-log finding types
//!
//! | GuardDuty type | eksguard |
//! |---|---|
//! | Policy:Kubernetes/AnonymousAccessGranted | AUD-011 |
//! | Discovery, Impact, Persistence, PrivilegeEscalation, CredentialAccess, DefenseEvasion :Kubernetes/SuccessfulAnonymousAccess | AUD-010 (the tactic is derived from verb and resource, approximately) |
//! | Execution:Kubernetes/ExecInKubeSystemPod | AUD-007 |
//! | PrivilegeEscalation:Kubernetes/PrivilegedContainer (retired by AWS, superseded by AnomalousBehavior.WorkloadDeployed!PrivilegedContainer) | AUD-001 |
//! | Persistence:Kubernetes/ContainerWithSensitiveMount (retired, superseded by AnomalousBehavior.WorkloadDeployed!ContainerWithSensitiveMount) | AUD-002 |
//! | Policy:Kubernetes/AdminAccessToDefaultServiceAccount | AUD-013 |
//! | Policy:Kubernetes/ExposedDashboard, Policy:Kubernetes/KubeflowDashboardExposed | AUD-030 |
//! | Discovery:Kubernetes/AnomalousBehavior.PermissionChecked | AUD-032 (every self-review, no baseline) and AUD-105 |
//! | CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed | AUD-022 / AUD-102 (threshold, not a learned baseline) |
//! | PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleBindingCreated, .RoleCreated | AUD-012..016, AUD-104 (rule-based, no baseline) |
//! | Execution:Kubernetes/AnomalousBehavior.ExecInPod | AUD-006 (every exec, no baseline) |
//! | Execution:Kubernetes/AnomalousBehavior.WorkloadDeployed | AUD-024 (unexpected registry, no baseline) |
//! | *:Kubernetes/MaliciousIPCaller, *.Custom, *:Kubernetes/TorIPCaller | not covered: need threat-intelligence IP lists the audit log does not carry |
//! | Anomalous-behaviour types as such | approximated only: GuardDuty learns a per-cluster baseline, eksguard applies fixed rules |
//! | CredentialAccess:Kubernetes/... from runtime monitoring, EC2-side types | not covered: not derivable from the audit log |

use crate::config::Compiled;
use crate::controller_pods::Grouped;
use crate::event::Event;
use crate::objects::{self, BindingBody, Meta, PodSpec, RoleBody};
use eksguard_core::Severity;
use std::cell::OnceCell;

mod aud001_privileged;
mod aud002_sensitive_mount;
mod aud003_host_network;
mod aud004_host_pid;
mod aud005_host_ipc;
mod aud006_exec_attach;
mod aud007_exec_kube_system;
mod aud008_port_forward;
mod aud009_ephemeral_container;
mod aud010_anonymous_allowed;
mod aud011_anonymous_granted;
mod aud012_cluster_admin_binding;
mod aud013_default_sa_admin;
mod aud014_wildcard_role;
mod aud015_write_role;
mod aud016_exec_role;
mod aud017_system_role_changed;
mod aud018_pod_kube_namespace;
mod aud019_sa_kube_namespace;
mod aud020_configmap_credentials;
mod aud021_nodeport_service;
mod aud022_secret_read;
mod aud023_secret_denied;
mod aud024_unexpected_image;
mod aud025_disallowed_namespace;
mod aud026_disallowed_user;
mod aud027_admin_user;
mod aud028_ingress_no_tls;
mod aud029_node_registration;
mod aud030_dashboard_exposed;
mod aud031_lifecycle;
mod aud032_permission_checked;
pub(crate) mod aud101_exec_privileged_pod;
pub(crate) mod aud102_secrets_spread;
pub(crate) mod aud103_token_outside_cluster;
pub(crate) mod aud104_binding_used;
pub(crate) mod aud105_permission_probing;

/// Every rule, in ID order.
pub static RULES: &[Rule] = &[
    aud001_privileged::RULE,
    aud002_sensitive_mount::RULE,
    aud003_host_network::RULE,
    aud004_host_pid::RULE,
    aud005_host_ipc::RULE,
    aud006_exec_attach::RULE,
    aud007_exec_kube_system::RULE,
    aud008_port_forward::RULE,
    aud009_ephemeral_container::RULE,
    aud010_anonymous_allowed::RULE,
    aud011_anonymous_granted::RULE,
    aud012_cluster_admin_binding::RULE,
    aud013_default_sa_admin::RULE,
    aud014_wildcard_role::RULE,
    aud015_write_role::RULE,
    aud016_exec_role::RULE,
    aud017_system_role_changed::RULE,
    aud018_pod_kube_namespace::RULE,
    aud019_sa_kube_namespace::RULE,
    aud020_configmap_credentials::RULE,
    aud021_nodeport_service::RULE,
    aud022_secret_read::RULE,
    aud023_secret_denied::RULE,
    aud024_unexpected_image::RULE,
    aud025_disallowed_namespace::RULE,
    aud026_disallowed_user::RULE,
    aud027_admin_user::RULE,
    aud028_ingress_no_tls::RULE,
    aud029_node_registration::RULE,
    aud030_dashboard_exposed::RULE,
    aud031_lifecycle::RULE,
    aud032_permission_checked::RULE,
    aud101_exec_privileged_pod::RULE,
    aud102_secrets_spread::RULE,
    aud103_token_outside_cluster::RULE,
    aud104_binding_used::RULE,
    aud105_permission_probing::RULE,
];

/// Looks a rule up by ID (`AUD-001`).
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// A MITRE ATT&CK for Containers technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Technique {
    /// `T1611` or `T1098.006`.
    pub id: &'static str,
    pub name: &'static str,
}

impl Technique {
    /// The technique's page on attack.mitre.org.
    pub fn url(&self) -> String {
        format!(
            "https://attack.mitre.org/techniques/{}/",
            self.id.replace('.', "/")
        )
    }
}

/// Whether a rule judges one event or a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Event,
    Correlation,
}

/// The text `eksguard explain` prints.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    pub what: &'static str,
    pub why: &'static str,
    pub example: &'static str,
    pub response: &'static str,
    pub references: &'static [&'static str],
}

pub(crate) type Check = for<'e, 'a> fn(&Ctx<'e, 'a>) -> Option<String>;

/// What a pod-spec rule found in one pod spec, phrased for that pod and for
/// a group of pods of one owner.
#[derive(Debug, Clone)]
pub(crate) struct PodFinding {
    /// Completes "`pods web-0 created` …": `with hostNetwork: true (images x)`.
    pub created: String,
    /// Completes "`3 pods of DaemonSet a/b created by daemon-set-controller
    /// are` …": `using hostNetwork: true (images x)`.
    pub state: String,
}

impl PodFinding {
    /// The single-event message: `pods web-0 created with …`.
    pub fn message(&self, cx: &Ctx<'_, '_>) -> String {
        format!(
            "{} {} created {}{}",
            cx.ev.resource(),
            cx.pod_name(),
            self.created,
            cx.outcome()
        )
    }
}

/// A pod-spec rule's judgement of one pod spec.
pub(crate) type PodCheck = for<'e, 'a> fn(&Ctx<'e, 'a>, &PodSpec<'_>) -> Option<PodFinding>;

/// The pod-spec rules: besides pods and workloads created by anyone outside
/// the allow-list, they judge pods created by controllers, once per owning
/// workload (see [`crate::controller_pods`]).
pub(crate) fn pod_check(id: &str) -> Option<PodCheck> {
    Some(match id {
        "AUD-001" => aud001_privileged::finding,
        "AUD-002" => aud002_sensitive_mount::finding,
        "AUD-003" => aud003_host_network::finding,
        "AUD-004" => aud004_host_pid::finding,
        "AUD-005" => aud005_host_ipc::finding,
        "AUD-018" => aud018_pod_kube_namespace::finding,
        "AUD-024" => aud024_unexpected_image::finding,
        _ => return None,
    })
}

/// The shared single-event check of the pod-spec rules.
fn pod_rule(cx: &Ctx<'_, '_>, finding: PodCheck) -> Option<String> {
    let (_, spec) = cx.created_pod()?;
    Some(finding(cx, spec)?.message(cx))
}

/// The sentence the pod-spec rules' docs end with.
macro_rules! controller_pods_doc {
    () => {
        " Pods created by controllers (the ReplicaSet controller for a Deployment, the DaemonSet, StatefulSet and Job controllers) are judged too although those controllers are allow-listed: one detection per owning workload per `controller_pod_window_secs` counting its pods (\"3 pods of Deployment shop/web created by replicaset-controller ...\"), none when that workload's creation was already reported in the window. List a controller under `rule_allowed_principals` for this rule to silence its pods."
    };
}
pub(crate) use controller_pods_doc;

/// A detection rule's metadata (and, for single-event rules, its check).
#[derive(Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub technique: Technique,
    pub kind: RuleKind,
    /// Informational rules are off unless listed in `enabled_rules`.
    pub default_enabled: bool,
    /// Falco k8saudit rules whose intent this rule covers.
    pub falco: &'static [&'static str],
    /// GuardDuty EKS finding types this rule covers.
    pub guardduty: &'static [&'static str],
    pub doc: Doc,
    pub(crate) check: Option<Check>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("title", &self.title)
            .field("severity", &self.severity)
            .finish_non_exhaustive()
    }
}

impl Rule {
    /// Markdown documentation for `eksguard explain`.
    pub fn explain(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "# {} {}\n", self.id, self.title);
        let _ = writeln!(
            s,
            "Severity: {}. MITRE ATT&CK: {} {} ({}).{}\n",
            self.severity,
            self.technique.id,
            self.technique.name,
            self.technique.url(),
            if self.default_enabled {
                ""
            } else {
                " Off by default."
            }
        );
        let _ = writeln!(s, "## What it detects\n{}\n", self.doc.what);
        let _ = writeln!(s, "## Why it matters\n{}\n", self.doc.why);
        let _ = writeln!(s, "## Example\n{}\n", self.doc.example);
        let _ = writeln!(s, "## Response\n{}\n", self.doc.response);
        let _ = writeln!(s, "## References");
        for f in self.falco {
            let _ = writeln!(s, "- Falco k8saudit rule: {f}");
        }
        for g in self.guardduty {
            let _ = writeln!(s, "- GuardDuty finding type: {g}");
        }
        for r in self.doc.references {
            let _ = writeln!(s, "- {r}");
        }
        s
    }
}

pub(crate) const T_ESCAPE: Technique = Technique {
    id: "T1611",
    name: "Escape to Host",
};
pub(crate) const T_ADMIN_CMD: Technique = Technique {
    id: "T1609",
    name: "Container Administration Command",
};
pub(crate) const T_DEPLOY: Technique = Technique {
    id: "T1610",
    name: "Deploy Container",
};
pub(crate) const T_VALID: Technique = Technique {
    id: "T1078",
    name: "Valid Accounts",
};
pub(crate) const T_DEFAULT_ACCOUNTS: Technique = Technique {
    id: "T1078.001",
    name: "Valid Accounts: Default Accounts",
};
pub(crate) const T_CLUSTER_ROLES: Technique = Technique {
    id: "T1098.006",
    name: "Account Manipulation: Additional Container Cluster Roles",
};
pub(crate) const T_CONTAINER_API_CREDS: Technique = Technique {
    id: "T1552.007",
    name: "Unsecured Credentials: Container API",
};
pub(crate) const T_EXTERNAL_SERVICES: Technique = Technique {
    id: "T1133",
    name: "External Remote Services",
};
pub(crate) const T_DISCOVERY: Technique = Technique {
    id: "T1613",
    name: "Container and Resource Discovery",
};
pub(crate) const T_STEAL_TOKEN: Technique = Technique {
    id: "T1528",
    name: "Steal Application Access Token",
};

/// Falls through unless the request was let through: 2xx/101, or no status
/// but an `allow` authorization decision.
pub(crate) fn granted(ev: &Event<'_>) -> bool {
    match ev.code() {
        Some(_) => ev.allowed(),
        None => ev.decision() == "allow",
    }
}

/// Not rejected by authentication, authorization or admission.
pub(crate) fn not_denied(ev: &Event<'_>) -> bool {
    !matches!(ev.code(), Some(c) if c >= 400)
}

/// The `command` query parameters of an exec request, decoded and joined
/// by spaces (what kubectl sends as `?command=sh&command=-c&...`).
pub(crate) fn exec_command(uri: &str) -> String {
    let Some((_, query)) = uri.split_once('?') else {
        return String::new();
    };
    let mut parts = Vec::new();
    for kv in query.split('&') {
        if let Some(v) = kv.strip_prefix("command=") {
            parts.push(percent_decode(v));
        }
    }
    parts.join(" ")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) const FALCO_RULES_URL: &str = "https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml";
pub(crate) const GUARDDUTY_EKS_URL: &str =
    "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html";

/// What a single-event check sees: the event, the configuration, and the
/// request body parsed at most once whichever rules ask for it.
pub(crate) struct Ctx<'e, 'a> {
    pub ev: &'e Event<'a>,
    pub cfg: &'e Compiled,
    pod: OnceCell<Option<(Meta<'a>, PodSpec<'a>)>>,
    role: OnceCell<Option<RoleBody<'a>>>,
    binding: OnceCell<Option<BindingBody<'a>>>,
}

impl<'e, 'a> Ctx<'e, 'a> {
    pub fn new(ev: &'e Event<'a>, cfg: &'e Compiled) -> Self {
        Ctx {
            ev,
            cfg,
            pod: OnceCell::new(),
            role: OnceCell::new(),
            binding: OnceCell::new(),
        }
    }

    fn body(&self) -> Option<&'a str> {
        self.ev.request_object.map(|r| r.get())
    }

    /// The pod spec of a pod or workload being created.
    pub fn created_pod(&self) -> Option<&(Meta<'a>, PodSpec<'a>)> {
        if self.ev.verb() != "create" || !self.ev.subresource().is_empty() {
            return None;
        }
        self.pod
            .get_or_init(|| objects::pod_spec_of(self.ev.resource(), self.body()?))
            .as_ref()
    }

    /// The rules of a Role/ClusterRole being created.
    pub fn created_role(&self) -> Option<&RoleBody<'a>> {
        if self.ev.verb() != "create" || !matches!(self.ev.resource(), "roles" | "clusterroles") {
            return None;
        }
        self.role
            .get_or_init(|| serde_json::from_str(self.body()?).ok())
            .as_ref()
    }

    /// A RoleBinding/ClusterRoleBinding being created or replaced.
    pub fn written_binding(&self) -> Option<&BindingBody<'a>> {
        if !matches!(self.ev.verb(), "create" | "update")
            || !matches!(self.ev.resource(), "rolebindings" | "clusterrolebindings")
        {
            return None;
        }
        self.binding
            .get_or_init(|| serde_json::from_str(self.body()?).ok())
            .as_ref()
    }

    /// A pod's display name: objectRef name, else metadata name or
    /// generateName from the body.
    pub fn pod_name(&self) -> String {
        if !self.ev.name().is_empty() {
            return self.ev.name().to_string();
        }
        match self.created_pod() {
            Some((m, _)) => m
                .name
                .as_deref()
                .map(str::to_string)
                .or_else(|| m.generate_name.as_deref().map(|g| format!("{g}*")))
                .unwrap_or_default(),
            None => String::new(),
        }
    }

    /// Whether every image of the spec is on a trusted host-access list.
    pub fn all_images_trusted(&self, spec: &PodSpec<'_>) -> bool {
        let mut any = false;
        for c in spec.all_containers() {
            any = true;
            let Some(img) = c.image.as_deref() else {
                return false;
            };
            if !self
                .cfg
                .trusted_host_images
                .matches(crate::config::image_repository(img))
            {
                return false;
            }
        }
        any
    }

    /// " (denied, HTTP 403)" when the request failed, else "".
    pub fn outcome(&self) -> String {
        match self.ev.code() {
            Some(c) if c >= 400 => format!(" (request failed with HTTP {c})"),
            _ => String::new(),
        }
    }
}

/// Host paths whose mount gives a container the node (Falco's
/// `sensitive_vol_mount` list, plus the containerd/kubelet directories an
/// EKS node uses). Exact matches, and for directories also their children.
pub(crate) const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/proc",
    "/var/run/docker.sock",
    "/etc",
    "/root",
    "/var/run/crio/crio.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd",
    "/var/run/containerd",
    "/home/admin",
    "/var/lib/kubelet",
    "/etc/kubernetes",
    "/var/lib/containerd",
    "/sys",
    "/dev",
    "/boot",
];

/// Whether mounting `path` from the host is sensitive.
pub(crate) fn is_sensitive_host_path(path: &str) -> bool {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        // `/` (or `//`): the whole host filesystem.
        return path.starts_with('/');
    }
    SENSITIVE_HOST_PATHS.iter().any(|p| {
        trimmed == *p
            || trimmed
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Runs every enabled single-event rule, appending `(rule index, message)`
/// pairs, unless the principal is allow-listed (`allowed`, checked once by
/// the caller and shared with the correlator). A pod created by a
/// controller is judged by the pod-spec rules whatever the global
/// allow-list says; when the pod names its owner, their findings are
/// returned for grouping by owner instead of being reported one by one.
pub(crate) fn evaluate(
    cx: &Ctx<'_, '_>,
    allowed: bool,
    enabled: &[bool],
    out: &mut Vec<(u16, String)>,
) -> Option<Box<Grouped>> {
    let user = cx.ev.username();
    let by_controller = crate::controller_pods::by_controller(cx);
    if allowed && by_controller.is_none() {
        return None;
    }
    let mut findings = Vec::new();
    for (i, rule) in RULES.iter().enumerate() {
        let Some(check) = rule.check else { continue };
        if !enabled.get(i).copied().unwrap_or(false) {
            continue;
        }
        if let Some(owner) = &by_controller
            && let Some(pod_check) = pod_check(rule.id)
        {
            if cx.cfg.rule_allows(rule.id, user) {
                continue;
            }
            let Some((_, spec)) = cx.created_pod() else {
                continue;
            };
            match (pod_check(cx, spec), owner) {
                (Some(f), Some(_)) => findings.push((i as u16, f)),
                (Some(f), None) => out.push((i as u16, f.message(cx))),
                (None, _) => {}
            }
            continue;
        }
        if allowed || (!cx.cfg.rule_allowed.is_empty() && cx.cfg.allowed_for(rule.id, user)) {
            continue;
        }
        if let Some(msg) = check(cx) {
            out.push((i as u16, msg));
        }
    }
    match by_controller {
        Some(Some(owner)) if !findings.is_empty() => Some(Box::new(Grouped { owner, findings })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_documented() {
        for w in RULES.windows(2) {
            assert!(w[0].id < w[1].id, "{} before {}", w[0].id, w[1].id);
        }
        for r in RULES {
            assert!(r.id.starts_with("AUD-") && r.id.len() == 7, "{}", r.id);
            assert!(r.technique.id.starts_with('T'), "{}", r.id);
            assert!(!r.doc.what.is_empty() && !r.doc.response.is_empty());
            assert_eq!(r.check.is_some(), r.kind == RuleKind::Event, "{}", r.id);
            assert!(r.explain().contains(r.title));
        }
    }

    #[test]
    fn sensitive_paths() {
        assert!(is_sensitive_host_path("/"));
        assert!(is_sensitive_host_path("/etc/kubernetes/manifests"));
        assert!(is_sensitive_host_path("/proc/"));
        assert!(!is_sensitive_host_path("/etcetera"));
        assert!(!is_sensitive_host_path("/data/app"));
        assert!(!is_sensitive_host_path("relative"));
    }
}
