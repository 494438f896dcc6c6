use super::{SYSTEM_NAMESPACES, namespace_policy};
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};
use eksguard_pss::{Level, NEWEST_MINOR, Version};

control! {
    /// ## What it checks
    /// Namespaces whose `pod-security.kubernetes.io/enforce-version` is pinned
    /// to a policy version older than the cluster's Kubernetes version (set
    /// with `--k8s-version`; the newest version eksguard knows otherwise), while
    /// enforcing `baseline` or `restricted`.
    ///
    /// ## Why it matters
    /// Each Kubernetes release tightens or corrects the standards (new
    /// sysctls, AppArmor fields, `procMount` rules, host probe checks). A
    /// pinned version keeps evaluating pods with old rules, so fixes to the
    /// standard never reach the namespace. Pinning is meant as a short
    /// migration aid, not a permanent state.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: restricted
    ///     pod-security.kubernetes.io/enforce-version: v1.25
    /// ```
    ///
    /// ## Fix
    /// Check the namespace's workloads at the current version with
    /// `eksguard pss check --version latest`, then set `enforce-version:
    /// latest` (or remove the label).
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces
    /// - EKS Best Practices Guide, Pod Security: "Pod Security Admission"
    pub struct NamespaceVersionPinned {
        id: "PSS-004",
        name: "namespace-pss-version-pinned",
        title: "Namespace pins an old Pod Security version",
        severity: Low,
        pillar: PodSecurity,
        responsibility: Customer,
    }
}

impl Control for NamespaceVersionPinned {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["Namespace"]
    }

    fn check_object(&self, obj: &Object, ctx: &Context, out: &mut Sink) {
        if !obj.is("", "Namespace") || SYSTEM_NAMESPACES.contains(&obj.name.as_str()) {
            return;
        }
        let (policy, _) = namespace_policy(Some(obj), ctx.config);
        let Version::V1(minor) = policy.enforce.version else {
            return;
        };
        let cluster = ctx.k8s_minor.unwrap_or(NEWEST_MINOR).min(NEWEST_MINOR);
        if policy.enforce.level == Level::Privileged || minor >= cluster {
            return;
        }
        out.report(
            &Self::META,
            obj,
            JsonPath::keys(&["metadata", "labels"]).key("pod-security.kubernetes.io/enforce-version"),
            format!(
                "namespace {} evaluates {} with the v1.{minor} rules, older than the cluster's 1.{cluster}",
                obj.name, policy.enforce.level
            ),
            "Check the workloads with `eksguard pss check --version latest`, then set enforce-version to latest.",
        );
    }
}
