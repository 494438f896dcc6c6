//! Namespace policy labels (`api/helpers.go` `PolicyToEvaluate`) and the admission decision
//! for one object (`admission/admission.go` `ValidatePod`, `ValidatePodController`,
//! `EvaluatePod`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::registry::{Evaluation, Evaluator};
use crate::target::TargetKind;
use crate::version::{Level, LevelVersion, Version};

pub const ENFORCE_LEVEL_LABEL: &str = "pod-security.kubernetes.io/enforce";
pub const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";
pub const AUDIT_LEVEL_LABEL: &str = "pod-security.kubernetes.io/audit";
pub const AUDIT_VERSION_LABEL: &str = "pod-security.kubernetes.io/audit-version";
pub const WARN_LEVEL_LABEL: &str = "pod-security.kubernetes.io/warn";
pub const WARN_VERSION_LABEL: &str = "pod-security.kubernetes.io/warn-version";

/// The three modes' level and version for a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Policy {
    pub enforce: LevelVersion,
    pub audit: LevelVersion,
    pub warn: LevelVersion,
}

impl Default for Policy {
    /// Upstream's default configuration: `privileged:latest` for all three modes.
    fn default() -> Self {
        let lv = LevelVersion::new(Level::Privileged, Version::Latest);
        Policy {
            enforce: lv,
            audit: lv,
            warn: lv,
        }
    }
}

/// A namespace label value that is not valid. Upstream still evaluates (see
/// [`Policy::from_labels`]) and records the error as the `error` audit annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelError {
    pub label: &'static str,
    pub value: String,
    /// Upstream's message: `must be one of privileged, baseline, restricted` or
    /// `must be "latest" or "v1.x"`.
    pub message: &'static str,
}

impl std::fmt::Display for LabelError {
    /// As Kubernetes prints a `field.Invalid` error on the label.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "metadata.labels[{}]: Invalid value: {}: {}",
            self.label,
            crate::checks::go_quote(&self.value),
            self.message
        )
    }
}

const LEVEL_MESSAGE: &str = "must be one of privileged, baseline, restricted";
const VERSION_MESSAGE: &str = "must be \"latest\" or \"v1.x\"";

impl Policy {
    /// Reads the namespace's `pod-security.kubernetes.io/*` labels over `defaults`.
    ///
    /// Invalid values are handled as upstream does: an invalid enforce level fails closed to
    /// `restricted`, invalid audit and warn levels fail open to `privileged`, and an invalid
    /// version means `latest`. Each invalid label is also returned as a [`LabelError`].
    pub fn from_labels(
        labels: &BTreeMap<String, String>,
        defaults: Policy,
    ) -> (Policy, Vec<LabelError>) {
        let mut p = defaults;
        let mut errs = Vec::new();
        let mut level = |label: &'static str, slot: &mut Level, invalid: Level| {
            if let Some(v) = labels.get(label) {
                *slot = v.parse().unwrap_or_else(|_| {
                    errs.push(LabelError {
                        label,
                        value: v.clone(),
                        message: LEVEL_MESSAGE,
                    });
                    invalid
                });
            }
        };
        level(ENFORCE_LEVEL_LABEL, &mut p.enforce.level, Level::Restricted);
        level(AUDIT_LEVEL_LABEL, &mut p.audit.level, Level::Privileged);
        level(WARN_LEVEL_LABEL, &mut p.warn.level, Level::Privileged);
        let mut version = |label: &'static str, slot: &mut Version| {
            if let Some(v) = labels.get(label) {
                *slot = v.parse().unwrap_or_else(|_| {
                    errs.push(LabelError {
                        label,
                        value: v.clone(),
                        message: VERSION_MESSAGE,
                    });
                    Version::Latest
                });
            }
        };
        version(ENFORCE_VERSION_LABEL, &mut p.enforce.version);
        version(AUDIT_VERSION_LABEL, &mut p.audit.version);
        version(WARN_VERSION_LABEL, &mut p.warn.version);
        // Upstream reports errors in label order: enforce, enforce-version, audit, …
        errs.sort_by_key(|e| label_rank(e.label));
        (p, errs)
    }
}

fn label_rank(label: &str) -> usize {
    [
        ENFORCE_LEVEL_LABEL,
        ENFORCE_VERSION_LABEL,
        AUDIT_LEVEL_LABEL,
        AUDIT_VERSION_LABEL,
        WARN_LEVEL_LABEL,
        WARN_VERSION_LABEL,
    ]
    .iter()
    .position(|l| *l == label)
    .unwrap_or(usize::MAX)
}

/// Exemptions from the admission configuration (`exemptions:` in `PodSecurityConfiguration`).
/// Matching is exact, as upstream's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemptions {
    pub usernames: Vec<String>,
    pub runtime_classes: Vec<String>,
    pub namespaces: Vec<String>,
}

/// Why an object was exempt (upstream's `exempt` audit annotation value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exemption {
    Namespace,
    User,
    RuntimeClass,
}

impl Exemption {
    pub fn as_str(self) -> &'static str {
        match self {
            Exemption::Namespace => "namespace",
            Exemption::User => "user",
            Exemption::RuntimeClass => "runtimeClass",
        }
    }
}

/// A failed evaluation in one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeResult {
    pub level_version: LevelVersion,
    pub evaluation: Evaluation,
}

/// What PodSecurity admission does with one create request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    /// Set when the object is exempt; then nothing else is evaluated.
    pub exemption: Option<Exemption>,
    /// Invalid namespace labels (upstream adds them as the `error` audit annotation).
    pub label_errors: Vec<LabelError>,
    /// The enforce evaluation failed and the object is a Pod: the request is denied.
    pub deny: Option<ModeResult>,
    /// The audit evaluation failed: an audit annotation is added.
    pub audit: Option<ModeResult>,
    /// The warn evaluation failed and the request is not denied: a warning is returned.
    pub warn: Option<ModeResult>,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.deny.is_none()
    }

    /// The denial text, e.g. `violates PodSecurity "restricted:latest": …`.
    pub fn deny_message(&self) -> Option<String> {
        self.deny
            .as_ref()
            .map(|m| m.evaluation.message(&m.level_version))
    }

    /// The `pod-security.kubernetes.io/audit-violations` annotation value.
    pub fn audit_annotation(&self) -> Option<String> {
        self.audit
            .as_ref()
            .map(|m| m.evaluation.would_violate_message(&m.level_version))
    }

    /// The `error` audit annotation upstream adds for invalid labels:
    /// `Failed to parse policy: <error>`, or `[<error>, <error>]` for several.
    pub fn error_annotation(&self) -> Option<String> {
        let errs: Vec<String> = self.label_errors.iter().map(ToString::to_string).collect();
        match errs.as_slice() {
            [] => None,
            [one] => Some(format!("Failed to parse policy: {one}")),
            many => Some(format!("Failed to parse policy: [{}]", many.join(", "))),
        }
    }

    /// The warning returned to the client.
    pub fn warning(&self) -> Option<String> {
        self.warn
            .as_ref()
            .map(|m| m.evaluation.would_violate_message(&m.level_version))
    }
}

/// Who asks and where, for one admission request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub namespace: &'a str,
    /// The requesting user, when known (for username exemptions).
    pub username: Option<&'a str>,
    pub kind: TargetKind,
}

/// Decides as PodSecurity admission does for a create request: exemptions first (namespace,
/// user, then runtime class), then enforce (Pods only — controllers are never denied), audit,
/// and warn (only when not denied). Identical level+version pairs are evaluated once.
pub fn decide(
    evaluator: &Evaluator,
    policy: &Policy,
    label_errors: &[LabelError],
    exemptions: &Exemptions,
    request: &Request<'_>,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Decision {
    let exempt = |list: &[String], v: &str| !v.is_empty() && list.iter().any(|x| x == v);
    let exemption = if exempt(&exemptions.namespaces, request.namespace) {
        Some(Exemption::Namespace)
    } else if exempt(&exemptions.usernames, request.username.unwrap_or("")) {
        Some(Exemption::User)
    } else if exempt(
        &exemptions.runtime_classes,
        spec.runtime_class_name.as_deref().unwrap_or(""),
    ) {
        Some(Exemption::RuntimeClass)
    } else {
        None
    };
    let mut decision = Decision {
        exemption,
        label_errors: label_errors.to_vec(),
        ..Decision::default()
    };
    if exemption.is_some() {
        decision.label_errors.clear();
        return decision;
    }
    let mut cache: Vec<(LevelVersion, Evaluation)> = Vec::with_capacity(3);
    let mut run = |lv: LevelVersion| -> Option<ModeResult> {
        let evaluation = match cache.iter().find(|(k, _)| *k == lv) {
            Some((_, e)) => e.clone(),
            None => {
                let e = evaluator.evaluate(lv, meta, spec);
                cache.push((lv, e.clone()));
                e
            }
        };
        (!evaluation.allowed).then_some(ModeResult {
            level_version: lv,
            evaluation,
        })
    };
    if request.kind == TargetKind::Pod {
        decision.deny = run(policy.enforce);
    }
    decision.audit = run(policy.audit);
    if decision.deny.is_none() {
        decision.warn = run(policy.warn);
    }
    decision
}
