use super::{aws_ref, cluster, log_type_state, report_aws, report_cluster};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{AwsData, Inventory, JsonPath, Need};

/// The control-plane log types.
const LOG_TYPES: [&str; 5] = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

/// Days below which audit logs are too short-lived for most investigations.
const MIN_RETENTION_DAYS: i64 = 90;

control! {
    /// ## What it checks
    /// When control-plane logging is on, the cluster's CloudWatch Logs group
    /// `/aws/eks/NAME/cluster` (`logs describe-log-groups`): it must exist,
    /// keep logs for at least 90 days (`retentionInDays`; absent means
    /// forever, which is reported as no retention policy), and be encrypted
    /// with a KMS key (`kmsKeyId`).
    ///
    /// ## Why it matters
    /// The audit and authenticator logs are the evidence of an incident: who
    /// read which Secret, which role authenticated from where. A log group
    /// that expires within weeks has nothing left when a compromise is found
    /// months later; one without a retention policy grows without bound and
    /// is often deleted wholesale. Without a customer-managed key, anyone
    /// with `logs:GetLogEvents` reads request bodies and user names, and the
    /// logs cannot be made unreadable by revoking a key.
    ///
    /// ## Example
    /// ```json
    /// {"logGroupName": "/aws/eks/acme-prod/cluster", "retentionInDays": 7}
    /// ```
    ///
    /// ## Fix
    /// `aws logs put-retention-policy --log-group-name /aws/eks/NAME/cluster
    /// --retention-in-days 365` and `aws logs associate-kms-key
    /// --log-group-name /aws/eks/NAME/cluster --kms-key-id ARN` (the key
    /// policy must allow `logs.REGION.amazonaws.com`).
    ///
    /// ## References
    /// - EKS User Guide, "Send control plane logs to CloudWatch Logs" (log group `/aws/eks/NAME/cluster`)
    /// - Amazon CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS"
    /// - EKS Best Practices Guide, Detective Controls: "Enable audit logs" (retention)
    pub struct LogGroupProtection {
        id: "LOG-004",
        name: "eks-log-group-retention-encryption",
        title: "Control-plane log group missing, without retention, or not KMS-encrypted",
        severity: Medium,
        pillar: LoggingDetection,
        responsibility: Customer,
    }
}

impl Control for LogGroupProtection {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[
            Need::aws(AwsData::Cluster),
            Need::aws(AwsData::ControlPlaneLogGroup),
        ];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some((facts, c)) = cluster(inv) else {
            return;
        };
        let enabled: Vec<&str> = LOG_TYPES
            .iter()
            .copied()
            .filter(|t| log_type_state(c, t).0)
            .collect();
        if enabled.is_empty() {
            // LOG-001…003 report the logging itself.
            return;
        }
        let name = format!("/aws/eks/{}/cluster", c.name);
        let Some(group) = facts.log_groups.iter().find(|g| g.log_group_name == name) else {
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                JsonPath::keys(&["logging"]),
                format!(
                    "cluster {}: control-plane logging is on ({}) but the log group {name} does not exist: nothing has been delivered, or it was deleted",
                    c.name,
                    enabled.join(", ")
                ),
                format!(
                    "Check that logs arrive (aws logs describe-log-groups --log-group-name-prefix {name}); if the group was deleted, turn logging off and on again so EKS recreates it, then set its retention and KMS key."
                ),
            );
            return;
        };
        let region = facts.region.as_deref().unwrap_or("");
        let account = facts.account_id.as_deref().unwrap_or("");
        let arn = group
            .log_group_arn
            .clone()
            .or_else(|| {
                group
                    .arn
                    .as_ref()
                    .map(|a| a.trim_end_matches(":*").to_owned())
            })
            .unwrap_or_else(|| format!("arn:aws:logs:{region}:{account}:log-group:{name}"));
        let object = || aws_ref("aws:logs/2014-03-28", "AWS::Logs::LogGroup", &name, &arn);
        match group.retention_in_days {
            None => report_aws(
                out,
                &Self::META,
                facts,
                object(),
                &group.source,
                JsonPath::keys(&["logGroupName"]),
                format!(
                    "log group {name}: no retention policy (retentionInDays is absent): logs are kept until someone deletes the group, with no policy saying how long the evidence lives"
                ),
                format!(
                    "aws logs put-retention-policy --log-group-name {name} --retention-in-days 365 (or what your audit policy requires, at least {MIN_RETENTION_DAYS})"
                ),
            ),
            Some(d) if d < MIN_RETENTION_DAYS => report_aws(
                out,
                &Self::META,
                facts,
                object(),
                &group.source,
                JsonPath::keys(&["retentionInDays"]),
                format!(
                    "log group {name}: control-plane logs are kept {d} days, fewer than {MIN_RETENTION_DAYS}: the audit trail of a compromise found later is gone"
                ),
                format!(
                    "aws logs put-retention-policy --log-group-name {name} --retention-in-days 365"
                ),
            ),
            Some(_) => {}
        }
        if group.kms_key_id.as_deref().is_none_or(str::is_empty) {
            report_aws(
                out,
                &Self::META,
                facts,
                object(),
                &group.source,
                JsonPath::keys(&["logGroupName"]),
                format!(
                    "log group {name}: not encrypted with a KMS key (no kmsKeyId): the audit log's request data is readable by anyone allowed logs:GetLogEvents, and cannot be revoked with a key"
                ),
                format!(
                    "aws logs associate-kms-key --log-group-name {name} --kms-key-id KEY_ARN (the key policy must allow logs.{region}.amazonaws.com)"
                ),
            );
        }
    }
}
