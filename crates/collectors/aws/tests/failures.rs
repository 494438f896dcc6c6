//! Failed calls in AWS's own words (issue #13): every class of failure
//! through the real SDK clients, serializers and error parsers
//! (`aws-smithy-mocks` answers with HTTP responses as AWS and moto send
//! them), and what the scan says about each: the gap's summary, AWS-001's
//! message and its advice. Never a `Debug` dump.

mod common;

use aws_sdk_eks::operation::describe_cluster::DescribeClusterOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use eksguard_aws::live::{Clients, LiveError, collect};
use eksguard_core::aws::{CollectionGap, FailureClass};

const ACCOUNT: &str = "111122223333";

fn response(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> HttpResponse {
    let mut r = HttpResponse::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(body.to_owned()),
    );
    for (k, v) in headers {
        r.headers_mut().insert(*k, *v);
    }
    r
}

/// moto's answer to an EKS operation it does not implement.
const MOTO_404: &str = "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";

/// moto's denial of an EKS call (XML, although EKS speaks JSON).
const MOTO_DENIED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: eks:ListPodIdentityAssociations</Message><Type>Sender</Type></Error></Errors></ErrorResponse>"#;

const SCP_DENIED: &str = r#"{"message":"User: arn:aws:sts::111122223333:assumed-role/scanner/s is not authorized to perform: eks:ListNodegroups on resource: arn:aws:eks:eu-west-1:111122223333:cluster/c with an explicit deny in a service control policy"}"#;

const EC2_DENIED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/scanner/s is not authorized to perform: ec2:DescribeSecurityGroups because no identity-based policy allows the ec2:DescribeSecurityGroups action</Message></Error></Errors><RequestID>9f1c1f4e-ec2-0000-0000-000000000001</RequestID></Response>"#;

fn sts_ok() -> aws_sdk_sts::Client {
    let rule = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account(ACCOUNT)
            .arn(format!("arn:aws:sts::{ACCOUNT}:assumed-role/scanner/s"))
            .user_id("AROAEXAMPLE:s")
            .build()
    });
    mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&rule])
}

/// Clients where every listing of the cluster fails in its own way.
fn failing_clients() -> Clients {
    let cluster = mock!(aws_sdk_eks::Client::describe_cluster).then_output(|| {
        DescribeClusterOutput::builder()
            .cluster(
                aws_sdk_eks::types::Cluster::builder()
                    .name("c")
                    .arn(format!("arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/c"))
                    .version("1.33")
                    .build(),
            )
            .build()
    });
    let entries = mock!(aws_sdk_eks::Client::list_access_entries)
        .sequence()
        .http_response(|| {
            response(
                404,
                &[("content-type", "text/html; charset=utf-8")],
                MOTO_404,
            )
        })
        .repeatedly()
        .build();
    let pods = mock!(aws_sdk_eks::Client::list_pod_identity_associations)
        .sequence()
        .http_response(|| {
            response(
                403,
                &[
                    ("content-type", "text/html; charset=utf-8"),
                    ("x-amzn-requestid", "moto-req-1"),
                ],
                MOTO_DENIED,
            )
        })
        .repeatedly()
        .build();
    let nodegroups = mock!(aws_sdk_eks::Client::list_nodegroups)
        .sequence()
        .http_response(|| {
            response(
                403,
                &[
                    ("content-type", "application/json"),
                    ("x-amzn-errortype", "AccessDeniedException"),
                    ("x-amzn-requestid", "0d3c2b1a-0000-4000-8000-000000000001"),
                ],
                SCP_DENIED,
            )
        })
        .repeatedly()
        .build();
    let fargate = mock!(aws_sdk_eks::Client::list_fargate_profiles)
        .sequence()
        .http_response(|| {
            response(
                429,
                &[
                    ("content-type", "application/json"),
                    ("x-amzn-errortype", "ThrottlingException"),
                    ("x-amzn-requestid", "throttled-1"),
                ],
                r#"{"message":"Rate exceeded"}"#,
            )
        })
        .repeatedly()
        .build();
    let addons = mock!(aws_sdk_eks::Client::list_addons)
        .sequence()
        .http_response(|| {
            response(
                500,
                &[
                    ("content-type", "application/json"),
                    ("x-amzn-errortype", "ServerException"),
                ],
                r#"{"message":"An internal error occurred."}"#,
            )
        })
        .repeatedly()
        .build();
    let versions = mock!(aws_sdk_eks::Client::describe_cluster_versions)
        .sequence()
        .http_response(|| {
            response(
                403,
                &[
                    ("content-type", "application/json"),
                    ("x-amzn-errortype", "ExpiredTokenException"),
                ],
                r#"{"message":"The security token included in the request is expired"}"#,
            )
        })
        .repeatedly()
        .build();
    let eks = mock_client!(
        aws_sdk_eks,
        RuleMode::MatchAny,
        &[
            &cluster,
            &entries,
            &pods,
            &nodegroups,
            &fargate,
            &addons,
            &versions
        ]
    );
    let sgs = mock!(aws_sdk_ec2::Client::describe_security_groups)
        .sequence()
        .http_response(|| response(403, &[("content-type", "text/xml")], EC2_DENIED))
        .repeatedly()
        .build();
    let ebs = mock!(aws_sdk_ec2::Client::get_ebs_encryption_by_default).then_output(|| {
        aws_sdk_ec2::operation::get_ebs_encryption_by_default::GetEbsEncryptionByDefaultOutput::builder()
            .ebs_encryption_by_default(true)
            .build()
    });
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &[&sgs, &ebs]);
    let oidc = mock!(aws_sdk_iam::Client::list_open_id_connect_providers).then_output(|| {
        aws_sdk_iam::operation::list_open_id_connect_providers::ListOpenIdConnectProvidersOutput::builder().build()
    });
    let details = mock!(aws_sdk_iam::Client::get_account_authorization_details).then_output(|| {
        aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput::builder()
            .build()
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[&oidc, &details]);
    let no_rules: [&Rule; 0] = [];
    let kms = mock_client!(aws_sdk_kms, RuleMode::MatchAny, &no_rules);
    Clients::from_clients(&eks, &iam, &ec2, &kms, &sts_ok())
}

fn gap<'a>(gaps: &'a [CollectionGap], action: &str) -> &'a CollectionGap {
    gaps.iter()
        .find(|g| g.action == action)
        .unwrap_or_else(|| panic!("no gap for {action}: {gaps:#?}"))
}

#[tokio::test]
async fn each_failure_keeps_aws_words_and_gets_the_advice_of_its_class() {
    let docs = collect(&failing_clients(), "c").await.unwrap();
    let gaps = &docs.gaps;

    // A bare 404 (moto without the API): the status and the page's words,
    // not "Unknown unhandled error", and no IAM advice.
    let g = gap(gaps, "eks:ListAccessEntries");
    assert_eq!(g.class, FailureClass::NotFound);
    assert_eq!(g.status, Some(404));
    assert_eq!(
        g.summary(),
        "eks:ListAccessEntries answered not found: HTTP 404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."
    );
    assert_eq!(
        g.advice(),
        "eks:ListAccessEntries answered 404: the resource, or the API itself, does not exist at this endpoint and region. Check --region and --endpoint-url (an emulator may not implement eks:ListAccessEntries); no IAM change will fix it."
    );

    // moto's XML denial of a JSON-protocol call: still a denial.
    let g = gap(gaps, "eks:ListPodIdentityAssociations");
    assert_eq!(g.class, FailureClass::AccessDenied);
    assert_eq!(
        g.summary(),
        "eks:ListPodIdentityAssociations was denied: HTTP 403 AccessDenied: User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: eks:ListPodIdentityAssociations (request ID moto-req-1)"
    );
    assert_eq!(
        g.advice(),
        "Allow eks:ListPodIdentityAssociations to the scanning principal (see deploy/iam/eksguard-scan-policy.json) and scan again."
    );

    // A service control policy: an IAM Allow would not help.
    let g = gap(gaps, "eks:ListNodegroups");
    assert_eq!(g.class, FailureClass::AccessDenied);
    assert_eq!(
        g.denied_by.as_deref(),
        Some("explicit deny in a service control policy")
    );
    assert_eq!(
        g.request_id.as_deref(),
        Some("0d3c2b1a-0000-4000-8000-000000000001")
    );
    assert_eq!(
        g.summary(),
        "eks:ListNodegroups was denied (explicit deny in a service control policy): HTTP 403 AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/scanner/s is not authorized to perform: eks:ListNodegroups on resource: arn:aws:eks:eu-west-1:111122223333:cluster/c with an explicit deny in a service control policy (request ID 0d3c2b1a-0000-4000-8000-000000000001)"
    );
    assert!(g.advice().starts_with("The call is blocked by an explicit deny in a service control policy: an Allow in the scanning principal's policy will not override it."), "{}", g.advice());

    let g = gap(gaps, "eks:ListFargateProfiles");
    assert_eq!(g.class, FailureClass::Throttled);
    assert_eq!(
        g.summary(),
        "eks:ListFargateProfiles was still throttled after the retries: HTTP 429 ThrottlingException: Rate exceeded (request ID throttled-1)"
    );

    let g = gap(gaps, "eks:ListAddons");
    assert_eq!(g.class, FailureClass::ServerError);
    assert_eq!(
        g.summary(),
        "eks:ListAddons failed on the AWS side: HTTP 500 ServerException: An internal error occurred."
    );

    let g = gap(gaps, "eks:DescribeClusterVersions");
    assert_eq!(g.class, FailureClass::ExpiredToken);
    assert_eq!(
        g.advice(),
        "The credentials have expired: refresh them (aws sso login, or assume the role again), then scan again."
    );

    // EC2's XML, with the request ID in the body and the policy type in
    // the message.
    let g = gap(gaps, "ec2:DescribeSecurityGroups");
    assert_eq!(g.class, FailureClass::AccessDenied);
    assert_eq!(
        g.denied_by.as_deref(),
        Some("no identity-based policy allows the action")
    );
    assert_eq!(
        g.request_id.as_deref(),
        Some("9f1c1f4e-ec2-0000-0000-000000000001")
    );
    assert_eq!(g.code, "UnauthorizedOperation");

    // Nothing anywhere is a Debug dump.
    for g in gaps {
        for text in [g.summary(), g.advice()] {
            assert!(
                !text.contains("ServiceError {")
                    && !text.contains("DispatchFailure")
                    && !text.contains("Unknown unhandled error"),
                "{text}"
            );
        }
    }

    // The snapshot index keeps every field, and reads back the same.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    eksguard_aws::write_snapshot(&out, &docs, "c", Some("eu-west-1")).unwrap();
    let (facts, errors) = eksguard_aws::read_snapshot(&out).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(&facts.gaps, gaps);
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("snapshot.json")).unwrap()).unwrap();
    let ng = index["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["action"] == "eks:ListNodegroups")
        .unwrap();
    assert_eq!(ng["class"], "access_denied");
    assert_eq!(ng["status"], 403);
    assert_eq!(ng["requestId"], "0d3c2b1a-0000-4000-8000-000000000001");
    assert_eq!(ng["deniedBy"], "explicit deny in a service control policy");
    assert_eq!(
        index["identity"]["Arn"],
        "arn:aws:sts::111122223333:assumed-role/scanner/s"
    );
    assert_eq!(index["account"], ACCOUNT);

    // AWS-001 says the same, with the advice of each class.
    let found = common::findings(facts);
    let aws001: Vec<_> = found.iter().filter(|f| f.0 == "AWS-001").collect();
    assert_eq!(aws001.len(), gaps.len(), "{aws001:#?}");
    assert!(aws001.iter().any(|f| f.3
        == "could not check access entries of cluster c: eks:ListAccessEntries answered not found: HTTP 404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."));
}

fn sts_failing(status: u16, body: &'static str) -> Clients {
    let rule = mock!(aws_sdk_sts::Client::get_caller_identity)
        .sequence()
        .http_response(move || {
            response(
                status,
                &[
                    ("content-type", "text/xml"),
                    ("x-amzn-requestid", "sts-req-1"),
                ],
                body,
            )
        })
        .repeatedly()
        .build();
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&rule]);
    let no_rules: [&Rule; 0] = [];
    Clients::from_clients(
        &mock_client!(aws_sdk_eks, RuleMode::MatchAny, &no_rules),
        &mock_client!(aws_sdk_iam, RuleMode::MatchAny, &no_rules),
        &mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &no_rules),
        &mock_client!(aws_sdk_kms, RuleMode::MatchAny, &no_rules),
        &sts,
    )
}

#[tokio::test]
async fn credentials_sts_rejects_stop_the_scan_with_what_sts_said() {
    let invalid = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>sts-req-1</RequestId></ErrorResponse>"#;
    let err = collect(&sts_failing(403, invalid), "c").await.unwrap_err();
    assert!(
        matches!(
            err,
            LiveError::Identity {
                class: FailureClass::InvalidCredentials,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "sts:GetCallerIdentity rejected the credentials: HTTP 403 InvalidClientTokenId: The security token included in the request is invalid. (request ID sts-req-1); The credentials were rejected: check them with `aws sts get-caller-identity` (and --profile), then scan again."
    );
    let expired = r#"<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>sts-req-1</RequestId></ErrorResponse>"#;
    let err = collect(&sts_failing(400, expired), "c").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "sts:GetCallerIdentity rejected expired credentials: HTTP 400 ExpiredToken: The security token included in the request is expired (request ID sts-req-1); The credentials have expired: refresh them (aws sso login, or assume the role again), then scan again."
    );
}

/// Nothing listening: the scan says so within the connect timeout, naming
/// the endpoint, with no retries and no Rust dump.
#[tokio::test]
async fn an_unreachable_endpoint_fails_fast_naming_it() {
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .endpoint_url("http://127.0.0.1:1")
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(6))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(3))
                .build(),
        )
        .load()
        .await;
    let start = std::time::Instant::now();
    let err = collect(&Clients::from_conf(&conf), "c").await.unwrap_err();
    let took = start.elapsed();
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    let text = err.to_string();
    assert!(matches!(err, LiveError::Unreachable { .. }), "{err:?}");
    assert!(
        text.starts_with("cannot reach AWS at http://127.0.0.1:1: ")
            && text.contains("Connection refused")
            && text.ends_with("(sts:GetCallerIdentity, connect timeout 3 s); check --endpoint-url and network access (proxy, firewall, VPC endpoint), or raise --connect-timeout"),
        "{text}"
    );
    assert!(
        !text.contains("ConnectorError") && !text.contains("{"),
        "{text}"
    );
}
