use super::aws_ref;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_core::aws::FailureClass;

control! {
    /// ## What it checks
    /// AWS API calls of the scan that failed: access denied (with the policy
    /// type that denied it when AWS says), not found, throttled past the
    /// retries, endpoint unreachable, invalid or expired credentials. Each
    /// becomes a finding of its own naming what could not be checked and
    /// what AWS answered: the HTTP status, error code, message and request
    /// ID. The rest of the scan goes on, and the controls that needed the
    /// call are reported not checked.
    ///
    /// ## Why it matters
    /// A check that could not run is not a check that passed. Without this
    /// finding, a scan role lacking `eks:ListAccessEntries` would report a
    /// cluster with no risky access entries, and the report would look
    /// cleaner than the account is.
    ///
    /// ## Example
    /// ```text
    /// could not check access entries of cluster acme-prod: eks:ListAccessEntries was denied (no identity-based policy allows the action): HTTP 403 AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/scanner/s is not authorized to perform: eks:ListAccessEntries … (request ID 0d3c…)
    /// ```
    ///
    /// ## Fix
    /// It depends on the failure, and the finding says which: a denial
    /// through the scanning principal's own policy is fixed with the
    /// read-only policy in `deploy/iam/eksguard-scan-policy.json`; an
    /// explicit deny in a service control policy, permissions boundary or
    /// session policy is not (ask that policy's owner); a 404 means the API
    /// or resource does not exist at that endpoint and region; throttling,
    /// unreachable endpoints and expired credentials are fixed by scanning
    /// again once they are resolved.
    ///
    /// ## References
    /// - eksguard `deploy/iam/eksguard-scan-policy.json` (the minimal read-only policy of the scan)
    /// - IAM User Guide, "Troubleshoot access denied error messages"
    pub struct CollectionGap {
        id: "AWS-001",
        name: "aws-check-not-run",
        title: "AWS check could not run (denied or failed call)",
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

    /// Cost: O(1) in objects: reads the AWS facts (inventory lookups are
    /// O(1)).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some(facts) = inv.aws.as_ref() else {
            return;
        };
        for (i, gap) in facts.gaps.iter().enumerate() {
            // Data a snapshot never held is not a failed call: its controls
            // are reported not checked, without a finding.
            if gap.class == FailureClass::NotCollected {
                continue;
            }
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
            out.report_ref(
                &Self::META,
                aws_ref("aws:eks/2017-11-01", "AWS::EKS::Cluster", &name, &arn),
                None,
                format!("gaps[{i}]"),
                format!("could not check {}: {}", gap.what, gap.summary()),
                gap.advice(),
            );
        }
    }
}
