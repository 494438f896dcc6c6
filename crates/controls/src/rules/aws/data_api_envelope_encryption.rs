use super::{cluster, report_cluster};
use crate::{Context, Control, ControlMeta, NEEDS_CLUSTER, Sink, Subjects, control};
use eksguard_core::{Inventory, JsonPath, Need};

control! {
    /// ## What it checks
    /// That the cluster's Kubernetes API data (Secrets among it) is
    /// envelope-encrypted with KMS: EKS does this by default, with an
    /// AWS-owned key, on every cluster running Kubernetes 1.28 or later;
    /// older clusters are encrypted only when `encryptionConfig` names a key.
    ///
    /// ## Why it matters
    /// etcd holds every Secret, token and ConfigMap. Envelope encryption
    /// means a copy of etcd's storage (a backup, a disk) reveals nothing
    /// without the KMS key. On Kubernetes 1.28+ this is an AWS guarantee
    /// eksguard verifies; on an older cluster with no key it is missing.
    ///
    /// ## Example
    /// ```json
    /// "version": "1.27"          (and no "encryptionConfig")
    /// ```
    ///
    /// ## Fix
    /// Upgrade the cluster to a supported version (1.28 or later turns on
    /// default envelope encryption), or associate a KMS key for `secrets`
    /// (`aws eks associate-encryption-config`).
    ///
    /// ## References
    /// - EKS User Guide, "Default envelope encryption for all Kubernetes API data" (1.28 and later)
    /// - EKS Best Practices Guide, Data encryption and secrets management
    pub struct ApiEnvelopeEncryption {
        id: "DATA-006",
        name: "api-data-not-envelope-encrypted",
        title: "Kubernetes API data is not envelope-encrypted with KMS",
        severity: High,
        pillar: DataProtection,
        responsibility: AwsManaged,
        verified: "Kubernetes API data, Secrets included, is envelope-encrypted with KMS (EKS default from Kubernetes 1.28, or a customer key)",
    }
}

/// First Kubernetes minor version EKS envelope-encrypts by default.
const DEFAULT_ENCRYPTION_MINOR: u64 = 28;

impl Control for ApiEnvelopeEncryption {
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
        let has_key = c.encryption_config.iter().flatten().any(|e| {
            e.provider
                .as_ref()
                .and_then(|p| p.key_arn.as_ref())
                .is_some()
        });
        if has_key {
            return;
        }
        let minor = c
            .version
            .as_deref()
            .and_then(|v| v.strip_prefix("1."))
            .and_then(|m| m.parse::<u64>().ok());
        match minor {
            Some(m) if m >= DEFAULT_ENCRYPTION_MINOR => {}
            _ => report_cluster(
                out,
                &Self::META,
                facts,
                c,
                JsonPath::keys(&["version"]),
                format!(
                    "cluster {}: Kubernetes {} without encryptionConfig: EKS envelope-encrypts API data by default only from 1.28, so Secrets in etcd are not KMS-encrypted",
                    c.name,
                    c.version.as_deref().unwrap_or("(version unknown)")
                ),
                "Upgrade to Kubernetes 1.28 or later, or associate a KMS key for secrets (aws eks associate-encryption-config).",
            ),
        }
    }
}
