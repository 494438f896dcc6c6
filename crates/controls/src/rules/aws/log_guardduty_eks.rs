use super::{aws_ref, report_aws};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::aws::{AwsFacts, GuardDutyDetector, Sourced};
use eksguard_core::{AwsData, Inventory, JsonPath, Need};

control! {
    /// ## What it checks
    /// Amazon GuardDuty in the cluster's region (`guardduty list-detectors`,
    /// `get-detector`): a detector that is `ENABLED`, with EKS audit-log
    /// monitoring (feature `EKS_AUDIT_LOGS`) and runtime monitoring for EKS
    /// (`RUNTIME_MONITORING`, or the older `EKS_RUNTIME_MONITORING`)
    /// enabled.
    ///
    /// ## Why it matters
    /// GuardDuty is AWS's managed threat detection for EKS: it reads the
    /// cluster's audit log and, with runtime monitoring, the nodes' process
    /// and network events, and raises findings such as anonymous access
    /// granted, a pod executing a crypto-miner, or credentials of the node
    /// role used from outside AWS. It watches even when nobody reads the
    /// logs, but only when it is turned on, region by region and protection
    /// by protection.
    ///
    /// ## Example
    /// ```json
    /// {"Status": "ENABLED", "Features": [{"Name": "EKS_AUDIT_LOGS", "Status": "DISABLED"}]}
    /// ```
    ///
    /// ## Fix
    /// `aws guardduty update-detector --detector-id ID --features
    /// '[{"Name":"EKS_AUDIT_LOGS","Status":"ENABLED"},{"Name":"RUNTIME_MONITORING","Status":"ENABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"}]}]'`
    /// (or `aws guardduty create-detector --enable` with the same features
    /// where there is no detector), in every region with a cluster.
    ///
    /// ## References
    /// - Amazon GuardDuty User Guide, "EKS Protection" (EKS audit log monitoring)
    /// - Amazon GuardDuty User Guide, "Runtime Monitoring" (Amazon EKS)
    /// - EKS Best Practices Guide, Detective Controls: "Use Amazon GuardDuty"
    pub struct GuardDutyEks {
        id: "LOG-005",
        name: "guardduty-eks-protection-off",
        title: "Amazon GuardDuty EKS protection is not enabled in the cluster's region",
        severity: Medium,
        pillar: LoggingDetection,
        responsibility: AwsManaged,
        verified: "Amazon GuardDuty watches the cluster's region with EKS audit-log and runtime monitoring enabled",
    }
}

fn on(s: Option<&str>) -> bool {
    s.is_some_and(|s| s.eq_ignore_ascii_case("ENABLED"))
}

/// EKS audit-log monitoring: the feature, or the older data source.
fn audit_logs(d: &GuardDutyDetector) -> bool {
    d.enabled("EKS_AUDIT_LOGS")
        || on(d
            .data_sources
            .as_ref()
            .and_then(|v| v.pointer("/Kubernetes/AuditLogs/Status"))
            .and_then(|v| v.as_str()))
}

fn runtime(d: &GuardDutyDetector) -> bool {
    d.enabled("RUNTIME_MONITORING") || d.enabled("EKS_RUNTIME_MONITORING")
}

fn detector_arn(facts: &AwsFacts, id: &str) -> String {
    format!(
        "arn:aws:guardduty:{}:{}:detector/{id}",
        facts.region.as_deref().unwrap_or(""),
        facts.account_id.as_deref().unwrap_or("")
    )
}

impl Control for GuardDutyEks {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::GuardDuty)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some(facts) = inv.aws.as_ref() else {
            return;
        };
        let region = facts.region.as_deref().unwrap_or("?");
        let enabled: Vec<&Sourced<GuardDutyDetector>> = facts
            .guardduty_detectors
            .iter()
            .filter(|d| on(d.status.as_deref()))
            .collect();
        // The region's detector (one per account and region): the best one.
        let best = enabled
            .iter()
            .max_by_key(|d| (audit_logs(d), runtime(d)))
            .copied();
        let Some(d) = best else {
            let (object, source, field) = match facts.guardduty_detectors.first() {
                Some(d) => (
                    aws_ref(
                        "aws:guardduty/2017-11-28",
                        "AWS::GuardDuty::Detector",
                        &d.detector_id,
                        &detector_arn(facts, &d.detector_id),
                    ),
                    Some(&d.source),
                    JsonPath::keys(&["Status"]),
                ),
                None => (
                    aws_ref(
                        "aws:guardduty/2017-11-28",
                        "AWS::GuardDuty::Detector",
                        region,
                        &detector_arn(facts, "*"),
                    ),
                    None,
                    JsonPath::root(),
                ),
            };
            let message = if facts.guardduty_detectors.is_empty() {
                format!(
                    "region {region}: Amazon GuardDuty has no detector: nothing watches the cluster's audit log or its nodes for threats"
                )
            } else {
                format!(
                    "region {region}: the Amazon GuardDuty detector is not enabled: nothing watches the cluster's audit log or its nodes for threats"
                )
            };
            let fix = format!(
                r#"aws guardduty create-detector --enable --region {region} --features '[{{"Name":"EKS_AUDIT_LOGS","Status":"ENABLED"}},{{"Name":"RUNTIME_MONITORING","Status":"ENABLED","AdditionalConfiguration":[{{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"}}]}}]' (or update-detector --enable on the existing one)"#
            );
            match source {
                Some(src) => report_aws(out, &Self::META, facts, object, src, field, message, fix),
                None => out.report_ref(&Self::META, object, None, "guardduty", message, fix),
            }
            return;
        };
        let object = aws_ref(
            "aws:guardduty/2017-11-28",
            "AWS::GuardDuty::Detector",
            &d.detector_id,
            &detector_arn(facts, &d.detector_id),
        );
        let missing: Vec<&str> = [
            (!audit_logs(d)).then_some("EKS audit-log monitoring (EKS_AUDIT_LOGS)"),
            (!runtime(d)).then_some("runtime monitoring for EKS (RUNTIME_MONITORING)"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if missing.is_empty() {
            return;
        }
        // Point at the status of the first missing protection, if listed.
        let first_missing = if audit_logs(d) {
            "RUNTIME_MONITORING"
        } else {
            "EKS_AUDIT_LOGS"
        };
        let field = d
            .features
            .iter()
            .flatten()
            .position(|f| f.name == first_missing)
            .map_or(JsonPath::keys(&["Features"]), |i| {
                JsonPath::keys(&["Features"]).index(i).key("Status")
            });
        report_aws(
            out,
            &Self::META,
            facts,
            object,
            &d.source,
            field,
            format!(
                "region {region}: the Amazon GuardDuty detector {} is enabled without {}: threats to the cluster there go unnoticed",
                d.detector_id,
                missing.join(" and ")
            ),
            format!(
                r#"aws guardduty update-detector --detector-id {} --region {region} --features '[{{"Name":"EKS_AUDIT_LOGS","Status":"ENABLED"}},{{"Name":"RUNTIME_MONITORING","Status":"ENABLED","AdditionalConfiguration":[{{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"}}]}}]'"#,
                d.detector_id
            ),
        );
    }
}
