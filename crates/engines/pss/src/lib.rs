//! Pod Security Standards evaluator, exact to upstream Kubernetes PodSecurity admission
//! (`k8s.io/pod-security-admission`), for every policy version from `v1.0` to `v1.37` and
//! `latest`.
//!
//! The point is to say what the cluster itself will say: the same 19 checks with the same
//! version gates, the same reasons and details in the same order, and the same message
//! (`violates PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false (…), …`).
//! No I/O happens here.
//!
//! # Evaluating a pod
//!
//! ```
//! use eksguard_pss::{evaluate, Level, LevelVersion, Version};
//! use k8s_openapi::api::core::v1::Pod;
//!
//! let pod: Pod = serde_json::from_value(serde_json::json!({
//!     "metadata": {"name": "web"},
//!     "spec": {"containers": [{"name": "app", "image": "nginx"}]}
//! })).unwrap();
//! let lv = LevelVersion::new(Level::Baseline, Version::Latest);
//! let verdict = evaluate(lv, &pod.metadata, pod.spec.as_ref().unwrap());
//! assert!(verdict.allowed);
//!
//! let lv = LevelVersion::new(Level::Restricted, "v1.30".parse().unwrap());
//! let verdict = evaluate(lv, &pod.metadata, pod.spec.as_ref().unwrap());
//! assert!(verdict.message(&lv).starts_with(
//!     "violates PodSecurity \"restricted:v1.30\": allowPrivilegeEscalation != false \
//!      (container \"app\" must set securityContext.allowPrivilegeEscalation=false)"));
//! ```
//!
//! # Pieces
//!
//! - [`Level`], [`Version`], [`LevelVersion`]: parsed as upstream parses namespace labels.
//!   `latest` means the cluster's Kubernetes version, given to [`Evaluator::new`].
//! - [`Evaluator::evaluate`] / [`evaluate`]: one pod spec at one level and version, giving an
//!   [`Evaluation`] of [`Forbidden`] checks with upstream's IDs and wording.
//! - [`pod_target`]: the pod or pod template inside a Pod, Deployment, ReplicaSet,
//!   StatefulSet, DaemonSet, Job, CronJob, ReplicationController or PodTemplate given as JSON,
//!   with the API-server defaulting that matters ([`apply_api_defaults`]).
//! - [`Policy::from_labels`], [`Exemptions`], [`decide`]: namespace labels and what admission
//!   does in each mode (enforce denies Pods only; audit and warn apply to controllers too),
//!   with the denial, warning and audit-annotation texts upstream produces.
//! - [`check_ids`]: the 19 check IDs in upstream's order.
//!
//! [`Evaluation`], [`Forbidden`] and the level/version types implement `serde::Serialize`
//! (levels and versions as their label text) for JSON reports.
//!
//! # Versions and the cluster
//!
//! Upstream changed two checks in place instead of adding a policy version, so on a new
//! cluster they apply even to namespaces pinned to old versions: `image` volumes are allowed
//! by `restrictedVolumes` on clusters from 1.33, and `appArmorProfile` checks the
//! `securityContext.appArmorProfile` fields on clusters from 1.30. [`Evaluator::new`] takes
//! the cluster version for this reason as well as for `latest`.

mod checks;
mod error;
mod namespace;
mod registry;
mod target;
mod version;

pub use error::Error;
pub use namespace::{
    AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL, Decision, ENFORCE_LEVEL_LABEL, ENFORCE_VERSION_LABEL,
    Exemption, Exemptions, LabelError, ModeResult, Policy, Request, WARN_LEVEL_LABEL,
    WARN_VERSION_LABEL, decide,
};
pub use registry::{Evaluation, Evaluator, Forbidden, check_ids, evaluate};
pub use target::{PodTarget, TargetKind, apply_api_defaults, pod_target};
pub use version::{Level, LevelVersion, NEWEST_MINOR, Version};
