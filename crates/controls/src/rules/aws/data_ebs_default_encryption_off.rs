use super::report_aws;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// `ec2 get-ebs-encryption-by-default` for the cluster's account and
    /// region: `EbsEncryptionByDefault` must be `true`.
    ///
    /// ## Why it matters
    /// EKS Auto Mode encrypts the volumes of the nodes it launches, but
    /// every other path to a new EBS volume (a StorageClass without
    /// `encrypted: "true"`, a snapshot restore, a volume created by a script
    /// or another tool) gets an unencrypted volume unless the account-level
    /// default says otherwise. The setting is per region and off by default.
    ///
    /// ## Example
    /// ```json
    /// {"EbsEncryptionByDefault": false, "SseType": "none"}
    /// ```
    ///
    /// ## Fix
    /// `aws ec2 enable-ebs-encryption-by-default --region R`, optionally with
    /// `aws ec2 modify-ebs-default-kms-key-id` for a customer-managed key.
    ///
    /// ## References
    /// - Amazon EBS User Guide, "Enable Amazon EBS encryption by default"
    /// - CIS AWS Foundations Benchmark v3.0.0, 2.2.1 (ensure EBS volume encryption is enabled in all regions)
    /// - EKS Best Practices Guide, Data Encryption and Secrets Management: "Encryption at rest"
    pub struct EbsDefaultEncryptionOff {
        id: "DATA-004",
        name: "ebs-encryption-by-default-off",
        title: "EBS encryption by default is off in the cluster's region",
        severity: Medium,
        pillar: DataProtection,
        responsibility: AwsDefault,
    }
}

impl Control for EbsDefaultEncryptionOff {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::EbsDefaults)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Account
    }

    /// Cost: O(1) in objects: reads the AWS facts (inventory lookups are
    /// O(1)).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some(facts) = inv.aws.as_ref() else {
            return;
        };
        let Some(ebs) = &facts.ebs_encryption_by_default else {
            return;
        };
        if ebs.ebs_encryption_by_default == Some(true) {
            return;
        }
        let region = facts.region.as_deref().unwrap_or("");
        let account = facts.account_id.as_deref().unwrap_or("");
        report_aws(
            out,
            &Self::META,
            facts,
            super::account_ref(facts),
            &ebs.source,
            JsonPath::keys(&["EbsEncryptionByDefault"]),
            format!(
                "account {account}, region {region}: EbsEncryptionByDefault is false: new EBS volumes are unencrypted unless each request asks"
            ),
            format!("aws ec2 enable-ebs-encryption-by-default --region {region}"),
        );
    }
}
