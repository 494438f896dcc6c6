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
    /// The principal the collection ran as (`sts get-caller-identity`).
    pub identity: Option<CallerIdentity>,
    /// Managed node groups (`eks describe-nodegroup`).
    pub nodegroups: Vec<Sourced<Nodegroup>>,
    /// Launch template versions the node groups use
    /// (`ec2 describe-launch-template-versions`), without user data.
    pub launch_template_versions: Vec<Sourced<LaunchTemplateVersion>>,
    /// Fargate profiles (`eks describe-fargate-profile`).
    pub fargate_profiles: Vec<Sourced<FargateProfile>>,
    /// EKS add-ons (`eks describe-addon`).
    pub addons: Vec<Sourced<Addon>>,
    /// The EKS release calendar as the API reports it
    /// (`eks describe-cluster-versions`); empty when not collected.
    pub cluster_versions: Vec<Sourced<ClusterVersionInfo>>,
    /// The cluster's control-plane log group (`logs describe-log-groups
    /// --log-group-name-prefix /aws/eks/NAME/cluster`), when it exists.
    pub log_groups: Vec<Sourced<LogGroup>>,
    /// Amazon GuardDuty detectors of the cluster's region
    /// (`guardduty get-detector`).
    pub guardduty_detectors: Vec<Sourced<GuardDutyDetector>>,
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

/// The principal a collection ran as (`aws sts get-caller-identity`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct CallerIdentity {
    pub account: Option<String>,
    pub arn: Option<String>,
    pub user_id: Option<String>,
}

/// A call that did not answer, so some checks could not run.
///
/// Everything AWS said is kept (HTTP status, error code, message, request
/// ID), and the failure is classified so that the advice fits it: only an
/// access denial points at the scanning principal's IAM policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionGap {
    /// IAM action of the call, e.g. `eks:DescribeCluster`.
    pub action: String,
    /// What could not be checked, e.g. `access entries of cluster acme-prod`.
    pub what: String,
    /// AWS error code, e.g. `AccessDeniedException` (empty when the answer
    /// carried none, e.g. a bare HTTP 404).
    pub code: String,
    /// The service's own message, or the transport error in words.
    pub message: String,
    pub class: FailureClass,
    /// HTTP status of the answer (none when nothing answered).
    pub status: Option<u16>,
    /// The request ID AWS gave the call (`x-amzn-RequestId`).
    pub request_id: Option<String>,
    /// For an access denial: the policy type that denied the call when the
    /// message says (`explicit deny in a service control policy`, `no
    /// identity-based policy allows the action`).
    pub denied_by: Option<String>,
}

/// What kind of failure a call met. Decides the advice: only
/// [`FailureClass::AccessDenied`] is fixed in the scanning principal's IAM
/// policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureClass {
    /// `AccessDenied*`, `UnauthorizedOperation`, `AuthorizationError`.
    AccessDenied,
    /// HTTP 404 or a `*NotFound*`/`NoSuchEntity` code: the resource, or the
    /// API itself at this endpoint, does not exist.
    NotFound,
    /// Throttled, and still throttled after the retries.
    Throttled,
    /// Nothing answered: connection refused or timed out, DNS, TLS.
    Unreachable,
    /// The credentials were rejected (`InvalidClientTokenId`,
    /// `UnrecognizedClientException`, `SignatureDoesNotMatch`, `AuthFailure`).
    InvalidCredentials,
    /// The credentials have expired (`ExpiredToken*`, `RequestExpired`).
    ExpiredToken,
    /// No region was configured.
    NoRegion,
    /// No credentials were found.
    NoCredentials,
    /// HTTP 5xx: AWS failed.
    ServerError,
    /// Not collected by choice or absent from a snapshot (taken by an older
    /// eksguard, or by hand): a warning, not a failed collection.
    NotCollected,
    /// Anything else (a validation error, an unparseable answer).
    #[default]
    Other,
}

impl FailureClass {
    pub const ALL: [FailureClass; 11] = [
        FailureClass::AccessDenied,
        FailureClass::NotFound,
        FailureClass::Throttled,
        FailureClass::Unreachable,
        FailureClass::InvalidCredentials,
        FailureClass::ExpiredToken,
        FailureClass::NoRegion,
        FailureClass::NoCredentials,
        FailureClass::ServerError,
        FailureClass::NotCollected,
        FailureClass::Other,
    ];

    /// The snake_case name written to `snapshot.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::AccessDenied => "access_denied",
            FailureClass::NotFound => "not_found",
            FailureClass::Throttled => "throttled",
            FailureClass::Unreachable => "unreachable",
            FailureClass::InvalidCredentials => "invalid_credentials",
            FailureClass::ExpiredToken => "expired_token",
            FailureClass::NoRegion => "no_region",
            FailureClass::NoCredentials => "no_credentials",
            FailureClass::ServerError => "server_error",
            FailureClass::NotCollected => "not_collected",
            FailureClass::Other => "error",
        }
    }

    pub fn parse(s: &str) -> Option<FailureClass> {
        FailureClass::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Classifies an AWS answer by its error code and HTTP status.
    pub fn classify(code: &str, status: Option<u16>) -> FailureClass {
        const INVALID: &[&str] = &[
            "InvalidClientTokenId",
            "UnrecognizedClientException",
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId",
            "AuthFailure",
            "IncompleteSignature",
            "MissingAuthenticationToken",
            "InvalidSignatureException",
            "MissingAuthenticationTokenException",
        ];
        const THROTTLED: &[&str] = &[
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "RequestThrottledException",
            "SlowDown",
            "BandwidthLimitExceeded",
            "LimitExceededException",
            "ProvisionedThroughputExceededException",
            "PriorRequestNotComplete",
        ];
        if is_permission_error(code) {
            FailureClass::AccessDenied
        } else if code.starts_with("ExpiredToken")
            || code == "RequestExpired"
            || code == "TokenRefreshRequired"
        {
            FailureClass::ExpiredToken
        } else if INVALID.contains(&code) {
            FailureClass::InvalidCredentials
        } else if THROTTLED.contains(&code) || status == Some(429) {
            FailureClass::Throttled
        } else if code.contains("NotFound") || code == "NoSuchEntity" || status == Some(404) {
            FailureClass::NotFound
        } else if status.is_some_and(|s| s >= 500) {
            FailureClass::ServerError
        } else {
            FailureClass::Other
        }
    }
}

impl std::fmt::Display for FailureClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CollectionGap {
    /// A gap of `action` about `what`, classified from the code and status
    /// (and, for a denial, the policy type read from the message).
    pub fn new(
        action: impl Into<String>,
        what: impl Into<String>,
        status: Option<u16>,
        code: impl Into<String>,
        message: impl Into<String>,
        request_id: Option<String>,
    ) -> CollectionGap {
        let code = code.into();
        let message = message.into();
        let class = FailureClass::classify(&code, status);
        CollectionGap {
            action: action.into(),
            what: what.into(),
            denied_by: (class == FailureClass::AccessDenied)
                .then(|| denied_by(&message))
                .flatten(),
            code,
            message,
            class,
            status,
            request_id,
        }
    }

    /// `AccessDenied*`, `UnauthorizedOperation` (EC2): a permission the scan's
    /// role lacks, as opposed to a transient failure.
    pub fn is_permission(&self) -> bool {
        self.class == FailureClass::AccessDenied
    }

    /// What happened, in AWS's words: the verdict, then `HTTP <status>
    /// <code>: <message> (request ID <id>)`.
    ///
    /// ```text
    /// eks:ListAccessEntries was denied (explicit deny in a service control policy): HTTP 403 AccessDeniedException: User: … (request ID 0d3c…)
    /// eks:ListAccessEntries answered HTTP 404 Not Found: The requested URL was not found on the server.
    /// ```
    pub fn summary(&self) -> String {
        let a = &self.action;
        let verdict = match self.class {
            FailureClass::AccessDenied => match &self.denied_by {
                Some(by) => format!("{a} was denied ({by})"),
                None => format!("{a} was denied"),
            },
            FailureClass::NotFound => format!("{a} answered not found"),
            FailureClass::Throttled => format!("{a} was still throttled after the retries"),
            FailureClass::Unreachable => format!("{a} could not reach AWS"),
            FailureClass::InvalidCredentials => format!("{a} rejected the credentials"),
            FailureClass::ExpiredToken => format!("{a} rejected expired credentials"),
            FailureClass::NoRegion => format!("{a} was not called: no region"),
            FailureClass::NoCredentials => format!("{a} was not called: no credentials"),
            FailureClass::ServerError => format!("{a} failed on the AWS side"),
            FailureClass::NotCollected => format!("{a} was not collected"),
            FailureClass::Other => format!("{a} failed"),
        };
        let mut out = verdict;
        let mut head = String::new();
        if let Some(s) = self.status {
            head.push_str(&format!("HTTP {s}"));
            if self.code.is_empty()
                && let Some(r) = http_reason(s)
            {
                head.push(' ');
                head.push_str(r);
            }
        }
        if !self.code.is_empty() {
            if !head.is_empty() {
                head.push(' ');
            }
            head.push_str(&self.code);
        }
        if !head.is_empty() {
            out.push_str(": ");
            out.push_str(&head);
        }
        if !self.message.is_empty() {
            out.push_str(": ");
            out.push_str(&self.message);
        }
        if let Some(id) = &self.request_id {
            out.push_str(&format!(" (request ID {id})"));
        }
        out
    }

    /// What to do about it; only an access denial points at the scanning
    /// principal's IAM policy.
    pub fn advice(&self) -> String {
        let a = &self.action;
        match self.class {
            FailureClass::AccessDenied => match self.denied_by.as_deref() {
                Some(by) if by.starts_with("explicit deny") => format!(
                    "The call is blocked by an {by}: an Allow in the scanning principal's policy will not override it. Ask the owner of that policy to exempt the scanning role from the deny of {a}, then scan again."
                ),
                Some(by) if by.contains("permissions boundary") => format!(
                    "The scanning role's permissions boundary does not allow {a}: add it to the boundary (and to the role's policy, see deploy/iam/eksguard-scan-policy.json), then scan again."
                ),
                Some(by) if by.contains("session policy") => format!(
                    "The session policy passed when the role was assumed does not allow {a}: assume the role without it (or add the action to it), then scan again."
                ),
                Some(by) if by.contains("service control policy") || by.contains("resource control policy") => format!(
                    "An AWS Organizations policy ({by}) does not allow {a}: ask the organization's administrators to allow it for the scanning role, then scan again."
                ),
                _ => format!(
                    "Allow {a} to the scanning principal (see deploy/iam/eksguard-scan-policy.json) and scan again."
                ),
            },
            FailureClass::NotFound => format!(
                "{a} answered 404: the resource, or the API itself, does not exist at this endpoint and region. Check --region and --endpoint-url (an emulator may not implement {a}); no IAM change will fix it."
            ),
            FailureClass::Throttled => format!(
                "AWS throttled {a} past the retries: scan again later, or ask for a higher request quota for the API if it recurs."
            ),
            FailureClass::Unreachable => "Check network access to the AWS endpoint (proxy, VPC endpoint, firewall, DNS) and --endpoint-url; raise --connect-timeout on a slow link.".to_owned(),
            FailureClass::InvalidCredentials => "The credentials were rejected: check them with `aws sts get-caller-identity` (and --profile), then scan again.".to_owned(),
            FailureClass::ExpiredToken => "The credentials have expired: refresh them (aws sso login, or assume the role again), then scan again.".to_owned(),
            FailureClass::NoRegion => "Pass --region or set AWS_REGION.".to_owned(),
            FailureClass::NoCredentials => "Configure credentials (aws configure, AWS_PROFILE, or a role) and scan again.".to_owned(),
            FailureClass::ServerError => "AWS answered with a server error: scan again; if it persists, check the AWS Health Dashboard.".to_owned(),
            FailureClass::NotCollected => format!(
                "Take the snapshot again with this eksguard (eksguard aws snapshot), which collects {a}."
            ),
            FailureClass::Other => format!(
                "Read AWS's message above; {a} is one of the read-only calls in deploy/iam/eksguard-scan-policy.json."
            ),
        }
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

/// The reason phrase of the HTTP statuses AWS answers with.
fn http_reason(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// The policy type an access-denied message names: `explicit deny in a
/// service control policy`, `no identity-based policy allows the action`.
pub fn denied_by(message: &str) -> Option<String> {
    if let Some(i) = message.find("explicit deny in ") {
        let rest = &message[i + "explicit deny in ".len()..];
        let rest = rest.trim_start_matches("an ").trim_start_matches("a ");
        // The policy type, up to a `:` before the policy's ARN, or the end.
        let kind = rest.split([':', '.', '(']).next().unwrap_or(rest).trim();
        if !kind.is_empty() {
            return Some(format!("explicit deny in {}", with_article(kind)));
        }
    }
    if let Some(i) = message.find("because no ") {
        let rest = &message[i + "because no ".len()..];
        if let Some(j) = rest.find(" allows") {
            return Some(format!("no {} allows the action", &rest[..j]));
        }
    }
    None
}

fn with_article(kind: &str) -> String {
    let vowel = kind
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {kind}", if vowel { "an" } else { "a" })
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

/// `aws eks describe-nodegroup` → `nodegroup`: a managed node group.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Nodegroup {
    pub nodegroup_name: String,
    pub nodegroup_arn: Option<String>,
    pub cluster_name: Option<String>,
    pub version: Option<String>,
    pub release_version: Option<String>,
    pub status: Option<String>,
    pub capacity_type: Option<String>,
    /// `AL2_x86_64`, `AL2023_x86_64_STANDARD`, `BOTTLEROCKET_x86_64`, `CUSTOM`, …
    pub ami_type: Option<String>,
    /// The node IAM role the instances run as.
    pub node_role: Option<String>,
    pub subnets: Option<Vec<String>>,
    pub instance_types: Option<Vec<String>>,
    pub remote_access: Option<RemoteAccess>,
    pub launch_template: Option<LaunchTemplateSpec>,
    pub resources: Option<NodegroupResources>,
    pub tags: Option<BTreeMap<String, String>>,
}

impl Nodegroup {
    /// The node group's ARN, or one built from the cluster's.
    pub fn arn(&self, cluster_arn: &str) -> String {
        self.nodegroup_arn.clone().unwrap_or_else(|| {
            format!(
                "{}/{}",
                cluster_arn.replacen(":cluster/", ":nodegroup/", 1),
                self.nodegroup_name
            )
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RemoteAccess {
    pub ec2_ssh_key: Option<String>,
    pub source_security_groups: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct LaunchTemplateSpec {
    pub name: Option<String>,
    pub version: Option<String>,
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct NodegroupResources {
    /// The security group EKS creates for SSH when remote access is set.
    pub remote_access_security_group: Option<String>,
}

/// `ec2 describe-launch-template-versions` → `LaunchTemplateVersions[]`
/// (the snapshot never holds `UserData`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct LaunchTemplateVersion {
    pub launch_template_id: Option<String>,
    pub launch_template_name: Option<String>,
    pub version_number: Option<i64>,
    pub default_version: Option<bool>,
    pub launch_template_data: Option<LaunchTemplateData>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct LaunchTemplateData {
    pub image_id: Option<String>,
    pub metadata_options: Option<MetadataOptions>,
    pub security_group_ids: Option<Vec<String>>,
}

/// The instance metadata service options of a launch template.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct MetadataOptions {
    /// `required` (IMDSv2 only) or `optional` (IMDSv1 allowed).
    pub http_tokens: Option<String>,
    pub http_put_response_hop_limit: Option<i64>,
    /// `enabled` or `disabled`.
    pub http_endpoint: Option<String>,
}

/// `aws eks describe-fargate-profile` → `fargateProfile`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct FargateProfile {
    pub fargate_profile_name: String,
    pub fargate_profile_arn: Option<String>,
    pub cluster_name: Option<String>,
    /// The pod execution role Fargate pulls images and writes logs as.
    pub pod_execution_role_arn: Option<String>,
    pub subnets: Option<Vec<String>>,
    pub status: Option<String>,
}

/// `aws eks describe-addon` → `addon`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Addon {
    pub addon_name: String,
    pub addon_arn: Option<String>,
    pub cluster_name: Option<String>,
    pub addon_version: Option<String>,
    pub status: Option<String>,
    pub service_account_role_arn: Option<String>,
    /// JSON (or YAML) the add-on was configured with.
    pub configuration_values: Option<String>,
    pub pod_identity_associations: Option<Vec<String>>,
}

impl Addon {
    /// A top-level key of `configurationValues` (JSON, or the flat YAML
    /// `key: value` form the console writes), as a string.
    pub fn configuration_value(&self, key: &str) -> Option<String> {
        let text = self.configuration_values.as_deref()?.trim();
        if text.is_empty() {
            return None;
        }
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            return match v.get(key)? {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            };
        }
        text.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim().trim_matches(['"', '\'']) == key && !l.starts_with([' ', '\t']))
                .then(|| v.trim().trim_matches(['"', '\'']).to_owned())
        })
    }
}

/// `aws eks describe-cluster-versions` → `clusterVersions[]`: one
/// Kubernetes minor and its support dates.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ClusterVersionInfo {
    pub cluster_version: String,
    pub release_date: Option<String>,
    /// ISO 8601; the first ten characters are the day.
    pub end_of_standard_support_date: Option<String>,
    pub end_of_extended_support_date: Option<String>,
    /// `UNSUPPORTED`, `STANDARD_SUPPORT`, `EXTENDED_SUPPORT`.
    pub version_status: Option<String>,
}

/// `aws logs describe-log-groups` → `logGroups[]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct LogGroup {
    pub log_group_name: String,
    pub arn: Option<String>,
    pub log_group_arn: Option<String>,
    /// Days; absent means logs never expire.
    pub retention_in_days: Option<i64>,
    /// The KMS key the group is encrypted with; absent means CloudWatch's own.
    pub kms_key_id: Option<String>,
}

/// `aws guardduty get-detector` (with its ID, which the call takes).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GuardDutyDetector {
    pub detector_id: String,
    /// `ENABLED` or `DISABLED`.
    pub status: Option<String>,
    pub features: Option<Vec<GuardDutyFeature>>,
    /// The older form of the protections (`Kubernetes.AuditLogs.Status`).
    pub data_sources: Option<Value>,
}

impl GuardDutyDetector {
    /// The status of a protection feature (`EKS_AUDIT_LOGS`,
    /// `RUNTIME_MONITORING`, `EKS_RUNTIME_MONITORING`), upper-cased.
    pub fn feature(&self, name: &str) -> Option<&GuardDutyFeature> {
        self.features.iter().flatten().find(|f| f.name == name)
    }

    /// Whether a feature's status is `ENABLED`.
    pub fn enabled(&self, name: &str) -> bool {
        self.feature(name)
            .and_then(|f| f.status.as_deref())
            .is_some_and(|s| s.eq_ignore_ascii_case("ENABLED"))
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GuardDutyFeature {
    pub name: String,
    pub status: Option<String>,
    pub additional_configuration: Option<Vec<GuardDutyAdditional>>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GuardDutyAdditional {
    pub name: String,
    pub status: Option<String>,
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
    fn failures_are_classified_by_code_and_status() {
        use FailureClass::*;
        let c = FailureClass::classify;
        assert_eq!(c("AccessDeniedException", Some(403)), AccessDenied);
        assert_eq!(c("UnauthorizedOperation", Some(403)), AccessDenied);
        assert_eq!(c("ResourceNotFoundException", Some(404)), NotFound);
        assert_eq!(c("", Some(404)), NotFound);
        assert_eq!(c("NoSuchEntity", Some(404)), NotFound);
        assert_eq!(c("ThrottlingException", Some(400)), Throttled);
        assert_eq!(c("", Some(429)), Throttled);
        assert_eq!(c("InvalidClientTokenId", Some(403)), InvalidCredentials);
        assert_eq!(
            c("UnrecognizedClientException", Some(403)),
            InvalidCredentials
        );
        assert_eq!(c("ExpiredTokenException", Some(403)), ExpiredToken);
        assert_eq!(c("ExpiredToken", Some(400)), ExpiredToken);
        assert_eq!(c("InternalFailure", Some(500)), ServerError);
        assert_eq!(c("ValidationException", Some(400)), Other);
        for class in FailureClass::ALL {
            assert_eq!(FailureClass::parse(class.as_str()), Some(class));
        }
    }

    #[test]
    fn a_denial_names_the_policy_type_and_the_advice_follows_it() {
        let scp = CollectionGap::new(
            "eks:ListAccessEntries",
            "access entries of cluster c",
            Some(403),
            "AccessDeniedException",
            "User: arn:aws:sts::111122223333:assumed-role/scanner/s is not authorized to perform: eks:ListAccessEntries on resource: arn:aws:eks:eu-west-1:111122223333:cluster/c with an explicit deny in a service control policy: arn:aws:organizations::999999999999:policy/o-a1/service_control_policy/p-b2",
            Some("0d3c2b1a-0000-4000-8000-000000000001".into()),
        );
        assert_eq!(scp.class, FailureClass::AccessDenied);
        assert_eq!(
            scp.denied_by.as_deref(),
            Some("explicit deny in a service control policy")
        );
        assert_eq!(
            scp.summary(),
            "eks:ListAccessEntries was denied (explicit deny in a service control policy): HTTP 403 AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/scanner/s is not authorized to perform: eks:ListAccessEntries on resource: arn:aws:eks:eu-west-1:111122223333:cluster/c with an explicit deny in a service control policy: arn:aws:organizations::999999999999:policy/o-a1/service_control_policy/p-b2 (request ID 0d3c2b1a-0000-4000-8000-000000000001)"
        );
        assert_eq!(
            scp.advice(),
            "The call is blocked by an explicit deny in a service control policy: an Allow in the scanning principal's policy will not override it. Ask the owner of that policy to exempt the scanning role from the deny of eks:ListAccessEntries, then scan again."
        );
        let none = CollectionGap::new(
            "iam:GetPolicy",
            "x",
            Some(403),
            "AccessDenied",
            "User: arn:aws:iam::1:user/a is not authorized to perform: iam:GetPolicy on resource: policy p because no identity-based policy allows the iam:GetPolicy action",
            None,
        );
        assert_eq!(
            none.denied_by.as_deref(),
            Some("no identity-based policy allows the action")
        );
        assert!(
            none.advice()
                .starts_with("Allow iam:GetPolicy to the scanning principal")
        );
        // A bare 404 (an emulator without the API): not a permission problem.
        let missing = CollectionGap::new(
            "eks:ListAccessEntries",
            "x",
            Some(404),
            "",
            "The requested URL was not found on the server.",
            None,
        );
        assert_eq!(missing.class, FailureClass::NotFound);
        assert_eq!(
            missing.summary(),
            "eks:ListAccessEntries answered not found: HTTP 404 Not Found: The requested URL was not found on the server."
        );
        assert!(!missing.advice().contains("Allow"), "{}", missing.advice());
    }

    #[test]
    fn addon_configuration_values_read_as_json_or_flat_yaml() {
        let mut a = Addon {
            addon_name: "vpc-cni".into(),
            configuration_values: Some(
                r#"{"enableNetworkPolicy": "true", "env": {"X": "1"}}"#.into(),
            ),
            ..Default::default()
        };
        assert_eq!(
            a.configuration_value("enableNetworkPolicy").as_deref(),
            Some("true")
        );
        a.configuration_values = Some(
            "enableNetworkPolicy: \"true\"\nnodeAgent:\n  enablePolicyEventLogs: \"true\"\n".into(),
        );
        assert_eq!(
            a.configuration_value("enableNetworkPolicy").as_deref(),
            Some("true")
        );
        assert_eq!(a.configuration_value("enablePolicyEventLogs"), None);
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
