//! Identity & access: AWS credentials, ServiceAccounts, RBAC.

pub mod aws_credential_placeholder;
pub mod aws_credentials_in_env_or_configmap;
pub mod aws_credentials_in_secret;
pub mod cluster_admin_binding;
pub mod default_service_account;
pub mod host_network;
pub mod rbac_escalation_verbs;
pub mod rbac_pod_exec;
pub mod rbac_secrets_cluster_wide;
pub mod rbac_wildcard;
pub mod service_account_token_automount;
