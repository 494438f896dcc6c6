//! The catalog: every control, in ID order.

use crate::Control;
use crate::rules::{identity, images, meta, pod_security};

static ALL: &[&dyn Control] = &[
    &meta::expired_exception::ExpiredException,
    &identity::aws_credentials_in_env_or_configmap::AwsCredentialsInEnvOrConfigMap,
    &identity::aws_credentials_in_secret::AwsCredentialsInSecret,
    &identity::service_account_token_automount::ServiceAccountTokenAutomount,
    &identity::default_service_account::DefaultServiceAccount,
    &identity::host_network::HostNetwork,
    &identity::cluster_admin_binding::ClusterAdminBinding,
    &identity::rbac_wildcard::RbacWildcard,
    &identity::rbac_secrets_cluster_wide::RbacSecretsClusterWide,
    &identity::rbac_pod_exec::RbacPodExec,
    &identity::rbac_escalation_verbs::RbacEscalationVerbs,
    &images::image_not_pinned::ImageNotPinned,
    &images::image_latest_tag::ImageLatestTag,
    &images::image_registry_not_allowed::ImageRegistryNotAllowed,
    // Pod security (issue #3).
    &pod_security::namespace_enforce_missing::NamespaceEnforceMissing,
    &pod_security::workload_violates_enforce::WorkloadViolatesEnforce,
    &pod_security::workload_fails_restricted::WorkloadFailsRestricted,
    &pod_security::namespace_version_pinned::NamespaceVersionPinned,
    // AWS side (issue #5): networking, logging, data, patching, Auto Mode, access.
];

/// Every control.
pub fn all() -> &'static [&'static dyn Control] {
    ALL
}

/// Looks a control up by ID (case-insensitive) or by name.
pub fn by_id(id: &str) -> Option<&'static dyn Control> {
    ALL.iter()
        .copied()
        .find(|c| c.meta().id.eq_ignore_ascii_case(id) || c.meta().name == id)
}

/// The expired-exception meta-control, which the pipeline reports itself.
pub fn expired_exception() -> &'static ControlMeta {
    &meta::expired_exception::ExpiredException::META
}

use crate::ControlMeta;
