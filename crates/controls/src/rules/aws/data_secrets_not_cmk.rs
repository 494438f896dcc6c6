use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// Whether the cluster's `encryptionConfig` has an entry with a
    /// `provider.keyArn` (the entry's `resources`, historically `secrets`,
    /// is deprecated: the key now covers all Kubernetes API data), and, when
    /// the key was collected, that it is customer-managed (`KeyManager:
    /// CUSTOMER`).
    ///
    /// ## Why it matters
    /// EKS envelope-encrypts all Kubernetes API data by default, but with a
    /// key AWS owns: you cannot audit its use in CloudTrail, restrict who may
    /// decrypt with a key policy, or revoke it. With a customer-managed KMS
    /// key, reading a Secret out of etcd needs your key, and every use of it
    /// is logged in your account.
    ///
    /// ## Example
    /// ```json
    /// "encryptionConfig": null
    /// ```
    ///
    /// ## Fix
    /// `aws eks associate-encryption-config --cluster-name C
    /// --encryption-config '[{"resources":["secrets"],"provider":{"keyArn":"arn:aws:kms:…"}}]'`
    /// with a symmetric customer-managed key that has rotation enabled.
    ///
    /// ## References
    /// - EKS User Guide, "Default envelope encryption for all Kubernetes API Data"
    /// - EKS User Guide, "Encrypt Kubernetes secrets with KMS on existing clusters"
    /// - CIS Amazon EKS Benchmark v1.8.0, 5.3.1 (ensure Kubernetes Secrets are encrypted using customer master keys managed in AWS KMS)
    pub struct SecretsNotCmk {
        id: "DATA-001",
        name: "eks-secrets-not-cmk-encrypted",
        title: "Kubernetes secrets not envelope-encrypted with a customer-managed KMS key",
        severity: Medium,
        pillar: DataProtection,
        responsibility: Customer,
    }
}

impl Control for SecretsNotCmk {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        NEEDS_CLUSTER
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
        let fix = "Associate a customer-managed KMS key for `secrets` (aws eks associate-encryption-config).";
        // `resources` is deprecated: EKS now encrypts all Kubernetes API data
        // with the configured key, so any entry with a key counts (one that
        // names `secrets` first).
        let entries: Vec<_> = c.encryption_config.iter().flatten().enumerate().collect();
        let entry = entries
            .iter()
            .find(|(_, e)| e.resources.iter().flatten().any(|r| r == "secrets"))
            .or_else(|| entries.first())
            .copied();
        let Some((i, e)) = entry else {
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                JsonPath::keys(&["encryptionConfig"]),
                format!(
                    "cluster {}: encryptionConfig is empty: Secrets are envelope-encrypted only with the AWS-owned default key",
                    c.name
                ),
                fix,
            );
            return;
        };
        let at = JsonPath::keys(&["encryptionConfig"])
            .index(i)
            .key("provider")
            .key("keyArn");
        let Some(key_arn) = e.provider.as_ref().and_then(|p| p.key_arn.as_deref()) else {
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                at,
                format!(
                    "cluster {}: encryptionConfig[{i}] names no provider.keyArn",
                    c.name
                ),
                fix,
            );
            return;
        };
        if let Some(key) = facts.kms_key(key_arn)
            && key.key_manager.as_deref() == Some("AWS")
        {
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                at,
                format!(
                    "cluster {}: encryptionConfig[{i}].provider.keyArn {key_arn} is an AWS-managed key (KeyManager AWS), not a customer-managed one",
                    c.name
                ),
                fix,
            );
        }
    }
}
