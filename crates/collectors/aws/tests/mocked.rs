//! What moto does not implement (EKS Auto Mode fields, access entries, pod
//! identity associations), collected through the SDK's own test support:
//! `aws-smithy-mocks` answers each operation with a typed output (or an
//! HTTP error) and the real SDK clients, serializers and error parsers run.

mod common;

use aws_sdk_eks::operation::describe_access_entry::DescribeAccessEntryOutput;
use aws_sdk_eks::operation::describe_addon::DescribeAddonOutput;
use aws_sdk_eks::operation::describe_cluster::DescribeClusterOutput;
use aws_sdk_eks::operation::describe_cluster_versions::DescribeClusterVersionsOutput;
use aws_sdk_eks::operation::describe_fargate_profile::DescribeFargateProfileOutput;
use aws_sdk_eks::operation::describe_nodegroup::DescribeNodegroupOutput;
use aws_sdk_eks::operation::describe_pod_identity_association::DescribePodIdentityAssociationOutput;
use aws_sdk_eks::operation::list_access_entries::ListAccessEntriesOutput;
use aws_sdk_eks::operation::list_addons::ListAddonsOutput;
use aws_sdk_eks::operation::list_associated_access_policies::ListAssociatedAccessPoliciesOutput;
use aws_sdk_eks::operation::list_fargate_profiles::ListFargateProfilesOutput;
use aws_sdk_eks::operation::list_nodegroups::ListNodegroupsOutput;
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
    // Two managed node groups: `ops` with SSH open to the world, `apps`
    // with a launch template allowing IMDSv1 with hop limit 2.
    let list_ng = mock!(aws_sdk_eks::Client::list_nodegroups).then_output(|| {
        ListNodegroupsOutput::builder()
            .nodegroups("apps")
            .nodegroups("ops")
            .build()
    });
    let describe_ng = mock!(aws_sdk_eks::Client::describe_nodegroup).then_compute_output(|req| {
        let name = req.nodegroup_name().unwrap_or_default();
        let mut ng = eks::Nodegroup::builder()
            .nodegroup_name(name)
            .nodegroup_arn(format!(
                "arn:aws:eks:eu-west-1:{ACCOUNT}:nodegroup/auto/{name}/1"
            ))
            .cluster_name("auto")
            .ami_type(eks::AmiTypes::Al2023X8664Standard)
            .node_role(role(&format!("{name}-node")));
        if name == "ops" {
            ng = ng.remote_access(
                eks::RemoteAccessConfig::builder()
                    .ec2_ssh_key("ops-key")
                    .build(),
            );
        } else {
            ng = ng.launch_template(
                eks::LaunchTemplateSpecification::builder()
                    .id("lt-0abc1234def567890")
                    .version("4")
                    .build(),
            );
        }
        DescribeNodegroupOutput::builder()
            .nodegroup(ng.build())
            .build()
    });
    let list_fp = mock!(aws_sdk_eks::Client::list_fargate_profiles).then_output(|| {
        ListFargateProfilesOutput::builder()
            .fargate_profile_names("batch")
            .build()
    });
    let describe_fp = mock!(aws_sdk_eks::Client::describe_fargate_profile).then_output(|| {
        DescribeFargateProfileOutput::builder()
            .fargate_profile(
                eks::FargateProfile::builder()
                    .fargate_profile_name("batch")
                    .cluster_name("auto")
                    .pod_execution_role_arn(role("fargate-pods"))
                    .build(),
            )
            .build()
    });
    let list_addons = mock!(aws_sdk_eks::Client::list_addons).then_output(|| {
        ListAddonsOutput::builder()
            .addons("vpc-cni")
            .addons("eks-pod-identity-agent")
            .build()
    });
    let describe_addon = mock!(aws_sdk_eks::Client::describe_addon).then_compute_output(|req| {
        let name = req.addon_name().unwrap_or_default();
        let mut a = eks::Addon::builder()
            .addon_name(name)
            .cluster_name("auto")
            .addon_version("v1.19.2-eksbuild.1");
        if name == "vpc-cni" {
            a = a.configuration_values(r#"{"enableNetworkPolicy": "true"}"#);
        }
        DescribeAddonOutput::builder().addon(a.build()).build()
    });
    let versions = mock!(aws_sdk_eks::Client::describe_cluster_versions).then_output(|| {
        let day = |s: &str| {
            aws_smithy_types::DateTime::from_str(s, aws_smithy_types::date_time::Format::DateTime)
                .unwrap()
        };
        DescribeClusterVersionsOutput::builder()
            .cluster_versions(
                eks::ClusterVersionInformation::builder()
                    .cluster_version("1.34")
                    .end_of_standard_support_date(day("2026-12-02T00:00:00Z"))
                    .end_of_extended_support_date(day("2027-12-02T00:00:00Z"))
                    .version_status(eks::VersionStatus::StandardSupport)
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
            &describe_pia,
            &list_ng,
            &describe_ng,
            &list_fp,
            &describe_fp,
            &list_addons,
            &describe_addon,
            &versions
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
    let lt = mock!(aws_sdk_ec2::Client::describe_launch_template_versions).then_output(|| {
        use aws_sdk_ec2::types as ec2;
        aws_sdk_ec2::operation::describe_launch_template_versions::DescribeLaunchTemplateVersionsOutput::builder()
            .launch_template_versions(
                ec2::LaunchTemplateVersion::builder()
                    .launch_template_id("lt-0abc1234def567890")
                    .version_number(4)
                    .launch_template_data(
                        ec2::ResponseLaunchTemplateData::builder()
                            .user_data("c2VjcmV0")
                            .metadata_options(
                                ec2::LaunchTemplateInstanceMetadataOptions::builder()
                                    .http_tokens(ec2::LaunchTemplateHttpTokensState::Optional)
                                    .http_put_response_hop_limit(2)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &[&sgs, &ebs, &lt]);

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
    // CloudWatch Logs: the group exists, a year of retention, a KMS key.
    let groups = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups).then_output(|| {
        aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput::builder()
            .log_groups(
                aws_sdk_cloudwatchlogs::types::LogGroup::builder()
                    .log_group_name("/aws/eks/auto/cluster")
                    .retention_in_days(365)
                    .kms_key_id(format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/logs"))
                    .log_group_arn(format!(
                        "arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/eks/auto/cluster"
                    ))
                    .build(),
            )
            .build()
    });
    let logs = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, &[&groups]);
    // GuardDuty (moto lacks its features): enabled, EKS audit logs on,
    // runtime monitoring off.
    let detectors = mock!(aws_sdk_guardduty::Client::list_detectors).then_output(|| {
        aws_sdk_guardduty::operation::list_detectors::ListDetectorsOutput::builder()
            .detector_ids("6ec7a1b2c3d4e5f60718293a4b5c6d7e")
            .build()
    });
    let detector = mock!(aws_sdk_guardduty::Client::get_detector).then_output(|| {
        use aws_sdk_guardduty::types::{
            DetectorFeatureConfigurationResult, DetectorFeatureResult, DetectorStatus,
            FeatureStatus,
        };
        let feature = |name, status| {
            DetectorFeatureConfigurationResult::builder()
                .name(name)
                .status(status)
                .build()
        };
        aws_sdk_guardduty::operation::get_detector::GetDetectorOutput::builder()
            .service_role(format!(
                "arn:aws:iam::{ACCOUNT}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty"
            ))
            .status(DetectorStatus::Enabled)
            .features(feature(DetectorFeatureResult::EksAuditLogs, FeatureStatus::Enabled))
            .features(feature(DetectorFeatureResult::RuntimeMonitoring, FeatureStatus::Disabled))
            .build()
    });
    let guardduty = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        &[&detectors, &detector]
    );
    Clients::from_clients(&eks, &iam, &ec2, &kms, &sts).with_detection(&logs, &guardduty)
}

#[tokio::test]
async fn auto_mode_fields_access_entries_and_pod_identity_reach_the_controls() {
    let c = clients();
    let docs = collect(&c, "auto").await.unwrap();
    // Launch template user data may hold secrets: never kept.
    for d in &docs.docs {
        assert!(!d.value.to_string().contains("UserData"), "{}", d.path);
    }
    let (facts, errors) = docs.to_facts(true);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        facts.identity.as_ref().and_then(|i| i.arn.as_deref()),
        Some("arn:aws:sts::111122223333:assumed-role/scanner/s")
    );
    let names: Vec<&str> = facts
        .nodegroups
        .iter()
        .map(|n| n.nodegroup_name.as_str())
        .collect();
    assert_eq!(names, ["apps", "ops"]);
    assert_eq!(facts.launch_template_versions.len(), 1);
    assert_eq!(
        facts.fargate_profiles[0].pod_execution_role_arn.as_deref(),
        Some(role("fargate-pods").as_str())
    );
    assert_eq!(facts.addons.len(), 2);
    assert_eq!(
        facts.cluster_versions[0]
            .end_of_standard_support_date
            .as_deref(),
        Some("2026-12-02T00:00:00Z")
    );

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
    assert_eq!(
        gap[0].3,
        "could not check access policies of arn:aws:iam::111122223333:role/auditor: eks:ListAssociatedAccessPolicies was denied: HTTP 403 AccessDeniedException: User is not authorized to perform: eks:ListAssociatedAccessPolicies"
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
        "NETPOL-102",
    ] {
        assert!(by(id).is_empty(), "unexpected {id}: {:?}", by(id));
    }
    // CloudWatch Logs is as it should be; GuardDuty lacks runtime monitoring.
    assert!(by("LOG-004").is_empty(), "{:?}", by("LOG-004"));
    let gd = by("LOG-005");
    assert_eq!(gd.len(), 1, "{gd:?}");
    assert_eq!(
        gd[0].3,
        "region eu-west-1: the Amazon GuardDuty detector 6ec7a1b2c3d4e5f60718293a4b5c6d7e is enabled without runtime monitoring for EKS (RUNTIME_MONITORING): threats to the cluster there go unnoticed"
    );
    // The managed node groups: `ops` has SSH open to the world, `apps`
    // allows IMDSv1 and lets pods reach the metadata.
    for (id, ng) in [("NET-005", "ops"), ("IAM-040", "apps"), ("IAM-041", "apps")] {
        let f = by(id);
        assert_eq!(f.len(), 1, "{id}: {f:?}");
        assert_eq!(
            f[0].1,
            format!("arn:aws:eks:eu-west-1:111122223333:nodegroup/auto/{ng}/1"),
            "{id}"
        );
    }
    assert_eq!(
        by("NET-005")[0].3,
        "node group ops of cluster auto: remote access with SSH key ops-key and no sourceSecurityGroups: EKS opens tcp/22 of its nodes to 0.0.0.0/0"
    );
    for op in c.operations_called() {
        assert!(
            eksguard_aws::live::OPERATIONS.contains(&op.as_str()),
            "{op}"
        );
    }
}
