use super::{aws_ref, cluster, report_aws};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// The KMS key that envelope-encrypts the cluster's secrets
    /// (`encryptionConfig[].provider.keyArn`): its state from `kms
    /// describe-key` (`KeyState` must be `Enabled`) and its automatic
    /// rotation from `kms get-key-rotation-status` (`KeyRotationEnabled`).
    ///
    /// ## Why it matters
    /// A disabled key, or one pending deletion, makes every Secret in the
    /// cluster undecryptable: the API server can no longer read them and,
    /// once the key is deleted, they are lost for good. Without rotation the
    /// same key material protects every Secret indefinitely, against
    /// common compliance requirements (yearly rotation).
    ///
    /// ## Example
    /// ```json
    /// {"KeyRotationEnabled": false}
    /// ```
    ///
    /// ## Fix
    /// `aws kms enable-key-rotation --key-id K` (optionally
    /// `--rotation-period-in-days`); re-enable a disabled key with
    /// `aws kms enable-key`, and cancel a scheduled deletion with
    /// `aws kms cancel-key-deletion`.
    ///
    /// ## References
    /// - AWS KMS Developer Guide, "Rotate AWS KMS keys"
    /// - EKS User Guide, "Encrypt Kubernetes secrets with KMS on existing clusters": if the key is disabled or deleted the cluster becomes degraded
    /// - CIS AWS Foundations Benchmark v3.0.0, 3.6 (ensure rotation for customer-created symmetric CMKs is enabled)
    pub struct KmsKeyUnhealthy {
        id: "DATA-002",
        name: "eks-secrets-key-unhealthy",
        title: "Secrets KMS key without rotation, disabled or pending deletion",
        severity: High,
        pillar: DataProtection,
        responsibility: Customer,
    }
}

impl Control for KmsKeyUnhealthy {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::Cluster), Need::aws(AwsData::Kms)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    /// Cost: O(1) in objects: reads the AWS facts (inventory lookups are
    /// O(1)).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some((facts, c)) = cluster(inv) else {
            return;
        };
        let arns = c
            .encryption_config
            .iter()
            .flatten()
            .filter_map(|e| e.provider.as_ref()?.key_arn.as_deref());
        let mut seen = std::collections::BTreeSet::new();
        for arn in arns {
            let Some(key) = facts.kms_key(arn) else {
                continue;
            };
            if !seen.insert(key.key_id.clone()) {
                continue;
            }
            let key_arn = key.arn.clone().unwrap_or_else(|| arn.to_owned());
            let obj = || aws_ref("aws:kms/2014-11-01", "AWS::KMS::Key", &key.key_id, &key_arn);
            let state = key.key_state.as_deref().unwrap_or("Enabled");
            if state != "Enabled" || key.enabled == Some(false) {
                report_aws(
                    out,
                    &Self::META,
                    facts,
                    obj(),
                    &key.source,
                    JsonPath::keys(&["KeyState"]),
                    format!(
                        "KMS key {key_arn} encrypting cluster {}'s secrets has KeyState {state}: the API server cannot decrypt Secrets",
                        c.name
                    ),
                    "Re-enable the key (aws kms enable-key) or cancel its deletion (aws kms cancel-key-deletion).",
                );
            }
            // AWS-managed keys rotate yearly on their own; only customer keys need it turned on.
            if key.key_manager.as_deref() == Some("AWS") {
                continue;
            }
            if let Some(rot) = &key.rotation
                && rot.key_rotation_enabled != Some(true)
            {
                report_aws(
                    out,
                    &Self::META,
                    facts,
                    obj(),
                    &rot.source,
                    JsonPath::keys(&["KeyRotationEnabled"]),
                    format!(
                        "KMS key {key_arn} encrypting cluster {}'s secrets has KeyRotationEnabled false",
                        c.name
                    ),
                    format!(
                        "Enable automatic rotation: aws kms enable-key-rotation --key-id {}",
                        key.key_id
                    ),
                );
            }
        }
    }
}
