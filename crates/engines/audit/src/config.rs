//! Engine configuration: allow-lists, thresholds and windows.
//!
//! Deserializable with serde so it can live under `audit:` in
//! `eksguard.yaml`. Every field has a default; list fields with an `extra_`
//! twin extend the shipped defaults instead of replacing them, so users can
//! add one principal without copying the whole EKS list.

use crate::error::ConfigError;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Principals whose routine activity would otherwise drown the report: the
/// EKS control plane (`eks:*`), kubelets, the core controllers and the
/// kube-system controller service accounts. Not every kube-system
/// service account: a stolen `coredns` or add-on token must still be seen.
/// The pod-spec rules (AUD-001..005, AUD-018, AUD-024) still judge the pods
/// controllers create, once per owning workload (`controller_pod_window_secs`).
pub const DEFAULT_ALLOWED_PRINCIPALS: &[&str] = &[
    "eks:*",
    "system:node:*",
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:kube-proxy",
    "system:apiserver",
    "system:addon-manager",
    "system:serviceaccount:kube-system:*-controller",
    "system:serviceaccount:kube-system:generic-garbage-collector",
    "system:serviceaccount:kube-system:persistent-volume-binder",
    "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
    "system:serviceaccount:kube-system:root-ca-cert-publisher",
    "system:serviceaccount:kube-system:pod-garbage-collector",
    "system:serviceaccount:kube-system:attachdetach-controller",
];

/// Image repositories that legitimately run privileged, with host
/// namespaces or with host mounts (node agents). Matched against the image
/// without tag or digest; `*` matches any run of characters.
pub const DEFAULT_TRUSTED_HOST_IMAGES: &[&str] = &[
    "*.dkr.ecr.*.amazonaws.com/eks/kube-proxy",
    "*.dkr.ecr.*.amazonaws.com/amazon-k8s-cni",
    "*.dkr.ecr.*.amazonaws.com/amazon-k8s-cni-init",
    "*.dkr.ecr.*.amazonaws.com/eks/aws-ebs-csi-driver",
    "*.dkr.ecr.*.amazonaws.com/eks/eks-pod-identity-agent",
    "public.ecr.aws/falcosecurity/falco",
    "docker.io/falcosecurity/falco",
    "falcosecurity/falco",
    "registry.k8s.io/kube-proxy",
    "amazon/cloudwatch-agent",
    "public.ecr.aws/cloudwatch-agent/cloudwatch-agent",
];

/// Registries images are expected from; others trigger AUD-024.
pub const DEFAULT_ALLOWED_REGISTRIES: &[&str] = &[
    "*.dkr.ecr.*.amazonaws.com/*",
    "public.ecr.aws/*",
    "registry.k8s.io/*",
];

/// The audit configuration (`audit:` in `eksguard.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Principals (usernames, `*` wildcards) no rule reports on. Replaces
    /// [`DEFAULT_ALLOWED_PRINCIPALS`] when set.
    pub allowed_principals: Vec<String>,
    /// Added to `allowed_principals`.
    pub extra_allowed_principals: Vec<String>,
    /// Per-rule allow-lists of principals, keyed by rule ID.
    pub rule_allowed_principals: BTreeMap<String, Vec<String>>,
    /// Rule IDs to turn off.
    pub disabled_rules: BTreeSet<String>,
    /// Rule IDs that are off by default (informational) to turn on.
    pub enabled_rules: BTreeSet<String>,
    /// Image repositories allowed to use host access (AUD-001..005).
    pub trusted_host_images: Vec<String>,
    pub extra_trusted_host_images: Vec<String>,
    /// Image patterns allowed by AUD-024 (`*` wildcards, include the tag
    /// part with `*` to allow any tag).
    pub allowed_registries: Vec<String>,
    pub extra_allowed_registries: Vec<String>,
    /// Namespaces that may be created without AUD-025 (empty: rule silent).
    pub allowed_namespaces: Vec<String>,
    /// Users allowed by AUD-026 (empty: rule silent).
    pub allowed_users: Vec<String>,
    /// Node names allowed to register by AUD-029, besides nodes registering
    /// themselves.
    pub allowed_nodes: Vec<String>,
    /// The cluster's pod/node/VPC CIDRs for AUD-103 (empty: rule silent).
    pub cluster_cidrs: Vec<IpNet>,
    /// AUD-102: distinct namespaces whose Secrets one principal reads...
    pub secrets_namespace_threshold: usize,
    /// ...within this many seconds.
    pub secrets_window_secs: u64,
    /// AUD-105: denied requests before a success counts as probing...
    pub probe_denials: usize,
    /// ...within this many seconds.
    pub probe_window_secs: u64,
    /// AUD-104: how long after a binding's creation its use is reported.
    pub binding_window_secs: u64,
    /// AUD-101: how long a privileged pod's creation is remembered.
    pub exec_window_secs: u64,
    /// Pods created by controllers are reported once per rule and owning
    /// workload per this many seconds, counting the pods (reported when the
    /// window has passed, or at the end of the run); none when the
    /// workload's own creation was reported within it.
    pub controller_pod_window_secs: u64,
    /// Upper bound on entries kept by each correlation table and by the
    /// duplicate-auditID set; the oldest entries go first.
    pub max_state_entries: usize,
}

impl Default for AuditConfig {
    fn default() -> Self {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        AuditConfig {
            allowed_principals: own(DEFAULT_ALLOWED_PRINCIPALS),
            extra_allowed_principals: Vec::new(),
            rule_allowed_principals: BTreeMap::new(),
            disabled_rules: BTreeSet::new(),
            enabled_rules: BTreeSet::new(),
            trusted_host_images: own(DEFAULT_TRUSTED_HOST_IMAGES),
            extra_trusted_host_images: Vec::new(),
            allowed_registries: own(DEFAULT_ALLOWED_REGISTRIES),
            extra_allowed_registries: Vec::new(),
            allowed_namespaces: Vec::new(),
            allowed_users: Vec::new(),
            allowed_nodes: Vec::new(),
            cluster_cidrs: Vec::new(),
            secrets_namespace_threshold: 5,
            secrets_window_secs: 600,
            probe_denials: 3,
            probe_window_secs: 600,
            binding_window_secs: 3600,
            exec_window_secs: 7 * 24 * 3600,
            controller_pod_window_secs: 300,
            max_state_entries: 100_000,
        }
    }
}

/// A compiled wildcard list: exact names in a sorted vec, patterns apart.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternSet {
    exact: Vec<String>,
    prefixes: Vec<String>,
    globs: Vec<String>,
}

impl PatternSet {
    pub fn new<'s>(items: impl IntoIterator<Item = &'s String>) -> PatternSet {
        let mut p = PatternSet::default();
        for s in items {
            match s.find('*') {
                None => p.exact.push(s.clone()),
                Some(i) if i + 1 == s.len() => p.prefixes.push(s[..i].to_string()),
                Some(_) => p.globs.push(s.clone()),
            }
        }
        p.exact.sort();
        p.exact.dedup();
        p
    }
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty() && self.globs.is_empty()
    }
    pub fn matches(&self, s: &str) -> bool {
        self.exact.binary_search_by(|e| e.as_str().cmp(s)).is_ok()
            || self.prefixes.iter().any(|p| s.starts_with(p.as_str()))
            || self.globs.iter().any(|g| wildcard(g, s))
    }
}

/// `*` matches any run of characters; everything else literally.
pub(crate) fn wildcard(pattern: &str, s: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), s.as_bytes());
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The image without `@digest` or `:tag` (a colon in the registry host's
/// port is kept).
pub(crate) fn image_repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

/// [`AuditConfig`] checked and turned into lookup structures.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub allowed: PatternSet,
    pub rule_allowed: Vec<(String, PatternSet)>,
    pub trusted_host_images: PatternSet,
    pub allowed_registries: PatternSet,
    pub allowed_namespaces: PatternSet,
    pub allowed_users: PatternSet,
    pub allowed_nodes: PatternSet,
    pub raw: AuditConfig,
}

impl Compiled {
    pub fn new(cfg: &AuditConfig) -> Result<Compiled, ConfigError> {
        let known = |id: &String| crate::rules::find(id).is_some();
        for id in cfg
            .disabled_rules
            .iter()
            .chain(&cfg.enabled_rules)
            .chain(cfg.rule_allowed_principals.keys())
        {
            if !known(id) {
                return Err(ConfigError::UnknownRule(id.clone()));
            }
        }
        for (name, v) in [
            (
                "secrets_namespace_threshold",
                cfg.secrets_namespace_threshold,
            ),
            ("probe_denials", cfg.probe_denials),
            ("max_state_entries", cfg.max_state_entries),
        ] {
            if v == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        Ok(Compiled {
            allowed: PatternSet::new(
                cfg.allowed_principals
                    .iter()
                    .chain(&cfg.extra_allowed_principals),
            ),
            rule_allowed: cfg
                .rule_allowed_principals
                .iter()
                .map(|(k, v)| (k.clone(), PatternSet::new(v)))
                .collect(),
            trusted_host_images: PatternSet::new(
                cfg.trusted_host_images
                    .iter()
                    .chain(&cfg.extra_trusted_host_images),
            ),
            allowed_registries: PatternSet::new(
                cfg.allowed_registries
                    .iter()
                    .chain(&cfg.extra_allowed_registries),
            ),
            allowed_namespaces: PatternSet::new(&cfg.allowed_namespaces),
            allowed_users: PatternSet::new(&cfg.allowed_users),
            allowed_nodes: PatternSet::new(&cfg.allowed_nodes),
            raw: cfg.clone(),
        })
    }

    /// Whether `rule`'s own allow-list (`rule_allowed_principals`) holds
    /// `user`, whatever the global one says.
    pub fn rule_allows(&self, rule: &str, user: &str) -> bool {
        self.rule_allowed
            .iter()
            .any(|(id, set)| id == rule && set.matches(user))
    }

    /// Whether `rule` must stay silent for `user`.
    pub fn allowed_for(&self, rule: &str, user: &str) -> bool {
        self.allowed.matches(user)
            || self
                .rule_allowed
                .iter()
                .any(|(id, set)| id == rule && set.matches(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard(
            "*.dkr.ecr.*.amazonaws.com/eks/kube-proxy",
            "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy"
        ));
        assert!(!wildcard(
            "*.dkr.ecr.*.amazonaws.com/eks/kube-proxy",
            "evil.io/eks/kube-proxy"
        ));
        assert!(wildcard("a*", "a"));
        assert!(!wildcard("a", "ab"));
    }

    #[test]
    fn repositories() {
        assert_eq!(image_repository("nginx:1.25"), "nginx");
        assert_eq!(image_repository("reg:5000/app"), "reg:5000/app");
        assert_eq!(
            image_repository("reg:5000/app:v1@sha256:ab"),
            "reg:5000/app"
        );
    }

    #[test]
    fn default_allow_list_keeps_non_controller_kube_system_accounts() {
        let c = Compiled::new(&AuditConfig::default()).unwrap();
        assert!(c.allowed.matches("eks:addon-manager"));
        assert!(c.allowed.matches("system:node:ip-10-0-1-2.ec2.internal"));
        assert!(
            c.allowed
                .matches("system:serviceaccount:kube-system:replicaset-controller")
        );
        assert!(
            !c.allowed
                .matches("system:serviceaccount:kube-system:coredns")
        );
        assert!(!c.allowed.matches("system:anonymous"));
    }

    #[test]
    fn unknown_rule_is_rejected() {
        let cfg = AuditConfig {
            disabled_rules: ["AUD-999".to_string()].into(),
            ..AuditConfig::default()
        };
        assert!(matches!(
            Compiled::new(&cfg),
            Err(ConfigError::UnknownRule(_))
        ));
    }
}
