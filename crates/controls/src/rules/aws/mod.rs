//! The AWS side of the shared-responsibility model (issue #5): the EKS
//! cluster's endpoint, logging, encryption, version, Auto Mode settings and
//! access configuration, read from [`eksguard_core::aws::AwsFacts`], and the
//! Kubernetes objects through which Auto Mode is configured (NodeClass,
//! NodePool, StorageClass, the `amazon-vpc-cni` and `aws-auth` ConfigMaps).
//!
//! Findings on AWS resources name the resource by ARN and the exact field of
//! the API shape (`resourcesVpcConfig.publicAccessCidrs[0]`), and point at
//! the snapshot file's line when the facts came from a snapshot.

pub mod acc_aws_auth_masters;
pub mod acc_bootstrap_admin;
pub mod acc_cluster_admin_entries;
pub mod acc_config_map_auth;
pub mod auto_deletion_protection;
pub mod auto_mode_flags_inconsistent;
pub mod auto_mode_nodes_managed;
pub mod aws_collection_gap;
pub mod data_api_envelope_encryption;
pub mod data_ebs_default_encryption_off;
pub mod data_kms_key_unhealthy;
pub mod data_nodeclass_ephemeral_kms;
pub mod data_secrets_not_cmk;
pub mod data_storageclass_unencrypted;
pub mod iam_nodegroup_imds_hop_limit;
pub mod iam_nodegroup_imdsv1;
pub mod log_audit_disabled;
pub mod log_authenticator_disabled;
pub mod log_control_plane_disabled;
pub mod log_group_protection;
pub mod log_guardduty_eks;
pub mod net_endpoint_public;
pub mod net_nodegroup_ssh_open;
pub mod net_private_access_disabled;
pub mod net_public_cidrs_open;
pub mod net_sg_ingress_anywhere;
pub mod netpol_default_allow;
pub mod netpol_vpc_cni_addon_enforcement;
pub mod patch_nodepool_budget_blocks;
pub mod patch_nodepool_expire_after;
pub mod patch_upgrade_policy;
pub mod patch_version_support;

use crate::{ControlMeta, Sink};
use eksguard_core::aws::{
    AwsFacts, AwsSource, EksCluster, LaunchTemplateVersion, Nodegroup, Sourced,
};
use eksguard_core::{Inventory, JsonPath, ObjectRef};

/// `ObjectRef` of an AWS resource: `kind` is the CloudFormation type name,
/// `api_version` the service and its API version.
pub(crate) fn aws_ref(api: &str, kind: &str, name: &str, arn: &str) -> ObjectRef {
    ObjectRef {
        api_version: api.to_owned(),
        kind: kind.to_owned(),
        namespace: None,
        name: name.to_owned(),
        arn: Some(arn.to_owned()),
    }
}

pub(crate) fn cluster_ref(c: &EksCluster) -> ObjectRef {
    aws_ref("aws:eks/2017-11-01", "AWS::EKS::Cluster", &c.name, &c.arn)
}

/// `ObjectRef` of a managed node group.
pub(crate) fn nodegroup_ref(ng: &Nodegroup, c: &EksCluster) -> ObjectRef {
    aws_ref(
        "aws:eks/2017-11-01",
        "AWS::EKS::Nodegroup",
        &ng.nodegroup_name,
        &ng.arn(&c.arn),
    )
}

/// The launch template version a node group runs (its own template, not
/// the one EKS generates when it has none), when it was collected.
pub(crate) fn launch_template<'a>(
    facts: &'a AwsFacts,
    ng: &Nodegroup,
) -> Option<&'a Sourced<LaunchTemplateVersion>> {
    let spec = ng.launch_template.as_ref()?;
    let same_template = |v: &LaunchTemplateVersion| {
        spec.id.is_some() && v.launch_template_id == spec.id
            || spec.name.is_some() && v.launch_template_name == spec.name
    };
    let candidates: Vec<_> = facts
        .launch_template_versions
        .iter()
        .filter(|v| same_template(v))
        .collect();
    let wanted = spec.version.as_deref();
    candidates
        .iter()
        .find(|v| match wanted {
            Some("$Default") | None => v.default_version == Some(true),
            Some(n) => v.version_number.map(|x| x.to_string()).as_deref() == Some(n),
        })
        .or_else(|| (candidates.len() == 1).then(|| &candidates[0]))
        .copied()
}

/// The account and region, as one subject: what account-wide settings
/// (EBS encryption by default) are reported on. The setting has no ARN of
/// its own, so the account's EC2 ARN prefix names it.
pub(crate) fn account_ref(facts: &AwsFacts) -> ObjectRef {
    let region = facts.region.as_deref().unwrap_or("");
    let account = facts.account_id.as_deref().unwrap_or("");
    aws_ref(
        "aws:ec2/2016-11-15",
        "AWS::EC2::EBSEncryptionByDefault",
        &format!("{account}/{region}"),
        &format!("arn:aws:ec2:{region}:{account}:ebs-encryption-by-default"),
    )
}

/// The facts and cluster, when the scan has an AWS side with a cluster.
pub(crate) fn cluster(inv: &Inventory) -> Option<(&AwsFacts, &Sourced<EksCluster>)> {
    let facts = inv.aws.as_ref()?;
    Some((facts, facts.cluster.as_ref()?))
}

/// Reports `field` of an AWS item, with its snapshot position when known.
#[allow(clippy::too_many_arguments)]
pub(crate) fn report_aws(
    out: &mut Sink,
    meta: &'static ControlMeta,
    facts: &AwsFacts,
    object: ObjectRef,
    source: &AwsSource,
    field: JsonPath,
    message: String,
    fix: impl Into<String>,
) {
    let location = facts.locate(source, &field);
    out.report_ref(meta, object, location, field.to_string(), message, fix);
}

/// Reports a field of the EKS cluster.
pub(crate) fn report_cluster(
    out: &mut Sink,
    meta: &'static ControlMeta,
    facts: &AwsFacts,
    c: &Sourced<EksCluster>,
    field: JsonPath,
    message: String,
    fix: impl Into<String>,
) {
    report_aws(
        out,
        meta,
        facts,
        cluster_ref(c),
        &c.source,
        field,
        message,
        fix,
    );
}

/// Whether a control-plane log type is enabled, and the path of the entry
/// that says so (or of the field that would). `clusterLogging` is a list
/// of `{types, enabled}` entries: every entry counts, and a type listed as
/// enabled anywhere is enabled (AWS returns one enabled and one disabled
/// entry; hand-written or emulated data may split them further).
pub(crate) fn log_type_state(c: &EksCluster, log_type: &str) -> (bool, JsonPath) {
    let base = JsonPath::keys(&["logging", "clusterLogging"]);
    let entries = c.logging.as_ref().and_then(|l| l.cluster_logging.as_ref());
    let mut disabled_at = None;
    for (i, e) in entries.into_iter().flatten().enumerate() {
        let Some(pos) = e.types.iter().flatten().position(|t| t == log_type) else {
            continue;
        };
        let at = base.clone().index(i).key("types").index(pos);
        if e.enabled == Some(true) {
            return (true, at);
        }
        disabled_at.get_or_insert(at);
    }
    (false, disabled_at.unwrap_or(JsonPath::keys(&["logging"])))
}

/// Reports each of `types` that no `logging.clusterLogging` entry enables.
pub(crate) fn check_log_types(
    inv: &Inventory,
    out: &mut Sink,
    meta: &'static ControlMeta,
    types: &[&str],
    why: &str,
) {
    let Some((facts, c)) = cluster(inv) else {
        return;
    };
    for log_type in types {
        let (enabled, at) = log_type_state(c, log_type);
        if !enabled {
            report_cluster(
                out,
                meta,
                facts,
                c,
                at,
                format!(
                    "cluster {}: control-plane log type `{log_type}` is not enabled in logging.clusterLogging ({why})",
                    c.name
                ),
                format!(
                    r#"Enable it: aws eks update-cluster-config --name {} --logging '{{"clusterLogging":[{{"types":["{log_type}"],"enabled":true}}]}}'"#,
                    c.name
                ),
            );
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (Howard Hinnant's algorithm).
pub(crate) fn days(date: &str) -> Option<i64> {
    let d = crate::config::parse_date(date)?;
    let (y, m, d) = (i64::from(d.year), i64::from(d.month), i64::from(d.day));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_match_the_civil_calendar() {
        assert_eq!(days("1970-01-01"), Some(0));
        assert_eq!(days("2025-11-27"), Some(20_419));
        assert_eq!(days("2000-03-01"), Some(11_017));
        assert_eq!(days("2026-13-01"), None);
    }

    #[test]
    fn logging_checks_every_entry() {
        let c: EksCluster = serde_json::from_value(serde_json::json!({
            "name": "c", "arn": "a",
            "logging": {"clusterLogging": [
                {"types": ["api"], "enabled": false},
                {"types": ["scheduler", "api"], "enabled": true}
            ]}
        }))
        .unwrap();
        let (on, at) = log_type_state(&c, "api");
        assert!(on);
        assert_eq!(at.to_string(), "logging.clusterLogging[1].types[1]");
        let (on, at) = log_type_state(&c, "audit");
        assert!(!on);
        assert_eq!(at.to_string(), "logging");
    }
}
