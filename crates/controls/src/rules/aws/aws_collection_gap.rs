use super::aws_ref;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;

control! {
    /// ## What it checks
    /// AWS API calls of the scan that failed: a missing permission
    /// (`AccessDenied…`, `UnauthorizedOperation`) or an error that outlived
    /// the retries. Each becomes a finding of its own naming what could not
    /// be checked and the IAM action that is needed; the rest of the scan
    /// goes on.
    ///
    /// ## Why it matters
    /// A check that could not run is not a check that passed. Without this
    /// finding, a scan role lacking `eks:ListAccessEntries` would report a
    /// cluster with no risky access entries, and the report would look
    /// cleaner than the account is.
    ///
    /// ## Example
    /// ```text
    /// could not check access entries of cluster acme-prod: missing permission eks:ListAccessEntries
    /// ```
    ///
    /// ## Fix
    /// Give the scanning principal the read-only policy in
    /// `deploy/iam/eksguard-scan-policy.json`, or run the scan with a role
    /// that has it.
    ///
    /// ## References
    /// - eksguard `deploy/iam/eksguard-scan-policy.json` (the minimal read-only policy of the scan)
    /// - IAM User Guide, "Troubleshoot access denied error messages"
    pub struct CollectionGap {
        id: "AWS-001",
        name: "aws-check-not-run",
        title: "AWS check could not run (missing permission or failed call)",
        severity: Medium,
        pillar: LoggingDetection,
        responsibility: Customer,
    }
}

impl Control for CollectionGap {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::Account)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some(facts) = inv.aws.as_ref() else {
            return;
        };
        for (i, gap) in facts.gaps.iter().enumerate() {
            let (name, arn) = match &facts.cluster {
                Some(c) => (c.name.clone(), c.arn.clone()),
                None => (
                    facts.account_id.clone().unwrap_or_default(),
                    format!(
                        "arn:aws:iam::{}:root",
                        facts.account_id.as_deref().unwrap_or("")
                    ),
                ),
            };
            let message = if gap.is_permission() {
                format!(
                    "could not check {}: missing permission {} ({})",
                    gap.what, gap.action, gap.code
                )
            } else {
                format!(
                    "could not check {}: {} failed: {} {}",
                    gap.what, gap.action, gap.code, gap.message
                )
            };
            out.report_ref(
                &Self::META,
                aws_ref("aws:eks/2017-11-01", "AWS::EKS::Cluster", &name, &arn),
                None,
                format!("gaps[{i}]"),
                message,
                format!("Allow {} to the scanning principal (see deploy/iam/eksguard-scan-policy.json) and scan again.", gap.action),
            );
        }
    }
}
