//! What moto does not implement (EKS Auto Mode fields, access entries, pod
//! identity associations), collected through the SDK's own test support:
//! `aws-smithy-mocks` answers each operation with a typed output (or an
//! HTTP error) and the real SDK clients, serializers and error parsers run.

mod common;

use aws_sdk_eks::operation::describe_access_entry::DescribeAccessEntryOutput;
use aws_sdk_eks::operation::describe_cluster::DescribeClusterOutput;
use aws_sdk_eks::operation::describe_pod_identity_association::DescribePodIdentityAssociationOutput;
use aws_sdk_eks::operation::list_access_entries::ListAccessEntriesOutput;
use aws_sdk_eks::operation::list_associated_access_policies::ListAssociatedAccessPoliciesOutput;
use aws_sdk_eks::operation::list_pod_identity_associations::ListPodIdentityAssociationsOutput;
use aws_sdk_eks::types as eks;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use eksguard_aws::live::{Clients, collect};

const ACCOUNT: &str = "111122223333";
const CLUSTER_ARN: &str = "arn:aws:eks:eu-west-1:111122223333:cluster/auto";
const ADMIN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn auto_mode_cluster() -> eks::Cluster {
    eks::Cluster::builder()
        .name("auto")
        .arn(CLUSTER_ARN)
        .version("1.34")
        .resources_vpc_config(
            eks::VpcConfigResponse::builder()
                .vpc_id("vpc-0123456789abcdef0")
                .cluster_security_group_id("sg-0123456789abcdef0")
                .endpoint_public_access(false)
                .endpoint_private_access(true)
                .build(),
        )
        .kubernetes_network_config(
            eks::KubernetesNetworkConfigResponse::builder()
                .elastic_load_balancing(eks::ElasticLoadBalancing::builder().enabled(true).build())
                .build(),
        )
        // Auto Mode half on: block storage was left disabled.
        .compute_config(
            eks::ComputeConfigResponse::builder()
                .enabled(true)
                .node_pools("system")
                .build(),
        )
        .storage_config(
            eks::StorageConfigResponse::builder()
                .block_storage(eks::BlockStorage::builder().enabled(false).build())
                .build(),
        )
        .access_config(
            eks::AccessConfigResponse::builder()
                .authentication_mode(eks::AuthenticationMode::ApiAndConfigMap)
                .bootstrap_cluster_creator_admin_permissions(true)
                .build(),
        )
        .upgrade_policy(
            eks::UpgradePolicyResponse::builder()
                .support_type(eks::SupportType::Standard)
                .build(),
        )
        .deletion_protection(true)
        .logging(
            eks::Logging::builder()
                .cluster_logging(
                    eks::LogSetup::builder()
                        .types(eks::LogType::Api)
                        .types(eks::LogType::Audit)
                        .types(eks::LogType::Authenticator)
                        .types(eks::LogType::ControllerManager)
                        .types(eks::LogType::Scheduler)
                        .enabled(true)
                        .build(),
                )
                .build(),
        )
        .build()
}

fn entry(principal: &str) -> eks::AccessEntry {
    eks::AccessEntry::builder()
        .cluster_name("auto")
        .principal_arn(principal)
        .access_entry_arn(format!(
            "arn:aws:eks:eu-west-1:{ACCOUNT}:access-entry/auto/role/{ACCOUNT}/x/1"
        ))
        .r#type("STANDARD")
        .build()
}

fn clients() -> Clients {
    let describe = mock!(aws_sdk_eks::Client::describe_cluster).then_output(|| {
        DescribeClusterOutput::builder()
            .cluster(auto_mode_cluster())
            .build()
    });
    let list_entries = mock!(aws_sdk_eks::Client::list_access_entries).then_output(|| {
        ListAccessEntriesOutput::builder()
            .access_entries(role("ci-deployer"))
            .access_entries(role("auditor"))
            .build()
    });
    let describe_entry =
        mock!(aws_sdk_eks::Client::describe_access_entry).then_compute_output(|req| {
            DescribeAccessEntryOutput::builder()
                .access_entry(entry(req.principal_arn().unwrap_or_default()))
                .build()
        });
    let ci_policies = mock!(aws_sdk_eks::Client::list_associated_access_policies)
        .match_requests(|req| req.principal_arn() == Some(role("ci-deployer").as_str()))
        .then_output(|| {
            ListAssociatedAccessPoliciesOutput::builder()
                .cluster_name("auto")
                .principal_arn(role("ci-deployer"))
                .associated_access_policies(
                    eks::AssociatedAccessPolicy::builder()
                        .policy_arn(ADMIN)
                        .access_scope(
                            eks::AccessScope::builder()
                                .r#type(eks::AccessScopeType::Cluster)
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    // The scanning role may not read the auditor's policies: a gap, not a stop.
    let denied = mock!(aws_sdk_eks::Client::list_associated_access_policies)
        .match_requests(|req| req.principal_arn() == Some(role("auditor").as_str()))
        .sequence()
        .http_status(
            403,
            Some(r#"{"__type":"AccessDeniedException","message":"User is not authorized to perform: eks:ListAssociatedAccessPolicies"}"#.into()),
        )
        .repeatedly()
        .build();
    let list_pia = mock!(aws_sdk_eks::Client::list_pod_identity_associations).then_output(|| {
        ListPodIdentityAssociationsOutput::builder()
            .associations(
                eks::PodIdentityAssociationSummary::builder()
                    .cluster_name("auto")
                    .namespace("shop")
                    .service_account("search-indexer")
                    .association_id("a-0123456789abcdef0")
                    .build(),
            )
            .build()
    });
    let describe_pia =
        mock!(aws_sdk_eks::Client::describe_pod_identity_association).then_output(|| {
            DescribePodIdentityAssociationOutput::builder()
                .association(
                    eks::PodIdentityAssociation::builder()
                        .cluster_name("auto")
                        .namespace("shop")
                        .service_account("search-indexer")
                        .role_arn(role("search-indexer"))
                        .association_id("a-0123456789abcdef0")
                        .build(),
                )
                .build()
        });
    let eks = mock_client!(
        aws_sdk_eks,
        RuleMode::MatchAny,
        &[
            &describe,
            &list_entries,
            &describe_entry,
            &ci_policies,
            &denied,
            &list_pia,
            &describe_pia
        ]
    );

    let sts_rule = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account(ACCOUNT)
            .arn(format!("arn:aws:sts::{ACCOUNT}:assumed-role/scanner/s"))
            .user_id("AROAEXAMPLE:s")
            .build()
    });
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&sts_rule]);

    let sgs = mock!(aws_sdk_ec2::Client::describe_security_groups).then_output(|| {
        aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput::builder()
            .build()
    });
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
    // No encryption config on the cluster: KMS is never called.
    let no_rules: [&aws_smithy_mocks::Rule; 0] = [];
    let kms = mock_client!(aws_sdk_kms, RuleMode::MatchAny, &no_rules);
    Clients::from_clients(&eks, &iam, &ec2, &kms, &sts)
}

#[tokio::test]
async fn auto_mode_fields_access_entries_and_pod_identity_reach_the_controls() {
    let c = clients();
    let docs = collect(&c, "auto").await.unwrap();
    let (facts, errors) = docs.to_facts(true);
    assert!(errors.is_empty(), "{errors:?}");

    let cluster = facts.cluster.as_ref().unwrap();
    assert_eq!(cluster.compute_config.as_ref().unwrap().enabled, Some(true));
    assert_eq!(facts.pod_identity_associations.len(), 1);
    assert_eq!(
        facts.pod_identity_associations[0].role_arn.as_deref(),
        Some(role("search-indexer").as_str())
    );
    assert_eq!(facts.access_entries.len(), 2);

    // The denied call is a gap naming the action; everything else was read.
    assert_eq!(facts.gaps.len(), 1, "{:?}", facts.gaps);
    assert_eq!(facts.gaps[0].action, "eks:ListAssociatedAccessPolicies");
    assert_eq!(facts.gaps[0].code, "AccessDeniedException");
    assert!(facts.gaps[0].is_permission());

    let found = common::findings(facts);
    let by = |id: &str| found.iter().filter(|f| f.0 == id).collect::<Vec<_>>();
    let gap = by("AWS-001");
    assert_eq!(gap.len(), 1);
    assert!(
        gap[0]
            .3
            .contains("missing permission eks:ListAssociatedAccessPolicies"),
        "{gap:?}"
    );
    // Auto Mode half enabled: exactly the disabled switch is named.
    let auto = by("AUTO-001");
    assert_eq!(auto.len(), 1, "{auto:?}");
    assert_eq!(auto[0].2, "storageConfig.blockStorage.enabled");
    assert_eq!(by("ACC-001").len(), 1);
    assert_eq!(by("ACC-004").len(), 1);
    let admin = by("ACC-003");
    assert_eq!(admin.len(), 1, "{admin:?}");
    assert!(admin[0].3.contains("role/ci-deployer"));
    for id in [
        "NET-001",
        "NET-002",
        "NET-003",
        "LOG-001",
        "LOG-002",
        "LOG-003",
        "AUTO-002",
        "DATA-004",
        "PATCH-002",
    ] {
        assert!(by(id).is_empty(), "unexpected {id}: {:?}", by(id));
    }
    for op in c.operations_called() {
        assert!(
            eksguard_aws::live::OPERATIONS.contains(&op.as_str()),
            "{op}"
        );
    }
}
