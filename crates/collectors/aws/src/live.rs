//! Live collection with the AWS SDK for Rust.
//!
//! [`connect`] checks what a person can fix before any call (the profile
//! exists, a region is set, credentials are found) and [`collect`] first
//! asks STS who the scan runs as, failing fast and in words when nothing
//! answers. Then it calls the read-only operations in [`OPERATIONS`] (and
//! no other: a recording interceptor on every client enforces it in tests)
//! and turns each answer into the JSON the `aws` CLI would print for it, in
//! the snapshot layout. Calls run concurrently; the SDK's standard retry
//! mode retries throttling with exponential backoff; a call that still
//! fails becomes a [`CollectionGap`] in AWS's own words (HTTP status,
//! error code, message, request ID; the `AWS-001` finding) and the rest
//! goes on.

use crate::failure::{self, chain};
use crate::layout::file_name;
use crate::snapshot::{Document, Documents};
use aws_sdk_sts::config::ProvideCredentials;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use eksguard_core::aws::{CollectionGap, FailureClass};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::ecr::{ECR_CONCURRENCY, EcrFindings, ecr_scan_findings};
pub use eksguard_images::EcrImage;

/// Every AWS operation the scan may call, as IAM actions. The minimal
/// read-only policy in `deploy/iam/eksguard-scan-policy.json` allows exactly
/// these (a test checks both ways).
pub const OPERATIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "eks:DescribeCluster",
    "eks:DescribeClusterVersions",
    "eks:ListAccessEntries",
    "eks:DescribeAccessEntry",
    "eks:ListAssociatedAccessPolicies",
    "eks:ListPodIdentityAssociations",
    "eks:DescribePodIdentityAssociation",
    "eks:ListNodegroups",
    "eks:DescribeNodegroup",
    "eks:ListFargateProfiles",
    "eks:DescribeFargateProfile",
    "eks:ListAddons",
    "eks:DescribeAddon",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetEbsEncryptionByDefault",
    "kms:DescribeKey",
    "kms:GetKeyRotationStatus",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListOpenIDConnectProviders",
    "ecr:DescribeImageScanFindings",
    "logs:DescribeLogGroups",
    "guardduty:ListDetectors",
    "guardduty:GetDetector",
];

/// How many calls run at once. IAM's per-account request rate is the limit
/// that matters; the SDK retries what gets throttled.
const CONCURRENCY: usize = 16;

/// Attempts per call, including the first (standard retry mode: exponential
/// backoff with jitter on throttling and transient errors).
pub const MAX_ATTEMPTS: u32 = 6;

/// How long a connection to an AWS endpoint may take to open, unless
/// `--connect-timeout` says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one attempt of one call may take in all.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Attempts of the first call (`sts:GetCallerIdentity`) on throttling or a
/// server error. A connection failure is not retried: nothing answered,
/// and the scan says so at once.
const IDENTITY_ATTEMPTS: u32 = 3;

/// The cluster to collect and how to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub cluster: String,
    /// Region [default: from the environment / AWS config].
    pub region: Option<String>,
    /// Named profile from the AWS config files. It must exist, and its
    /// credentials are used even when the environment holds others.
    pub profile: Option<String>,
    /// One endpoint for every service (an emulator such as moto).
    pub endpoint_url: Option<String>,
    /// [default: [`DEFAULT_CONNECT_TIMEOUT`]]
    pub connect_timeout: Option<Duration>,
}

impl Target {
    fn connect_timeout(&self) -> Duration {
        self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)
    }
}

/// Why nothing could be collected, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no region: pass --region or set AWS_REGION")]
    NoRegion,
    #[error(
        "The config profile ({profile}) could not be found (looked in {files}); `aws configure list-profiles` lists the profiles there are"
    )]
    ProfileNotFound { profile: String, files: String },
    #[error(
        "Unable to locate credentials. Tried, in order: {tried}. You can configure credentials by running \"aws configure\"."
    )]
    NoCredentials { tried: String },
    #[error("cannot load credentials from {source_name}: {detail}")]
    Credentials { source_name: String, detail: String },
    #[error(
        "Unable to locate credentials. Tried, in order: {tried}. The last source said: {detail}. You can configure credentials by running \"aws configure\"."
    )]
    NoCredentialsFound { tried: String, detail: String },
    #[error(
        "cannot reach AWS at {endpoint}: {detail} (sts:GetCallerIdentity, connect timeout {timeout_secs} s); check --endpoint-url and network access (proxy, firewall, VPC endpoint), or raise --connect-timeout"
    )]
    Unreachable {
        endpoint: String,
        detail: String,
        timeout_secs: f64,
    },
    /// `sts:GetCallerIdentity` answered with an error: the summary and
    /// advice of that failure.
    #[error("{summary}; {advice}")]
    Identity {
        class: FailureClass,
        summary: String,
        advice: String,
    },
    #[error(
        "EKS cluster {cluster} not found in region {region} of account {account} (looked as {arn}); check --cluster, --region and which account the credentials belong to"
    )]
    ClusterNotFound {
        cluster: String,
        region: String,
        account: String,
        arn: String,
    },
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

/// Where calls go: the override endpoint, or each service's regional one.
#[derive(Debug, Clone, Default)]
struct Endpoints {
    url: Option<String>,
    region: Option<String>,
    connect_timeout: Option<Duration>,
}

impl Endpoints {
    /// The endpoint of an IAM action's service (`eks:DescribeCluster` →
    /// `https://eks.eu-west-1.amazonaws.com`).
    fn of(&self, action: &str) -> String {
        if let Some(u) = &self.url {
            return u.clone();
        }
        let service = action.split(':').next().unwrap_or(action);
        let region = self.region.as_deref().unwrap_or("us-east-1");
        match service {
            "iam" => "https://iam.amazonaws.com".to_owned(),
            s => format!("https://{s}.{region}.amazonaws.com"),
        }
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
    /// CloudWatch Logs and GuardDuty: `None` leaves the control-plane log
    /// group and threat detection uncollected (reported not checked).
    pub logs: Option<aws_sdk_cloudwatchlogs::Client>,
    pub guardduty: Option<aws_sdk_guardduty::Client>,
    seen: Arc<Mutex<BTreeSet<String>>>,
    endpoints: Endpoints,
}

impl Clients {
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
            logs: Some(aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(conf)
                    .interceptor(rec("logs"))
                    .build(),
            )),
            guardduty: Some(aws_sdk_guardduty::Client::from_conf(
                aws_sdk_guardduty::config::Builder::from(conf)
                    .interceptor(rec("guardduty"))
                    .build(),
            )),
            seen: seen.clone(),
            endpoints: Endpoints {
                url: conf.endpoint_url().map(str::to_owned),
                region: conf.region().map(ToString::to_string),
                connect_timeout: conf.timeout_config().and_then(|t| t.connect_timeout()),
            },
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
            logs: None,
            guardduty: None,
            seen: seen.clone(),
            endpoints: Endpoints {
                url: None,
                region: eks.config().region().map(ToString::to_string),
                connect_timeout: None,
            },
        }
    }

    /// Adds CloudWatch Logs and GuardDuty clients (e.g. `aws-smithy-mocks`
    /// ones), with the operation recorder.
    pub fn with_detection(
        mut self,
        logs: &aws_sdk_cloudwatchlogs::Client,
        guardduty: &aws_sdk_guardduty::Client,
    ) -> Clients {
        let rec = |prefix| Recorder {
            prefix,
            seen: self.seen.clone(),
        };
        self.logs = Some(aws_sdk_cloudwatchlogs::Client::from_conf(
            logs.config().to_builder().interceptor(rec("logs")).build(),
        ));
        self.guardduty = Some(aws_sdk_guardduty::Client::from_conf(
            guardduty
                .config()
                .to_builder()
                .interceptor(rec("guardduty"))
                .build(),
        ));
        self
    }

    /// IAM actions of every operation these clients have started.
    pub fn operations_called(&self) -> BTreeSet<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// The SDK configuration of a live scan: the default credential chain
/// (environment, profile, SSO, web identity, container and instance
/// metadata) or, with a profile, that profile's credentials only; standard
/// retries; a bounded connect timeout; and the target's region, profile and
/// endpoint.
pub async fn sdk_config(target: &Target) -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(target.connect_timeout())
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .build();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(timeouts);
    if let Some(r) = &target.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &target.profile {
        // As the AWS CLI does: an explicit profile wins over credentials in
        // the environment (the default chain would read those first).
        loader = loader.profile_name(p).credentials_provider(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(p)
                .build(),
        );
    }
    if let Some(u) = &target.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

/// Clients for `target`, after checking what a person can fix before any
/// call: the profile exists, a region is set, credentials are found.
pub async fn connect(target: &Target) -> Result<Clients, LiveError> {
    if let Some(p) = &target.profile {
        check_profile(p)?;
    }
    let conf = sdk_config(target).await;
    if conf.region().is_none() {
        return Err(LiveError::NoRegion);
    }
    check_credentials(&conf, target).await?;
    Ok(Clients::from_conf(&conf))
}

/// The AWS config and credentials files, as the AWS CLI finds them.
fn profile_files() -> [(std::path::PathBuf, bool); 2] {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let config = std::env::var_os("AWS_CONFIG_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| home.join(".aws/config"));
    let credentials = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| home.join(".aws/credentials"));
    [(config, true), (credentials, false)]
}

/// Whether an INI file declares `profile` (`[profile NAME]` or `[NAME]` in
/// the config file, `[NAME]` in the credentials file).
fn declares_profile(text: &str, profile: &str, is_config: bool) -> bool {
    text.lines().any(|l| {
        let Some(section) = l
            .trim()
            .strip_prefix('[')
            .and_then(|s| s.split_once(']'))
            .map(|(s, _)| s.trim())
        else {
            return false;
        };
        let name = if is_config {
            section.strip_prefix("profile ").map_or(section, str::trim)
        } else {
            section
        };
        name == profile
    })
}

fn check_profile(profile: &str) -> Result<(), LiveError> {
    let files = profile_files();
    let found = files.iter().any(|(path, is_config)| {
        std::fs::read_to_string(path).is_ok_and(|t| declares_profile(&t, profile, *is_config))
    });
    if found {
        return Ok(());
    }
    Err(LiveError::ProfileNotFound {
        profile: profile.to_owned(),
        files: files
            .iter()
            .map(|(p, _)| {
                let exists = if p.is_file() { "" } else { " (missing)" };
                format!("{}{exists}", p.display())
            })
            .collect::<Vec<_>>()
            .join(" and "),
    })
}

/// Resolves credentials once before any call, so a missing or broken
/// source is reported as such rather than as a failed API call.
async fn check_credentials(conf: &aws_config::SdkConfig, target: &Target) -> Result<(), LiveError> {
    let Some(provider) = conf.credentials_provider() else {
        return Err(LiveError::NoCredentials {
            tried: tried_sources(),
        });
    };
    // Instance metadata may take a few connection attempts to give up.
    let limit = target.connect_timeout() * 3 + Duration::from_secs(2);
    let resolved = tokio::time::timeout(limit, provider.provide_credentials()).await;
    let source_name = match &target.profile {
        Some(p) => format!("profile {p}"),
        None => "the default credential chain".to_owned(),
    };
    match resolved {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(
            _,
        ))) if target.profile.is_none() => Err(LiveError::NoCredentials {
            tried: tried_sources(),
        }),
        // The default chain failed in its last source (instance metadata
        // that refuses, a broken container endpoint): name every source.
        Ok(Err(e @ aws_credential_types::provider::error::CredentialsError::ProviderError(_)))
            if target.profile.is_none() =>
        {
            Err(LiveError::NoCredentialsFound {
                tried: tried_sources(),
                detail: chain(&e).trim_end_matches('.').to_owned(),
            })
        }
        Ok(Err(e)) => Err(LiveError::Credentials {
            source_name,
            detail: chain(&e),
        }),
        Err(_) => Err(LiveError::Credentials {
            source_name,
            detail: format!(
                "no credentials within {} s (the last source tried may be EC2 instance metadata that does not answer; set AWS_EC2_METADATA_DISABLED=true off EC2)",
                limit.as_secs()
            ),
        }),
    }
}

/// The credential sources of the default chain, in order, and what each
/// had, as the AWS CLI names them.
fn tried_sources() -> String {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let set = |k: &str| if env(k).is_some() { "set" } else { "not set" };
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".to_owned());
    let [(config, _), (credentials, _)] = profile_files();
    let file = |p: &std::path::Path, is_config: bool| match std::fs::read_to_string(p) {
        Err(_) => format!("{}: no such file", p.display()),
        Ok(t) if declares_profile(&t, &profile, is_config) => {
            format!("{}: profile {profile} has no credentials", p.display())
        }
        Ok(_) => format!("{}: no profile {profile}", p.display()),
    };
    let imds = if env("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        "disabled by AWS_EC2_METADATA_DISABLED"
    } else {
        "no credentials"
    };
    [
        format!(
            "environment variables (AWS_ACCESS_KEY_ID {}, AWS_SECRET_ACCESS_KEY {})",
            set("AWS_ACCESS_KEY_ID"),
            set("AWS_SECRET_ACCESS_KEY")
        ),
        format!("shared credentials file ({})", file(&credentials, false)),
        format!("config file ({})", file(&config, true)),
        format!(
            "assume role with web identity (AWS_WEB_IDENTITY_TOKEN_FILE {}, AWS_ROLE_ARN {})",
            set("AWS_WEB_IDENTITY_TOKEN_FILE"),
            set("AWS_ROLE_ARN")
        ),
        format!(
            "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI {}, AWS_CONTAINER_CREDENTIALS_FULL_URI {})",
            set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
            set("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        ),
        format!("EC2 instance metadata ({imds})"),
    ]
    .join("; ")
}

/// A runtime for one blocking collection.
fn runtime() -> Result<tokio::runtime::Runtime, LiveError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError::Runtime(e.to_string()))
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
    Ok(runtime()?.block_on(async { ecr_scan_findings(&sdk_config(target).await, images).await }))
}

/// Collects the cluster's AWS side on a runtime of its own.
pub fn collect_blocking(target: &Target) -> Result<Documents, LiveError> {
    runtime()?.block_on(async {
        let clients = connect(target).await?;
        collect(&clients, &target.cluster).await
    })
}

/// Documents and gaps collected so far, shared by concurrent tasks.
#[derive(Default)]
struct Out {
    docs: Mutex<Vec<Document>>,
    gaps: Mutex<Vec<CollectionGap>>,
    endpoints: Endpoints,
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

    /// Turns a failed call into a gap in AWS's words; returns `None` so
    /// callers can `?`.
    fn gap<T, E>(
        &self,
        action: &'static str,
        what: impl Into<String>,
        r: Result<T, SdkError<E, HttpResponse>>,
    ) -> Option<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                let gap = failure::of(&e, &self.endpoints.of(action)).gap(action, what);
                if let Ok(mut g) = self.gaps.lock() {
                    g.push(gap);
                }
                None
            }
        }
    }
}

/// Who the scan runs as: `sts:GetCallerIdentity`, failing fast. A
/// connection failure is not retried (nothing answered: the scan says so
/// within the connect timeout); throttling and server errors are, a few
/// times.
async fn caller_identity(
    c: &Clients,
) -> Result<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput, LiveError> {
    const ACTION: &str = "sts:GetCallerIdentity";
    let endpoint = c.endpoints.of(ACTION);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let r = c
            .sts
            .get_caller_identity()
            .customize()
            .config_override(
                aws_sdk_sts::config::Builder::default()
                    .retry_config(aws_config::retry::RetryConfig::disabled()),
            )
            .send()
            .await;
        let e = match r {
            Ok(o) => return Ok(o),
            Err(e) => e,
        };
        let f = failure::of(&e, &endpoint);
        match f.class {
            FailureClass::Throttled | FailureClass::ServerError if attempt < IDENTITY_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
            }
            FailureClass::Unreachable => {
                return Err(LiveError::Unreachable {
                    endpoint,
                    detail: chain(&e),
                    timeout_secs: c
                        .endpoints
                        .connect_timeout
                        .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
                        .as_secs_f64(),
                });
            }
            FailureClass::NoCredentials => {
                return Err(LiveError::NoCredentials {
                    tried: tried_sources(),
                });
            }
            FailureClass::NoRegion => return Err(LiveError::NoRegion),
            _ => {
                let gap = f.gap(ACTION, "the identity of the scan");
                return Err(LiveError::Identity {
                    class: gap.class,
                    summary: gap.summary(),
                    advice: gap.advice(),
                });
            }
        }
    }
}

/// Collects everything the controls read, as snapshot documents.
pub async fn collect(c: &Clients, cluster: &str) -> Result<Documents, LiveError> {
    let out = Out {
        endpoints: c.endpoints.clone(),
        ..Out::default()
    };
    let ident = caller_identity(c).await?;
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
            account: ident.account().unwrap_or("?").to_owned(),
            arn: ident.arn().unwrap_or("?").to_owned(),
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

    // Everything below is independent: run it concurrently. Without the
    // cluster's description (denied), the cluster's own resources are
    // still listed: they are named by the cluster's name.
    tokio::join!(
        access_entries(c, &out, cluster),
        pod_identity(c, &out, cluster),
        nodegroups(c, &out, cluster),
        fargate_profiles(c, &out, cluster),
        addons(c, &out, cluster),
        cluster_versions(c, &out),
        security_groups(c, &out, vpc_id.as_deref()),
        ebs_default(c, &out),
        kms_keys(c, &out, &key_arns),
        iam(c, &out),
        log_group(c, &out, cluster),
        guardduty(c, &out),
    );

    let mut docs = out.docs.into_inner().unwrap_or_default();
    docs.sort_by(|a, b| a.path.cmp(&b.path));
    let mut gaps = out.gaps.into_inner().unwrap_or_default();
    gaps.sort_by(|a, b| (&a.action, &a.what).cmp(&(&b.action, &b.what)));
    Ok(Documents {
        docs,
        gaps,
        collected_at: Some(now_rfc3339()),
        region: c.endpoints.region.clone(),
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

/// An SDK timestamp as the snapshot keeps it (`YYYY-MM-DDTHH:MM:SSZ`).
fn date(d: Option<&aws_smithy_types::DateTime>) -> Value {
    d.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
        .map_or(Value::Null, Value::from)
}

/// Managed node groups, then the launch template versions they use.
async fn nodegroups(c: &Clients, out: &Out, cluster: &str) {
    let r = c
        .eks
        .list_nodegroups()
        .cluster_name(cluster)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let Some(names) = out.gap(
        "eks:ListNodegroups",
        format!("managed node groups of cluster {cluster}"),
        r,
    ) else {
        return;
    };
    out.doc(
        "eks/list-nodegroups.json".into(),
        "eks:ListNodegroups",
        json!({"nodegroups": names}),
    );
    let templates: Mutex<BTreeSet<(String, String)>> = Mutex::default();
    let templates_ref = &templates;
    futures_util::stream::iter(names)
        .for_each_concurrent(CONCURRENCY, |name| async move {
            let r = c
                .eks
                .describe_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(&name)
                .send()
                .await;
            let Some(ng) = out
                .gap("eks:DescribeNodegroup", format!("node group {name}"), r)
                .and_then(|r| r.nodegroup().cloned())
            else {
                return;
            };
            if let Some(lt) = ng.launch_template()
                && let Some(id) = lt.id().or(lt.name())
                && let Ok(mut t) = templates_ref.lock()
            {
                t.insert((id.to_owned(), lt.version().unwrap_or("$Default").to_owned()));
            }
            out.doc(
                format!(
                    "eks/nodegroups/{}/describe-nodegroup.json",
                    file_name(&name)
                ),
                "eks:DescribeNodegroup",
                json!({"nodegroup": nodegroup_json(&ng)}),
            );
        })
        .await;
    let templates = templates.into_inner().unwrap_or_default();
    futures_util::stream::iter(templates)
        .for_each_concurrent(CONCURRENCY, |(id, version)| async move {
            const ACTION: &str = "ec2:DescribeLaunchTemplateVersions";
            let req = c.ec2.describe_launch_template_versions().versions(&version);
            let req = if id.starts_with("lt-") {
                req.launch_template_id(&id)
            } else {
                req.launch_template_name(&id)
            };
            let Some(r) = out.gap(
                ACTION,
                format!("launch template {id} version {version}"),
                req.send().await,
            ) else {
                return;
            };
            let versions: Vec<Value> = r
                .launch_template_versions()
                .iter()
                .map(launch_template_version_json)
                .collect();
            out.doc(
                format!(
                    "ec2/launch-templates/{}/{}.json",
                    file_name(&id),
                    file_name(&version)
                ),
                ACTION,
                json!({"LaunchTemplateVersions": versions}),
            );
        })
        .await;
}

async fn fargate_profiles(c: &Clients, out: &Out, cluster: &str) {
    let r = c
        .eks
        .list_fargate_profiles()
        .cluster_name(cluster)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let Some(names) = out.gap(
        "eks:ListFargateProfiles",
        format!("Fargate profiles of cluster {cluster}"),
        r,
    ) else {
        return;
    };
    out.doc(
        "eks/list-fargate-profiles.json".into(),
        "eks:ListFargateProfiles",
        json!({"fargateProfileNames": names}),
    );
    futures_util::stream::iter(names)
        .for_each_concurrent(CONCURRENCY, |name| async move {
            let r = c
                .eks
                .describe_fargate_profile()
                .cluster_name(cluster)
                .fargate_profile_name(&name)
                .send()
                .await;
            let Some(p) = out
                .gap(
                    "eks:DescribeFargateProfile",
                    format!("Fargate profile {name}"),
                    r,
                )
                .and_then(|r| r.fargate_profile().cloned())
            else {
                return;
            };
            let selectors: Vec<Value> = p
                .selectors()
                .iter()
                .map(|s| {
                    obj([
                        ("namespace", self::s(s.namespace())),
                        (
                            "labels",
                            s.labels().map_or(Value::Null, |l| json!(sorted(l))),
                        ),
                    ])
                })
                .collect();
            let v = obj([
                ("fargateProfileName", s(p.fargate_profile_name())),
                ("fargateProfileArn", s(p.fargate_profile_arn())),
                ("clusterName", s(p.cluster_name())),
                ("podExecutionRoleArn", s(p.pod_execution_role_arn())),
                ("subnets", json!(p.subnets())),
                ("selectors", selectors.into()),
                (
                    "status",
                    p.status().map_or(Value::Null, |x| x.as_str().into()),
                ),
            ]);
            out.doc(
                format!(
                    "eks/fargate-profiles/{}/describe-fargate-profile.json",
                    file_name(&name)
                ),
                "eks:DescribeFargateProfile",
                json!({"fargateProfile": v}),
            );
        })
        .await;
}

async fn addons(c: &Clients, out: &Out, cluster: &str) {
    let r = c
        .eks
        .list_addons()
        .cluster_name(cluster)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let Some(names) = out.gap("eks:ListAddons", format!("add-ons of cluster {cluster}"), r) else {
        return;
    };
    out.doc(
        "eks/list-addons.json".into(),
        "eks:ListAddons",
        json!({"addons": names}),
    );
    futures_util::stream::iter(names)
        .for_each_concurrent(CONCURRENCY, |name| async move {
            let r = c
                .eks
                .describe_addon()
                .cluster_name(cluster)
                .addon_name(&name)
                .send()
                .await;
            let Some(a) = out
                .gap("eks:DescribeAddon", format!("add-on {name}"), r)
                .and_then(|r| r.addon().cloned())
            else {
                return;
            };
            let v = obj([
                ("addonName", s(a.addon_name())),
                ("clusterName", s(a.cluster_name())),
                (
                    "status",
                    a.status().map_or(Value::Null, |x| x.as_str().into()),
                ),
                ("addonVersion", s(a.addon_version())),
                ("addonArn", s(a.addon_arn())),
                ("serviceAccountRoleArn", s(a.service_account_role_arn())),
                ("configurationValues", s(a.configuration_values())),
                (
                    "podIdentityAssociations",
                    if a.pod_identity_associations().is_empty() {
                        Value::Null
                    } else {
                        json!(a.pod_identity_associations())
                    },
                ),
            ]);
            out.doc(
                format!("eks/addons/{}/describe-addon.json", file_name(&name)),
                "eks:DescribeAddon",
                json!({"addon": v}),
            );
        })
        .await;
}

/// The EKS release calendar as the API knows it today.
async fn cluster_versions(c: &Clients, out: &Out) {
    let r = c
        .eks
        .describe_cluster_versions()
        .include_all(true)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let Some(versions) = out.gap(
        "eks:DescribeClusterVersions",
        "the EKS Kubernetes version calendar",
        r,
    ) else {
        return;
    };
    let list: Vec<Value> = versions
        .iter()
        .map(|v| {
            obj([
                ("clusterVersion", s(v.cluster_version())),
                ("clusterType", s(v.cluster_type())),
                ("defaultVersion", Value::Bool(v.default_version())),
                ("releaseDate", date(v.release_date())),
                (
                    "endOfStandardSupportDate",
                    date(v.end_of_standard_support_date()),
                ),
                (
                    "endOfExtendedSupportDate",
                    date(v.end_of_extended_support_date()),
                ),
                (
                    "versionStatus",
                    v.version_status()
                        .map_or(Value::Null, |x| x.as_str().into()),
                ),
                ("kubernetesPatchVersion", s(v.kubernetes_patch_version())),
            ])
        })
        .collect();
    out.doc(
        "eks/describe-cluster-versions.json".into(),
        "eks:DescribeClusterVersions",
        json!({"clusterVersions": list}),
    );
}

/// The cluster's control-plane log group, `/aws/eks/NAME/cluster`.
async fn log_group(c: &Clients, out: &Out, cluster: &str) {
    let Some(logs) = &c.logs else { return };
    let name = format!("/aws/eks/{cluster}/cluster");
    let r = logs
        .describe_log_groups()
        .log_group_name_prefix(&name)
        .send()
        .await;
    let Some(r) = out.gap(
        "logs:DescribeLogGroups",
        format!("the control-plane log group {name}"),
        r,
    ) else {
        return;
    };
    let groups: Vec<Value> = r
        .log_groups()
        .iter()
        .filter(|g| g.log_group_name() == Some(name.as_str()))
        .map(|g| {
            obj([
                ("logGroupName", s(g.log_group_name())),
                (
                    "creationTime",
                    g.creation_time().map_or(Value::Null, Value::from),
                ),
                (
                    "retentionInDays",
                    g.retention_in_days().map_or(Value::Null, Value::from),
                ),
                ("arn", s(g.arn())),
                ("logGroupArn", s(g.log_group_arn())),
                ("kmsKeyId", s(g.kms_key_id())),
            ])
        })
        .collect();
    out.doc(
        "logs/describe-log-groups.json".into(),
        "logs:DescribeLogGroups",
        json!({"logGroups": groups}),
    );
}

/// Amazon GuardDuty detectors of the region and their protections.
async fn guardduty(c: &Clients, out: &Out) {
    let Some(gd) = &c.guardduty else { return };
    let r = gd
        .list_detectors()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let Some(ids) = out.gap("guardduty:ListDetectors", "Amazon GuardDuty detectors", r) else {
        return;
    };
    out.doc(
        "guardduty/list-detectors.json".into(),
        "guardduty:ListDetectors",
        json!({"DetectorIds": ids}),
    );
    futures_util::stream::iter(ids)
        .for_each_concurrent(CONCURRENCY, |id| async move {
            let r = gd.get_detector().detector_id(&id).send().await;
            let Some(d) = out.gap(
                "guardduty:GetDetector",
                format!("GuardDuty detector {id}"),
                r,
            ) else {
                return;
            };
            let status = |x: Option<&aws_sdk_guardduty::types::FeatureStatus>| {
                x.map_or(Value::Null, |x| x.as_str().into())
            };
            let features: Vec<Value> = d
                .features()
                .iter()
                .map(|f| {
                    let more: Vec<Value> = f
                        .additional_configuration()
                        .iter()
                        .map(|a| {
                            obj([
                                ("Name", a.name().map_or(Value::Null, |n| n.as_str().into())),
                                ("Status", status(a.status())),
                            ])
                        })
                        .collect();
                    obj([
                        ("Name", f.name().map_or(Value::Null, |n| n.as_str().into())),
                        ("Status", status(f.status())),
                        (
                            "AdditionalConfiguration",
                            if more.is_empty() {
                                Value::Null
                            } else {
                                more.into()
                            },
                        ),
                    ])
                })
                .collect();
            // Deprecated in favour of `features`, but detectors set up the
            // older way still report their EKS audit-log monitoring here.
            #[allow(deprecated)]
            let audit = d
                .data_sources()
                .and_then(|x| x.kubernetes())
                .and_then(|k| k.audit_logs())
                .and_then(|a| a.status())
                .map(|st| json!({"Kubernetes": {"AuditLogs": {"Status": st.as_str()}}}));
            out.doc(
                format!("guardduty/detectors/{}/get-detector.json", file_name(&id)),
                "guardduty:GetDetector",
                obj([
                    ("DetectorId", id.as_str().into()),
                    (
                        "Status",
                        d.status().map_or(Value::Null, |x| x.as_str().into()),
                    ),
                    ("DataSources", audit.unwrap_or(Value::Null)),
                    ("Features", features.into()),
                ]),
            );
        })
        .await;
}

fn nodegroup_json(n: &aws_sdk_eks::types::Nodegroup) -> Value {
    obj([
        ("nodegroupName", s(n.nodegroup_name())),
        ("nodegroupArn", s(n.nodegroup_arn())),
        ("clusterName", s(n.cluster_name())),
        ("version", s(n.version())),
        ("releaseVersion", s(n.release_version())),
        (
            "status",
            n.status().map_or(Value::Null, |x| x.as_str().into()),
        ),
        (
            "capacityType",
            n.capacity_type().map_or(Value::Null, |x| x.as_str().into()),
        ),
        ("instanceTypes", json!(n.instance_types())),
        ("subnets", json!(n.subnets())),
        (
            "remoteAccess",
            n.remote_access().map_or(Value::Null, |r| {
                obj([
                    ("ec2SshKey", s(r.ec2_ssh_key())),
                    ("sourceSecurityGroups", json!(r.source_security_groups())),
                ])
            }),
        ),
        (
            "amiType",
            n.ami_type().map_or(Value::Null, |x| x.as_str().into()),
        ),
        ("nodeRole", s(n.node_role())),
        (
            "resources",
            n.resources().map_or(Value::Null, |r| {
                obj([
                    (
                        "autoScalingGroups",
                        r.auto_scaling_groups()
                            .iter()
                            .map(|g| obj([("name", s(g.name()))]))
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                    (
                        "remoteAccessSecurityGroup",
                        s(r.remote_access_security_group()),
                    ),
                ])
            }),
        ),
        (
            "launchTemplate",
            n.launch_template().map_or(Value::Null, |l| {
                obj([
                    ("name", s(l.name())),
                    ("version", s(l.version())),
                    ("id", s(l.id())),
                ])
            }),
        ),
        ("tags", n.tags().map_or(Value::Null, |t| json!(sorted(t)))),
    ])
}

/// A launch template version, without `UserData` (it may hold secrets and
/// no control reads it).
fn launch_template_version_json(v: &aws_sdk_ec2::types::LaunchTemplateVersion) -> Value {
    let data = v.launch_template_data().map(|d| {
        let metadata = d.metadata_options().map(|m| {
            obj([
                (
                    "HttpTokens",
                    m.http_tokens().map_or(Value::Null, |x| x.as_str().into()),
                ),
                (
                    "HttpPutResponseHopLimit",
                    m.http_put_response_hop_limit()
                        .map_or(Value::Null, Value::from),
                ),
                (
                    "HttpEndpoint",
                    m.http_endpoint().map_or(Value::Null, |x| x.as_str().into()),
                ),
            ])
        });
        let mut groups: Vec<&str> = d.security_group_ids().iter().map(String::as_str).collect();
        for ni in d.network_interfaces() {
            groups.extend(ni.groups().iter().map(String::as_str));
        }
        obj([
            ("ImageId", s(d.image_id())),
            ("MetadataOptions", metadata.unwrap_or(Value::Null)),
            (
                "SecurityGroupIds",
                if groups.is_empty() {
                    Value::Null
                } else {
                    json!(groups)
                },
            ),
        ])
    });
    obj([
        ("LaunchTemplateId", s(v.launch_template_id())),
        ("LaunchTemplateName", s(v.launch_template_name())),
        (
            "VersionNumber",
            v.version_number().map_or(Value::Null, Value::from),
        ),
        (
            "DefaultVersion",
            v.default_version().map_or(Value::Null, Value::Bool),
        ),
        ("LaunchTemplateData", data.unwrap_or(Value::Null)),
    ])
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
