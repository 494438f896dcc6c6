//! Live collection with the AWS SDK for Rust.
//!
//! [`collect`] calls the read-only operations in [`OPERATIONS`] (and no
//! other: a recording interceptor on every client enforces it in tests) and
//! turns each answer into the JSON the `aws` CLI would print for it, in the
//! snapshot layout. Calls run concurrently; the SDK's standard retry mode
//! retries throttling with exponential backoff; a call that still fails
//! becomes a [`CollectionGap`] (the `AWS-001` finding) and the rest goes on.

use crate::layout::file_name;
use crate::snapshot::{Document, Documents};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use eksguard_core::aws::CollectionGap;
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

pub use crate::ecr::{ECR_CONCURRENCY, EcrFindings, ecr_scan_findings};
pub use eksguard_images::EcrImage;

/// Every AWS operation the scan may call, as IAM actions. The minimal
/// read-only policy in `deploy/iam/eksguard-scan-policy.json` allows exactly
/// these (a test checks both ways).
pub const OPERATIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "eks:DescribeCluster",
    "eks:ListAccessEntries",
    "eks:DescribeAccessEntry",
    "eks:ListAssociatedAccessPolicies",
    "eks:ListPodIdentityAssociations",
    "eks:DescribePodIdentityAssociation",
    "ec2:DescribeSecurityGroups",
    "ec2:GetEbsEncryptionByDefault",
    "kms:DescribeKey",
    "kms:GetKeyRotationStatus",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListOpenIDConnectProviders",
    "ecr:DescribeImageScanFindings",
];

/// How many calls run at once. IAM's per-account request rate is the limit
/// that matters; the SDK retries what gets throttled.
const CONCURRENCY: usize = 16;

/// Attempts per call, including the first (standard retry mode: exponential
/// backoff with jitter on throttling and transient errors).
const MAX_ATTEMPTS: u32 = 6;

/// The cluster to collect and how to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub cluster: String,
    /// Region [default: from the environment / AWS config].
    pub region: Option<String>,
    /// Named profile from the AWS config files.
    pub profile: Option<String>,
    /// One endpoint for every service (an emulator such as moto).
    pub endpoint_url: Option<String>,
}

/// Why nothing could be collected.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(
        "cannot reach AWS as any principal (sts:GetCallerIdentity failed: {0}); check credentials, region and --endpoint-url"
    )]
    NoIdentity(String),
    #[error("EKS cluster {cluster} not found in region {region}")]
    ClusterNotFound { cluster: String, region: String },
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

/// Records the IAM action of every operation a client starts.
#[derive(Debug, Clone)]
struct Recorder {
    prefix: &'static str,
    seen: Arc<Mutex<BTreeSet<String>>>,
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "eksguard-operation-recorder"
    }

    // Not `read_before_execution`: client-level interceptors run that hook
    // before the operation's metadata is in the config bag.
    fn read_before_serialization(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(m) = cfg.load::<Metadata>()
            && let Ok(mut seen) = self.seen.lock()
        {
            seen.insert(format!("{}:{}", self.prefix, m.name()));
        }
        Ok(())
    }
}

/// The SDK clients of one collection.
#[derive(Clone)]
pub struct Clients {
    pub eks: aws_sdk_eks::Client,
    pub iam: aws_sdk_iam::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
    seen: Arc<Mutex<BTreeSet<String>>>,
}

impl Clients {
    /// Clients from the default credential chain (environment, profile, SSO,
    /// web identity, container and instance metadata), standard retries.
    pub async fn new(target: &Target) -> Clients {
        Clients::from_conf(&sdk_config(target).await)
    }

    /// Clients from an existing SDK configuration (tests use this with
    /// `aws-smithy-mocks` or an emulator).
    pub fn from_conf(conf: &aws_config::SdkConfig) -> Clients {
        let seen = Arc::new(Mutex::new(BTreeSet::new()));
        let rec = |prefix| Recorder {
            prefix,
            seen: seen.clone(),
        };
        Clients {
            eks: aws_sdk_eks::Client::from_conf(
                aws_sdk_eks::config::Builder::from(conf)
                    .interceptor(rec("eks"))
                    .build(),
            ),
            iam: aws_sdk_iam::Client::from_conf(
                aws_sdk_iam::config::Builder::from(conf)
                    .interceptor(rec("iam"))
                    .build(),
            ),
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(conf)
                    .interceptor(rec("ec2"))
                    .build(),
            ),
            kms: aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(conf)
                    .interceptor(rec("kms"))
                    .build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(conf)
                    .interceptor(rec("sts"))
                    .build(),
            ),
            seen: seen.clone(),
        }
    }

    /// Wraps existing clients (e.g. `aws-smithy-mocks` ones), adding the
    /// operation recorder to each.
    pub fn from_clients(
        eks: &aws_sdk_eks::Client,
        iam: &aws_sdk_iam::Client,
        ec2: &aws_sdk_ec2::Client,
        kms: &aws_sdk_kms::Client,
        sts: &aws_sdk_sts::Client,
    ) -> Clients {
        let seen = Arc::new(Mutex::new(BTreeSet::new()));
        let rec = |prefix| Recorder {
            prefix,
            seen: seen.clone(),
        };
        Clients {
            eks: aws_sdk_eks::Client::from_conf(
                eks.config().to_builder().interceptor(rec("eks")).build(),
            ),
            iam: aws_sdk_iam::Client::from_conf(
                iam.config().to_builder().interceptor(rec("iam")).build(),
            ),
            ec2: aws_sdk_ec2::Client::from_conf(
                ec2.config().to_builder().interceptor(rec("ec2")).build(),
            ),
            kms: aws_sdk_kms::Client::from_conf(
                kms.config().to_builder().interceptor(rec("kms")).build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(
                sts.config().to_builder().interceptor(rec("sts")).build(),
            ),
            seen: seen.clone(),
        }
    }

    /// IAM actions of every operation these clients have started.
    pub fn operations_called(&self) -> BTreeSet<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// The SDK configuration of a live scan: the default credential chain
/// (environment, profile, SSO, web identity, container and instance
/// metadata), standard retries, and the target's region, profile and
/// endpoint.
pub async fn sdk_config(target: &Target) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(r) = &target.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &target.profile {
        loader = loader.profile_name(p);
    }
    if let Some(u) = &target.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

/// [`ecr_scan_findings`] on a runtime of its own, with the target's
/// credentials and endpoint (each image is still asked in its own region).
pub fn ecr_scan_findings_blocking(
    target: &Target,
    images: &[EcrImage],
) -> Result<EcrFindings, LiveError> {
    if images.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError::Runtime(e.to_string()))?;
    Ok(rt.block_on(async { ecr_scan_findings(&sdk_config(target).await, images).await }))
}

/// Collects the cluster's AWS side on a runtime of its own.
pub fn collect_blocking(target: &Target) -> Result<Documents, LiveError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError::Runtime(e.to_string()))?;
    rt.block_on(async {
        let clients = Clients::new(target).await;
        collect(&clients, &target.cluster).await
    })
}

/// Documents and gaps collected so far, shared by concurrent tasks.
#[derive(Default)]
struct Out {
    docs: Mutex<Vec<Document>>,
    gaps: Mutex<Vec<CollectionGap>>,
}

impl Out {
    fn doc(&self, path: String, action: &'static str, value: Value) {
        if let Ok(mut d) = self.docs.lock() {
            d.push(Document {
                path,
                action,
                value,
            });
        }
    }

    /// Turns a failed call into a gap; returns `None` so callers can `?`.
    fn gap<T, E, R>(
        &self,
        action: &'static str,
        what: impl Into<String>,
        r: Result<T, SdkError<E, R>>,
    ) -> Option<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                let (code, message) = error_parts(&e);
                if let Ok(mut g) = self.gaps.lock() {
                    g.push(CollectionGap {
                        action: action.to_owned(),
                        what: what.into(),
                        code,
                        message,
                    });
                }
                None
            }
        }
    }
}

pub(crate) fn error_parts<E, R>(e: &SdkError<E, R>) -> (String, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            (
                err.code().unwrap_or("Unknown").to_owned(),
                err.message().map_or_else(|| err.to_string(), str::to_owned),
            )
        }
        SdkError::TimeoutError(_) => ("Timeout".into(), "the call timed out".into()),
        SdkError::DispatchFailure(d) => ("DispatchFailure".into(), format!("{d:?}")),
        other => (
            "Error".into(),
            aws_smithy_types::error::display::DisplayErrorContext(other).to_string(),
        ),
    }
}

/// Collects everything the controls read, as snapshot documents.
pub async fn collect(c: &Clients, cluster: &str) -> Result<Documents, LiveError> {
    let out = Out::default();
    let ident = c
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| LiveError::NoIdentity(error_parts(&e).1))?;
    out.doc(
        "sts/get-caller-identity.json".into(),
        "sts:GetCallerIdentity",
        obj([
            ("UserId", s(ident.user_id())),
            ("Account", s(ident.account())),
            ("Arn", s(ident.arn())),
        ]),
    );
    let described = c.eks.describe_cluster().name(cluster).send().await;
    if let Err(SdkError::ServiceError(e)) = &described
        && e.err().is_resource_not_found_exception()
    {
        return Err(LiveError::ClusterNotFound {
            cluster: cluster.to_owned(),
            region: c
                .eks
                .config()
                .region()
                .map_or_else(|| "?".to_owned(), ToString::to_string),
        });
    }
    let described = out.gap(
        "eks:DescribeCluster",
        format!("cluster {cluster}"),
        described,
    );
    let eks_cluster = described.as_ref().and_then(|d| d.cluster());
    if let Some(cl) = eks_cluster {
        out.doc(
            "eks/describe-cluster.json".into(),
            "eks:DescribeCluster",
            json!({"cluster": cluster_json(cl)}),
        );
    }
    let vpc_id = eks_cluster
        .and_then(|c| c.resources_vpc_config()?.vpc_id())
        .map(str::to_owned);
    let key_arns: Vec<String> = eks_cluster
        .map(|c| {
            c.encryption_config()
                .iter()
                .filter_map(|e| e.provider()?.key_arn().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();

    // Everything below is independent: run it concurrently.
    tokio::join!(
        access_entries(c, &out, cluster),
        pod_identity(c, &out, cluster),
        security_groups(c, &out, vpc_id.as_deref()),
        ebs_default(c, &out),
        kms_keys(c, &out, &key_arns),
        iam(c, &out),
    );

    let mut docs = out.docs.into_inner().unwrap_or_default();
    docs.sort_by(|a, b| a.path.cmp(&b.path));
    let mut gaps = out.gaps.into_inner().unwrap_or_default();
    gaps.sort_by(|a, b| (&a.action, &a.what).cmp(&(&b.action, &b.what)));
    Ok(Documents {
        docs,
        gaps,
        collected_at: Some(now_rfc3339()),
    })
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    aws_smithy_types::DateTime::from_secs(secs as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

async fn access_entries(c: &Clients, out: &Out, cluster: &str) {
    let r = c
        .eks
        .list_access_entries()
        .cluster_name(cluster)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let Some(principals) = out.gap(
        "eks:ListAccessEntries",
        format!("access entries of cluster {cluster}"),
        r,
    ) else {
        return;
    };
    out.doc(
        "eks/list-access-entries.json".into(),
        "eks:ListAccessEntries",
        json!({"accessEntries": principals}),
    );
    futures_util::stream::iter(principals)
        .for_each_concurrent(CONCURRENCY, |p| async move {
            let dir = format!("eks/access-entries/{}", file_name(&p));
            let r = c.eks.describe_access_entry().cluster_name(cluster).principal_arn(&p).send().await;
            if let Some(e) = out.gap("eks:DescribeAccessEntry", format!("access entry {p}"), r).and_then(|r| r.access_entry().cloned()) {
                let v = obj([
                    ("clusterName", s(e.cluster_name())),
                    ("principalArn", s(e.principal_arn())),
                    ("kubernetesGroups", json!(e.kubernetes_groups())),
                    ("accessEntryArn", s(e.access_entry_arn())),
                    ("tags", e.tags().map_or(Value::Null, |t| json!(sorted(t)))),
                    ("username", s(e.username())),
                    ("type", s(e.r#type())),
                ]);
                out.doc(format!("{dir}/describe-access-entry.json"), "eks:DescribeAccessEntry", json!({"accessEntry": v}));
            }
            let r = c
                .eks
                .list_associated_access_policies()
                .cluster_name(cluster)
                .principal_arn(&p)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await;
            let Some(associated) = out.gap("eks:ListAssociatedAccessPolicies", format!("access policies of {p}"), r) else { return };
            let policies: Vec<Value> = associated
                .iter()
                .map(|a| {
                    let scope = a.access_scope().map(|s| {
                        obj([
                            ("type", s.r#type().map_or(Value::Null, |t| t.as_str().into())),
                            ("namespaces", json!(s.namespaces())),
                        ])
                    });
                    obj([("policyArn", s(a.policy_arn())), ("accessScope", scope.unwrap_or(Value::Null))])
                })
                .collect();
            out.doc(
                format!("{dir}/list-associated-access-policies.json"),
                "eks:ListAssociatedAccessPolicies",
                json!({"clusterName": cluster, "principalArn": p, "associatedAccessPolicies": policies}),
            );
        })
        .await;
}

async fn pod_identity(c: &Clients, out: &Out, cluster: &str) {
    let r = c
        .eks
        .list_pod_identity_associations()
        .cluster_name(cluster)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let Some(associations) = out.gap(
        "eks:ListPodIdentityAssociations",
        format!("pod identity associations of cluster {cluster}"),
        r,
    ) else {
        return;
    };
    let ids: Vec<String> = associations
        .iter()
        .filter_map(|a| a.association_id().map(str::to_owned))
        .collect();
    let listed: Vec<Value> = associations
        .iter()
        .map(|a| {
            obj([
                ("clusterName", s(a.cluster_name())),
                ("namespace", s(a.namespace())),
                ("serviceAccount", s(a.service_account())),
                ("associationArn", s(a.association_arn())),
                ("associationId", s(a.association_id())),
            ])
        })
        .collect();
    out.doc(
        "eks/list-pod-identity-associations.json".into(),
        "eks:ListPodIdentityAssociations",
        json!({"associations": listed}),
    );
    futures_util::stream::iter(ids)
        .for_each_concurrent(CONCURRENCY, |id| async move {
            let r = c
                .eks
                .describe_pod_identity_association()
                .cluster_name(cluster)
                .association_id(&id)
                .send()
                .await;
            let Some(a) = out
                .gap(
                    "eks:DescribePodIdentityAssociation",
                    format!("pod identity association {id}"),
                    r,
                )
                .and_then(|r| r.association().cloned())
            else {
                return;
            };
            let v = obj([
                ("clusterName", s(a.cluster_name())),
                ("namespace", s(a.namespace())),
                ("serviceAccount", s(a.service_account())),
                ("roleArn", s(a.role_arn())),
                ("associationArn", s(a.association_arn())),
                ("associationId", s(a.association_id())),
                ("targetRoleArn", s(a.target_role_arn())),
                (
                    "disableSessionTags",
                    a.disable_session_tags().map_or(Value::Null, Value::Bool),
                ),
            ]);
            out.doc(
                format!("eks/pod-identity-associations/{}.json", file_name(&id)),
                "eks:DescribePodIdentityAssociation",
                json!({"association": v}),
            );
        })
        .await;
}

async fn security_groups(c: &Clients, out: &Out, vpc_id: Option<&str>) {
    let mut req = c.ec2.describe_security_groups();
    if let Some(v) = vpc_id {
        req = req.filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(v)
                .build(),
        );
    }
    let what = vpc_id.map_or_else(
        || "security groups".to_owned(),
        |v| format!("security groups of {v}"),
    );
    let r = req.into_paginator().items().send().try_collect().await;
    let Some(found) = out.gap("ec2:DescribeSecurityGroups", what, r) else {
        return;
    };
    let groups: Vec<Value> = found.iter().map(sg_json).collect();
    out.doc(
        "ec2/describe-security-groups.json".into(),
        "ec2:DescribeSecurityGroups",
        json!({"SecurityGroups": groups}),
    );
}

async fn ebs_default(c: &Clients, out: &Out) {
    let r = c.ec2.get_ebs_encryption_by_default().send().await;
    if let Some(r) = out.gap(
        "ec2:GetEbsEncryptionByDefault",
        "EBS encryption by default",
        r,
    ) {
        out.doc(
            "ec2/get-ebs-encryption-by-default.json".into(),
            "ec2:GetEbsEncryptionByDefault",
            obj([
                (
                    "EbsEncryptionByDefault",
                    r.ebs_encryption_by_default()
                        .map_or(Value::Null, Value::Bool),
                ),
                (
                    "SseType",
                    r.sse_type().map_or(Value::Null, |t| t.as_str().into()),
                ),
            ]),
        );
    }
}

async fn kms_keys(c: &Clients, out: &Out, arns: &[String]) {
    futures_util::stream::iter(arns.iter().collect::<BTreeSet<_>>())
        .for_each_concurrent(CONCURRENCY, |arn| async move {
            let dir = format!("kms/{}", file_name(arn.rsplit('/').next().unwrap_or(arn)));
            let (described, rotation) = tokio::join!(
                c.kms.describe_key().key_id(arn).send(),
                c.kms.get_key_rotation_status().key_id(arn).send()
            );
            if let Some(m) = out
                .gap("kms:DescribeKey", format!("KMS key {arn}"), described)
                .and_then(|d| d.key_metadata().cloned())
            {
                let v = obj([
                    ("AWSAccountId", s(m.aws_account_id())),
                    ("KeyId", m.key_id().into()),
                    ("Arn", s(m.arn())),
                    ("Enabled", Value::Bool(m.enabled())),
                    ("Description", s(m.description())),
                    (
                        "KeyState",
                        m.key_state().map_or(Value::Null, |k| k.as_str().into()),
                    ),
                    (
                        "Origin",
                        m.origin().map_or(Value::Null, |k| k.as_str().into()),
                    ),
                    (
                        "KeyManager",
                        m.key_manager().map_or(Value::Null, |k| k.as_str().into()),
                    ),
                    (
                        "KeySpec",
                        m.key_spec().map_or(Value::Null, |k| k.as_str().into()),
                    ),
                ]);
                out.doc(
                    format!("{dir}/describe-key.json"),
                    "kms:DescribeKey",
                    json!({"KeyMetadata": v}),
                );
            }
            if let Some(r) = out.gap(
                "kms:GetKeyRotationStatus",
                format!("rotation of KMS key {arn}"),
                rotation,
            ) {
                out.doc(
                    format!("{dir}/get-key-rotation-status.json"),
                    "kms:GetKeyRotationStatus",
                    obj([
                        ("KeyRotationEnabled", Value::Bool(r.key_rotation_enabled())),
                        ("KeyId", s(r.key_id())),
                        (
                            "RotationPeriodInDays",
                            r.rotation_period_in_days()
                                .map_or(Value::Null, |d| d.into()),
                        ),
                    ]),
                );
            }
        })
        .await;
}

async fn iam(c: &Clients, out: &Out) {
    let oidc = c.iam.list_open_id_connect_providers().send().await;
    if let Some(r) = out.gap("iam:ListOpenIDConnectProviders", "IAM OIDC providers", oidc) {
        let list: Vec<Value> = r
            .open_id_connect_provider_list()
            .iter()
            .map(|p| obj([("Arn", s(p.arn()))]))
            .collect();
        out.doc(
            "iam/list-open-id-connect-providers.json".into(),
            "iam:ListOpenIDConnectProviders",
            json!({"OpenIDConnectProviderList": list}),
        );
    }
    // One paginated call returns every role with its trust policy, inline
    // policies and attached policies, and the customer-managed policies with
    // their versions: a few requests instead of three or more per role.
    // AWS-managed policies are left out of it (there are over a thousand)
    // and fetched one by one below, only those attached to a role.
    const ACTION: &str = "iam:GetAccountAuthorizationDetails";
    use aws_sdk_iam::types::EntityType;
    let mut attached = BTreeSet::new();
    let mut have = BTreeSet::new();
    // A manual loop, not the SDK paginator: IAM says whether more pages
    // follow in `IsTruncated`, which the paginator does not read.
    let mut marker = None;
    loop {
        let r = c
            .iam
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .filter(EntityType::LocalManagedPolicy)
            .max_items(1000)
            .set_marker(marker.take())
            .send()
            .await;
        let Some(page) = out.gap(ACTION, "IAM roles and policies", r) else {
            break;
        };
        for role in page.role_detail_list() {
            let name = role.role_name().unwrap_or_default();
            let dir = format!("iam/roles/{}", file_name(name));
            let v = obj([
                ("Path", s(role.path())),
                ("RoleName", s(role.role_name())),
                ("RoleId", s(role.role_id())),
                ("Arn", s(role.arn())),
                (
                    "AssumeRolePolicyDocument",
                    s(role.assume_role_policy_document()),
                ),
            ]);
            out.doc(format!("{dir}/get-role.json"), ACTION, json!({"Role": v}));
            let list: Vec<Value> = role
                .attached_managed_policies()
                .iter()
                .map(|p| {
                    if let Some(arn) = p.policy_arn() {
                        attached.insert(arn.to_owned());
                    }
                    obj([
                        ("PolicyName", s(p.policy_name())),
                        ("PolicyArn", s(p.policy_arn())),
                    ])
                })
                .collect();
            out.doc(
                format!("{dir}/list-attached-role-policies.json"),
                ACTION,
                json!({"AttachedPolicies": list, "IsTruncated": false}),
            );
            for p in role.role_policy_list() {
                let pn = p.policy_name().unwrap_or_default();
                out.doc(
                    format!("{dir}/get-role-policy/{}.json", file_name(pn)),
                    ACTION,
                    json!({"RoleName": name, "PolicyName": pn, "PolicyDocument": s(p.policy_document())}),
                );
            }
        }
        for p in page.policies() {
            let Some(arn) = p.arn() else { continue };
            have.insert(arn.to_owned());
            let version = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version());
            write_policy(
                out,
                ACTION,
                arn,
                p.policy_name(),
                p.policy_id(),
                p.path(),
                p.default_version_id(),
                version,
            );
        }
        match (page.is_truncated(), page.marker()) {
            (true, Some(m)) => marker = Some(m.to_owned()),
            _ => break,
        }
    }
    let missing: Vec<String> = attached.difference(&have).cloned().collect();
    futures_util::stream::iter(missing)
        .for_each_concurrent(CONCURRENCY, |arn| async move {
            let r = c.iam.get_policy().policy_arn(&arn).send().await;
            let Some(p) = out
                .gap("iam:GetPolicy", format!("managed policy {arn}"), r)
                .and_then(|r| r.policy().cloned())
            else {
                return;
            };
            let version = match p.default_version_id() {
                Some(v) => {
                    let r = c
                        .iam
                        .get_policy_version()
                        .policy_arn(&arn)
                        .version_id(v)
                        .send()
                        .await;
                    out.gap(
                        "iam:GetPolicyVersion",
                        format!("default version of {arn}"),
                        r,
                    )
                    .and_then(|r| r.policy_version().cloned())
                }
                None => None,
            };
            write_policy(
                out,
                "iam:GetPolicy",
                &arn,
                p.policy_name(),
                p.policy_id(),
                p.path(),
                p.default_version_id(),
                version.as_ref(),
            );
        })
        .await;
}

/// `get-policy.json` and, with the default version, `get-policy-version.json`.
#[allow(clippy::too_many_arguments)]
fn write_policy(
    out: &Out,
    action: &'static str,
    arn: &str,
    name: Option<&str>,
    id: Option<&str>,
    path: Option<&str>,
    default_version: Option<&str>,
    version: Option<&aws_sdk_iam::types::PolicyVersion>,
) {
    let dir = format!("iam/policies/{}", file_name(arn));
    out.doc(
        format!("{dir}/get-policy.json"),
        action,
        json!({"Policy": obj([
            ("PolicyName", s(name)),
            ("PolicyId", s(id)),
            ("Arn", arn.into()),
            ("Path", s(path)),
            ("DefaultVersionId", s(default_version)),
        ])}),
    );
    if let Some(v) = version {
        out.doc(
            format!("{dir}/get-policy-version.json"),
            action,
            json!({"PolicyVersion": obj([
                ("Document", s(v.document())),
                ("VersionId", s(v.version_id())),
                ("IsDefaultVersion", Value::Bool(v.is_default_version())),
            ])}),
        );
    }
}

fn cluster_json(c: &aws_sdk_eks::types::Cluster) -> Value {
    let vpc = c.resources_vpc_config().map(|v| {
        obj([
            ("subnetIds", json!(v.subnet_ids())),
            ("securityGroupIds", json!(v.security_group_ids())),
            ("clusterSecurityGroupId", s(v.cluster_security_group_id())),
            ("vpcId", s(v.vpc_id())),
            (
                "endpointPublicAccess",
                Value::Bool(v.endpoint_public_access()),
            ),
            (
                "endpointPrivateAccess",
                Value::Bool(v.endpoint_private_access()),
            ),
            ("publicAccessCidrs", json!(v.public_access_cidrs())),
        ])
    });
    let net = c.kubernetes_network_config().map(|n| {
        obj([
            ("serviceIpv4Cidr", s(n.service_ipv4_cidr())),
            (
                "ipFamily",
                n.ip_family().map_or(Value::Null, |f| f.as_str().into()),
            ),
            (
                "elasticLoadBalancing",
                n.elastic_load_balancing()
                    .map_or(Value::Null, |e| enabled(e.enabled())),
            ),
        ])
    });
    let logging = c.logging().map(|l| {
        let setups: Vec<Value> = l
            .cluster_logging()
            .iter()
            .map(|s| {
                let types: Vec<&str> = s.types().iter().map(|t| t.as_str()).collect();
                obj([
                    ("types", json!(types)),
                    ("enabled", s.enabled().map_or(Value::Null, Value::Bool)),
                ])
            })
            .collect();
        json!({"clusterLogging": setups})
    });
    let encryption: Vec<Value> = c
        .encryption_config()
        .iter()
        .map(|e| {
            // Deprecated in the model (EKS now encrypts all API data with the
            // key), but still printed by the CLI: keep the snapshot faithful.
            #[allow(deprecated)]
            let resources = json!(e.resources());
            obj([
                ("resources", resources),
                (
                    "provider",
                    e.provider()
                        .map_or(Value::Null, |p| obj([("keyArn", s(p.key_arn()))])),
                ),
            ])
        })
        .collect();
    obj([
        ("name", s(c.name())),
        ("arn", s(c.arn())),
        ("version", s(c.version())),
        ("endpoint", s(c.endpoint())),
        ("roleArn", s(c.role_arn())),
        ("resourcesVpcConfig", vpc.unwrap_or(Value::Null)),
        ("kubernetesNetworkConfig", net.unwrap_or(Value::Null)),
        ("logging", logging.unwrap_or(Value::Null)),
        (
            "identity",
            c.identity().and_then(|i| i.oidc()).map_or(
                Value::Null,
                |o| json!({"oidc": obj([("issuer", s(o.issuer()))])}),
            ),
        ),
        (
            "status",
            c.status().map_or(Value::Null, |x| x.as_str().into()),
        ),
        ("platformVersion", s(c.platform_version())),
        ("tags", c.tags().map_or(Value::Null, |t| json!(sorted(t)))),
        (
            "encryptionConfig",
            if encryption.is_empty() {
                Value::Null
            } else {
                encryption.into()
            },
        ),
        (
            "accessConfig",
            c.access_config().map_or(Value::Null, |a| {
                obj([
                    (
                        "bootstrapClusterCreatorAdminPermissions",
                        a.bootstrap_cluster_creator_admin_permissions()
                            .map_or(Value::Null, Value::Bool),
                    ),
                    (
                        "authenticationMode",
                        a.authentication_mode()
                            .map_or(Value::Null, |m| m.as_str().into()),
                    ),
                ])
            }),
        ),
        (
            "upgradePolicy",
            c.upgrade_policy().map_or(Value::Null, |u| {
                obj([(
                    "supportType",
                    u.support_type().map_or(Value::Null, |t| t.as_str().into()),
                )])
            }),
        ),
        (
            "computeConfig",
            c.compute_config().map_or(Value::Null, |x| {
                obj([
                    ("enabled", x.enabled().map_or(Value::Null, Value::Bool)),
                    ("nodePools", json!(x.node_pools())),
                    ("nodeRoleArn", s(x.node_role_arn())),
                ])
            }),
        ),
        (
            "storageConfig",
            c.storage_config().map_or(Value::Null, |x| {
                obj([(
                    "blockStorage",
                    x.block_storage()
                        .map_or(Value::Null, |b| enabled(b.enabled())),
                )])
            }),
        ),
        (
            "deletionProtection",
            c.deletion_protection().map_or(Value::Null, Value::Bool),
        ),
    ])
}

fn sg_json(g: &aws_sdk_ec2::types::SecurityGroup) -> Value {
    let perms = |list: &[aws_sdk_ec2::types::IpPermission]| -> Vec<Value> {
        list.iter()
            .map(|p| {
                obj([
                    ("IpProtocol", s(p.ip_protocol())),
                    ("FromPort", p.from_port().map_or(Value::Null, |x| x.into())),
                    ("ToPort", p.to_port().map_or(Value::Null, |x| x.into())),
                    (
                        "UserIdGroupPairs",
                        p.user_id_group_pairs()
                            .iter()
                            .map(|u| {
                                obj([("GroupId", s(u.group_id())), ("UserId", s(u.user_id()))])
                            })
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                    (
                        "IpRanges",
                        p.ip_ranges()
                            .iter()
                            .map(|r| {
                                obj([
                                    ("CidrIp", s(r.cidr_ip())),
                                    ("Description", s(r.description())),
                                ])
                            })
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                    (
                        "Ipv6Ranges",
                        p.ipv6_ranges()
                            .iter()
                            .map(|r| {
                                obj([
                                    ("CidrIpv6", s(r.cidr_ipv6())),
                                    ("Description", s(r.description())),
                                ])
                            })
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                    (
                        "PrefixListIds",
                        p.prefix_list_ids()
                            .iter()
                            .map(|r| obj([("PrefixListId", s(r.prefix_list_id()))]))
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                ])
            })
            .collect()
    };
    let tags: Vec<Value> = g
        .tags()
        .iter()
        .map(|t| obj([("Key", s(t.key())), ("Value", s(t.value()))]))
        .collect();
    obj([
        ("GroupId", s(g.group_id())),
        ("GroupName", s(g.group_name())),
        ("Description", s(g.description())),
        ("VpcId", s(g.vpc_id())),
        ("OwnerId", s(g.owner_id())),
        ("SecurityGroupArn", s(g.security_group_arn())),
        ("IpPermissions", perms(g.ip_permissions()).into()),
        (
            "IpPermissionsEgress",
            perms(g.ip_permissions_egress()).into(),
        ),
        ("Tags", tags.into()),
    ])
}

fn enabled(v: Option<bool>) -> Value {
    obj([("enabled", v.map_or(Value::Null, Value::Bool))])
}

fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, Value::from)
}

fn sorted(m: &std::collections::HashMap<String, String>) -> BTreeMap<&String, &String> {
    m.iter().collect()
}

/// A JSON object of the non-null fields, in the given order (the `aws` CLI
/// omits absent members rather than printing `null`).
fn obj<const N: usize>(fields: [(&str, Value); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in fields {
        if !v.is_null() {
            m.insert(k.to_owned(), v);
        }
    }
    Value::Object(m)
}
