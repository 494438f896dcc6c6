//! The AWS side of a cluster (EKS cluster, IAM, EC2 security groups, KMS),
//! as collected live or read from an `aws` CLI snapshot.
//!
//! The structs mirror the AWS API shapes (botocore service models) closely
//! enough to deserialize the `aws` CLI's JSON directly, but keep only what
//! eksguard reads. Every field AWS may omit is optional: EKS Auto Mode
//! fields are absent on older clusters and on emulators, and new fields
//! AWS adds are ignored rather than fatal. Policy documents stay
//! [`serde_json::Value`]s (decoded from IAM's URL encoding) so the IAM engine
//! can parse them with its own rules.
//!
//! Each item remembers where it came from ([`AwsSource`]) so findings can
//! point at the snapshot file, line and field, or name the API call.

use crate::finding::Location;
use crate::path::{JsonPath, Spans};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Everything eksguard knows about the cluster's AWS account.
#[derive(Debug, Clone, Default)]
pub struct AwsFacts {
    /// The 12-digit account ID, from STS or the cluster ARN.
    pub account_id: Option<String>,
    pub region: Option<String>,
    /// The day controls evaluate dates against (`YYYY-MM-DD`): the scan's
    /// `--now`, else the day of the scan. Kept here so support-calendar
    /// checks are reproducible.
    pub as_of: Option<String>,
    pub cluster: Option<Sourced<EksCluster>>,
    pub access_entries: Vec<Sourced<AccessEntry>>,
    pub pod_identity_associations: Vec<Sourced<PodIdentityAssociation>>,
    pub roles: Vec<Sourced<IamRole>>,
    /// Customer- and AWS-managed policies attached to the roles, by ARN.
    pub managed_policies: BTreeMap<String, Sourced<ManagedPolicy>>,
    pub oidc_providers: Vec<Sourced<OidcProvider>>,
    pub security_groups: Vec<Sourced<SecurityGroup>>,
    pub kms_keys: Vec<Sourced<KmsKey>>,
    pub ebs_encryption_by_default: Option<Sourced<EbsEncryptionByDefault>>,
    /// Calls that failed (missing permission, throttled past retries): the
    /// checks that needed them could not run.
    pub gaps: Vec<CollectionGap>,
    /// Parsed snapshot documents with node positions, so a finding can point
    /// at the line of the offending field.
    pub documents: SourceDocuments,
}

/// Snapshot documents with the positions of their nodes (empty for live
/// data). Opaque: filled by [`AwsFacts::add_document`], read by
/// [`AwsFacts::locate`].
#[derive(Debug, Clone, Default)]
pub struct SourceDocuments(BTreeMap<Arc<str>, Located>);

#[derive(Debug, Clone)]
struct Located {
    value: Value,
    spans: Spans,
}

impl AwsFacts {
    /// Keeps a snapshot document's positions for [`AwsFacts::locate`].
    pub fn add_document(&mut self, file: Arc<str>, value: Value, spans: Spans) {
        self.documents.0.insert(file, Located { value, spans });
    }

    /// Where `field` (relative to the item at `source`) is in its snapshot
    /// file; `None` for live data.
    pub fn locate(&self, source: &AwsSource, field: &JsonPath) -> Option<Location> {
        let doc = self.documents.0.get(&source.origin)?;
        let path = source.path.clone().join(field);
        let pos = doc.spans.locate(&doc.value, &path)?;
        Some(Location {
            file: source.origin.to_string(),
            line: pos.line,
            column: pos.column,
        })
    }

    /// The IAM role with this ARN (compared case-sensitively on the path and
    /// name, as IAM does).
    pub fn role_by_arn(&self, arn: &str) -> Option<&Sourced<IamRole>> {
        self.roles.iter().find(|r| r.arn == arn)
    }

    pub fn kms_key(&self, arn_or_id: &str) -> Option<&Sourced<KmsKey>> {
        self.kms_keys
            .iter()
            .find(|k| k.arn.as_deref() == Some(arn_or_id) || k.key_id == arn_or_id)
    }

    pub fn security_group(&self, id: &str) -> Option<&Sourced<SecurityGroup>> {
        self.security_groups.iter().find(|g| g.group_id == id)
    }
}

/// Where one item came from: a snapshot file and the JSON path of the item in
/// it, or a live API call (`live:eks:DescribeCluster`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSource {
    pub origin: Arc<str>,
    pub path: JsonPath,
}

/// An item and its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub item: T,
    pub source: AwsSource,
}

impl<T> std::ops::Deref for Sourced<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.item
    }
}

/// A call that did not answer, so some checks could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionGap {
    /// IAM action of the call, e.g. `eks:DescribeCluster`.
    pub action: String,
    /// What could not be checked, e.g. `access entries of cluster acme-prod`.
    pub what: String,
    /// AWS error code, e.g. `AccessDeniedException`.
    pub code: String,
    pub message: String,
}

impl CollectionGap {
    /// `AccessDenied*`, `UnauthorizedOperation` (EC2): a permission the scan's
    /// role lacks, as opposed to a transient failure.
    pub fn is_permission(&self) -> bool {
        is_permission_error(&self.code)
    }
}

/// Whether an AWS error code means a missing permission (`AccessDenied*`,
/// EC2's `UnauthorizedOperation`, `AuthorizationError`) rather than a
/// failure worth retrying.
pub fn is_permission_error(code: &str) -> bool {
    code.starts_with("AccessDenied")
        || code == "UnauthorizedOperation"
        || code == "AuthorizationError"
}

/// `aws eks describe-cluster` → `cluster`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct EksCluster {
    pub name: String,
    pub arn: String,
    pub version: Option<String>,
    pub role_arn: Option<String>,
    pub status: Option<String>,
    pub platform_version: Option<String>,
    pub resources_vpc_config: Option<VpcConfig>,
    pub kubernetes_network_config: Option<KubernetesNetworkConfig>,
    pub logging: Option<Logging>,
    pub identity: Option<Identity>,
    pub encryption_config: Option<Vec<EncryptionConfig>>,
    pub access_config: Option<AccessConfig>,
    pub upgrade_policy: Option<UpgradePolicy>,
    pub compute_config: Option<ComputeConfig>,
    pub storage_config: Option<StorageConfig>,
    pub deletion_protection: Option<bool>,
    pub tags: Option<BTreeMap<String, String>>,
}

impl EksCluster {
    /// The OIDC issuer URL IRSA tokens are signed by.
    pub fn oidc_issuer(&self) -> Option<&str> {
        self.identity.as_ref()?.oidc.as_ref()?.issuer.as_deref()
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct VpcConfig {
    pub subnet_ids: Option<Vec<String>>,
    pub security_group_ids: Option<Vec<String>>,
    pub cluster_security_group_id: Option<String>,
    pub vpc_id: Option<String>,
    pub endpoint_public_access: Option<bool>,
    pub endpoint_private_access: Option<bool>,
    pub public_access_cidrs: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct KubernetesNetworkConfig {
    pub service_ipv4_cidr: Option<String>,
    pub ip_family: Option<String>,
    pub elastic_load_balancing: Option<Enabled>,
}

/// `{"enabled": bool}`, the shape of every Auto Mode switch.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Enabled {
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Logging {
    /// A list: AWS returns one entry per enabled state (all enabled types in
    /// one entry, all disabled ones in another), so every entry counts.
    pub cluster_logging: Option<Vec<LogSetup>>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct LogSetup {
    pub types: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Identity {
    pub oidc: Option<Oidc>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Oidc {
    pub issuer: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct EncryptionConfig {
    pub resources: Option<Vec<String>>,
    pub provider: Option<Provider>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Provider {
    pub key_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessConfig {
    pub bootstrap_cluster_creator_admin_permissions: Option<bool>,
    /// `API`, `API_AND_CONFIG_MAP` or `CONFIG_MAP`.
    pub authentication_mode: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct UpgradePolicy {
    /// `STANDARD` or `EXTENDED`.
    pub support_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ComputeConfig {
    pub enabled: Option<bool>,
    pub node_pools: Option<Vec<String>>,
    pub node_role_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct StorageConfig {
    pub block_storage: Option<Enabled>,
}

/// `aws eks describe-access-entry` → `accessEntry`, with the policies
/// `list-associated-access-policies` returned for its principal.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessEntry {
    pub cluster_name: Option<String>,
    pub principal_arn: String,
    pub kubernetes_groups: Option<Vec<String>>,
    pub access_entry_arn: Option<String>,
    pub username: Option<String>,
    /// `STANDARD`, `EC2_LINUX`, `FARGATE_LINUX`, `EC2`, `HYBRID_LINUX`, …
    #[serde(rename = "type")]
    pub entry_type: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(skip)]
    pub policies: Vec<Sourced<AssociatedAccessPolicy>>,
}

/// One entry of `list-associated-access-policies` → `associatedAccessPolicies`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AssociatedAccessPolicy {
    pub policy_arn: String,
    pub access_scope: Option<AccessScope>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessScope {
    /// `cluster` or `namespace`.
    #[serde(rename = "type")]
    pub scope_type: Option<String>,
    pub namespaces: Option<Vec<String>>,
}

/// `aws eks describe-pod-identity-association` → `association`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PodIdentityAssociation {
    pub cluster_name: Option<String>,
    pub namespace: String,
    pub service_account: String,
    pub role_arn: Option<String>,
    pub association_arn: Option<String>,
    pub association_id: Option<String>,
    pub target_role_arn: Option<String>,
    pub disable_session_tags: Option<bool>,
}

/// An IAM role with its trust policy and permission policies.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct IamRole {
    pub role_name: String,
    pub arn: String,
    pub path: Option<String>,
    /// Decoded from IAM's URL encoding.
    pub assume_role_policy_document: Option<Value>,
    pub permissions_boundary: Option<Value>,
    #[serde(skip)]
    pub attached_policies: Vec<AttachedPolicy>,
    #[serde(skip)]
    pub inline_policies: Vec<Sourced<InlinePolicy>>,
}

/// `list-attached-role-policies` → `AttachedPolicies[]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

/// `get-role-policy`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct InlinePolicy {
    pub role_name: String,
    pub policy_name: String,
    /// Decoded from IAM's URL encoding.
    pub policy_document: Value,
}

/// `get-policy` and its default version's document (`get-policy-version`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ManagedPolicy {
    pub policy_name: String,
    pub arn: String,
    pub default_version_id: Option<String>,
    #[serde(skip)]
    pub document: Option<Value>,
}

/// `list-open-id-connect-providers` → `OpenIDConnectProviderList[]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct OidcProvider {
    pub arn: String,
}

impl OidcProvider {
    /// The issuer host and path the ARN names (`oidc.eks.REGION.amazonaws.com/id/ID`).
    pub fn url(&self) -> Option<&str> {
        self.arn.split_once(":oidc-provider/").map(|(_, u)| u)
    }
}

/// `ec2 describe-security-groups` → `SecurityGroups[]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecurityGroup {
    pub group_id: String,
    pub group_name: Option<String>,
    pub description: Option<String>,
    pub vpc_id: Option<String>,
    pub owner_id: Option<String>,
    pub security_group_arn: Option<String>,
    pub ip_permissions: Option<Vec<IpPermission>>,
    pub ip_permissions_egress: Option<Vec<IpPermission>>,
    pub tags: Option<Vec<Tag>>,
}

impl SecurityGroup {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .flatten()
            .find(|t| t.key.as_deref() == Some(key))
            .and_then(|t| t.value.as_deref())
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub key: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpPermission {
    /// `tcp`, `udp`, `icmp`, a protocol number, or `-1` for all.
    pub ip_protocol: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub ip_ranges: Option<Vec<IpRange>>,
    pub ipv6_ranges: Option<Vec<Ipv6Range>>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpRange {
    pub cidr_ip: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipv6Range {
    pub cidr_ipv6: Option<String>,
    pub description: Option<String>,
}

/// `kms describe-key` → `KeyMetadata`, with `get-key-rotation-status`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct KmsKey {
    pub key_id: String,
    pub arn: Option<String>,
    pub enabled: Option<bool>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    pub key_state: Option<String>,
    /// `AWS` (AWS-managed) or `CUSTOMER`.
    pub key_manager: Option<String>,
    pub key_spec: Option<String>,
    pub origin: Option<String>,
    #[serde(skip)]
    pub rotation: Option<Sourced<KeyRotation>>,
}

/// `kms get-key-rotation-status`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeyRotation {
    pub key_rotation_enabled: Option<bool>,
    pub rotation_period_in_days: Option<i64>,
}

/// `ec2 get-ebs-encryption-by-default`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct EbsEncryptionByDefault {
    pub ebs_encryption_by_default: Option<bool>,
}

/// Decodes a policy document as IAM or a snapshot holds it: a JSON object
/// (what the `aws` CLI prints), a JSON string (moto), or a URL-encoded JSON
/// string (what the IAM API and the AWS SDKs return).
pub fn decode_policy_document(v: &Value) -> Result<Value, String> {
    match v {
        Value::Object(_) => Ok(v.clone()),
        Value::String(s) => {
            let trimmed = s.trim_start();
            let text = if trimmed.starts_with('{') {
                s.clone()
            } else {
                percent_decode(s)?
            };
            serde_json::from_str(&text).map_err(|e| format!("policy document is not JSON: {e}"))
        }
        other => Err(format!(
            "policy document is a {}, not a JSON object or string",
            crate::type_name(other)
        )),
    }
}

/// RFC 3986 percent-decoding (`+` is left alone: IAM encodes spaces as `%20`).
fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    format!("bad percent-escape at byte {i} of a URL-encoded policy document")
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "URL-encoded policy document is not UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_policy_document_form() {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]});
        // As IAM returns it: urllib.parse.quote(json.dumps(doc)).
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22s3%3AGet%2A%22%2C%20%22Resource%22%3A%20%22%2A%22%7D%5D%7D";
        assert_eq!(
            decode_policy_document(&Value::String(encoded.into())).unwrap(),
            doc
        );
        assert_eq!(
            decode_policy_document(&Value::String(doc.to_string())).unwrap(),
            doc
        );
        assert_eq!(decode_policy_document(&doc).unwrap(), doc);
        assert!(decode_policy_document(&Value::String("%7".into())).is_err());
        assert!(decode_policy_document(&Value::String("%FF%FE".into())).is_err());
        assert!(decode_policy_document(&Value::Bool(true)).is_err());
    }

    #[test]
    fn cluster_tolerates_missing_and_unknown_fields() {
        let c: EksCluster = serde_json::from_value(serde_json::json!({
            "name": "c", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/c",
            "someFieldFrom2030": {"x": 1},
            "logging": {"clusterLogging": [{"types": ["api"], "enabled": true}, {"types": ["audit"], "enabled": false}]}
        }))
        .unwrap();
        assert_eq!(c.compute_config, None);
        assert_eq!(c.logging.unwrap().cluster_logging.unwrap().len(), 2);
    }

    #[test]
    fn oidc_provider_url_comes_from_the_arn() {
        let p = OidcProvider {
            arn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
                .into(),
        };
        assert_eq!(p.url(), Some("oidc.eks.eu-west-1.amazonaws.com/id/ABC"));
    }
}
