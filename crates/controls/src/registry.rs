//! The catalog: every control, in ID order.

use crate::Control;
use crate::rules::{aws, identity, identity_aws, images, meta, network_policy, pod_security};

static ALL: &[&dyn Control] = &[
    &meta::expired_exception::ExpiredException,
    &identity::aws_credentials_in_env_or_configmap::AwsCredentialsInEnvOrConfigMap,
    &identity::aws_credentials_in_secret::AwsCredentialsInSecret,
    &identity::service_account_token_automount::ServiceAccountTokenAutomount,
    &identity::default_service_account::DefaultServiceAccount,
    &identity::host_network::HostNetwork,
    &identity::aws_credential_placeholder::AwsCredentialPlaceholder,
    &identity::cluster_admin_binding::ClusterAdminBinding,
    &identity::rbac_wildcard::RbacWildcard,
    &identity::rbac_secrets_cluster_wide::RbacSecretsClusterWide,
    &identity::rbac_pod_exec::RbacPodExec,
    &identity::rbac_escalation_verbs::RbacEscalationVerbs,
    &images::image_not_pinned::ImageNotPinned,
    &images::image_latest_tag::ImageLatestTag,
    &images::image_registry_not_allowed::ImageRegistryNotAllowed,
    &images::image_vulnerable::ImageVulnerable,
    &images::image_not_scanned::ImageNotScanned,
    // Pod security (issue #3).
    &pod_security::namespace_enforce_missing::NamespaceEnforceMissing,
    &pod_security::workload_violates_enforce::WorkloadViolatesEnforce,
    &pod_security::workload_fails_restricted::WorkloadFailsRestricted,
    &pod_security::namespace_version_pinned::NamespaceVersionPinned,
    // Network policy (issue #4).
    &network_policy::ingress_default_deny_missing::IngressDefaultDenyMissing,
    &network_policy::egress_default_deny_missing::EgressDefaultDenyMissing,
    &network_policy::workload_not_selected::WorkloadNotSelected,
    &network_policy::policy_selects_nothing::PolicySelectsNothing,
    &network_policy::never_matching_namespace_selector::NeverMatchingNamespaceSelector,
    &network_policy::sensitive_port_open::SensitivePortOpen,
    &network_policy::world_egress_in_default_deny::WorldEgressInDefaultDeny,
    &network_policy::eks_enforcement_off::EksEnforcementOff,
    &network_policy::named_port_toward_ip_block::NamedPortTowardIpBlock,
    &network_policy::port_limit_exceeded::PortLimitExceeded,
    &network_policy::standalone_pod_not_enforced::StandalonePodNotEnforced,
    // AWS side (issue #5): networking, logging, data, patching, Auto Mode, access.
    &aws::aws_collection_gap::CollectionGap,
    &aws::net_endpoint_public::EndpointPublic,
    &aws::net_public_cidrs_open::PublicCidrsOpen,
    &aws::net_private_access_disabled::PrivateAccessDisabled,
    &aws::net_sg_ingress_anywhere::SgIngressAnywhere,
    &aws::net_nodegroup_ssh_open::NodegroupSshOpen,
    &aws::log_audit_disabled::AuditLogDisabled,
    &aws::log_authenticator_disabled::AuthenticatorLogDisabled,
    &aws::log_control_plane_disabled::ControlPlaneLogDisabled,
    &aws::log_group_protection::LogGroupProtection,
    &aws::log_guardduty_eks::GuardDutyEks,
    &aws::data_secrets_not_cmk::SecretsNotCmk,
    &aws::data_kms_key_unhealthy::KmsKeyUnhealthy,
    &aws::data_nodeclass_ephemeral_kms::NodeClassEphemeralKms,
    &aws::data_ebs_default_encryption_off::EbsDefaultEncryptionOff,
    &aws::data_storageclass_unencrypted::StorageClassUnencrypted,
    &aws::data_api_envelope_encryption::ApiEnvelopeEncryption,
    &aws::patch_version_support::VersionSupport,
    &aws::patch_upgrade_policy::UpgradePolicyExtended,
    &aws::patch_nodepool_expire_after::NodePoolExpireAfter,
    &aws::patch_nodepool_budget_blocks::NodePoolBudgetBlocks,
    &aws::auto_mode_flags_inconsistent::AutoModeFlagsInconsistent,
    &aws::auto_deletion_protection::DeletionProtectionOff,
    &aws::auto_mode_nodes_managed::AutoModeNodesManaged,
    &aws::netpol_default_allow::NetpolDefaultAllow,
    &aws::netpol_vpc_cni_addon_enforcement::VpcCniAddonEnforcement,
    &aws::acc_config_map_auth::ConfigMapAuth,
    &aws::acc_aws_auth_masters::AwsAuthMasters,
    &aws::acc_cluster_admin_entries::ClusterAdminEntries,
    &aws::acc_bootstrap_admin::BootstrapAdmin,
    // Managed node groups (issue #13).
    &aws::iam_nodegroup_imdsv1::NodegroupImdsv1,
    &aws::iam_nodegroup_imds_hop_limit::NodegroupImdsHopLimit,
    // Identity: IRSA / Pod Identity (issue #6).
    &identity_aws::irsa_sub_missing::IrsaSubMissing,
    &identity_aws::irsa_sub_cluster_wildcard::IrsaSubClusterWildcard,
    &identity_aws::irsa_sub_namespace_wildcard::IrsaSubNamespaceWildcard,
    &identity_aws::irsa_aud_not_sts::IrsaAudNotSts,
    &identity_aws::irsa_aud_missing::IrsaAudMissing,
    &identity_aws::irsa_string_like_exact::IrsaStringLikeExact,
    &identity_aws::irsa_foreign_provider::IrsaForeignProvider,
    &identity_aws::irsa_binding_not_trusted::IrsaBindingNotTrusted,
    &identity_aws::irsa_role_missing::IrsaRoleMissing,
    &identity_aws::pod_identity_sa_missing::PodIdentitySaMissing,
    &identity_aws::pod_identity_no_source::PodIdentityNoSource,
    &identity_aws::pod_identity_binding_broken::PodIdentityBindingBroken,
    &identity_aws::irsa_and_pod_identity::IrsaAndPodIdentity,
    &identity_aws::node_role_extra_policies::NodeRoleExtraPolicies,
    &identity_aws::aws_client_on_node_role::AwsClientOnNodeRole,
    &identity_aws::blast_critical::BlastCritical,
    &identity_aws::blast_escalation::BlastEscalation,
    &identity_aws::cluster_role_privileges::ClusterRolePrivileges,
    // Attack paths across layers (issue #15).
    &crate::rules::paths::path_aws_admin::PathAwsAdmin,
    &crate::rules::paths::path_aws_data::PathAwsData,
    &crate::rules::paths::path_cluster_admin::PathClusterAdmin,
    &crate::rules::paths::path_cluster_secrets::PathClusterSecrets,
    &crate::rules::paths::path_node_takeover::PathNodeTakeover,
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
