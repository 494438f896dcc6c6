use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};
use serde_json::Value;

/// The EBS CSI provisioners: EKS Auto Mode's built-in one and the add-on.
pub(crate) const EBS_PROVISIONERS: [&str; 2] = ["ebs.csi.eks.amazonaws.com", "ebs.csi.aws.com"];

control! {
    /// ## What it checks
    /// StorageClasses provisioned by the EBS CSI driver
    /// (`ebs.csi.eks.amazonaws.com` in EKS Auto Mode, `ebs.csi.aws.com` for
    /// the add-on) without `parameters.encrypted: "true"`.
    ///
    /// ## Why it matters
    /// The driver creates volumes unencrypted unless the StorageClass asks,
    /// or the account has EBS encryption by default on (see DATA-004).
    /// PersistentVolumes hold databases, queues and uploads: everything
    /// that outlives a pod.
    ///
    /// ## Example
    /// ```yaml
    /// kind: StorageClass
    /// provisioner: ebs.csi.eks.amazonaws.com
    /// parameters: {type: gp3}
    /// ```
    ///
    /// ## Fix
    /// Add `encrypted: "true"` (and `kmsKeyId: arn:aws:kms:…` for a
    /// customer-managed key) to `parameters`. StorageClass parameters are
    /// immutable: create a new class and migrate volumes to it.
    ///
    /// ## References
    /// - EKS User Guide, "Create a storage class" (EKS Auto Mode, `encrypted: "true"`)
    /// - aws-ebs-csi-driver, docs/parameters.md (`encrypted`, `kmsKeyId`)
    /// - EKS Best Practices Guide, Data Encryption and Secrets Management: "Encryption at rest"
    pub struct StorageClassUnencrypted {
        id: "DATA-005",
        name: "ebs-storageclass-unencrypted",
        title: "EBS StorageClass does not encrypt volumes",
        severity: Medium,
        pillar: DataProtection,
        responsibility: Customer,
    }
}

impl Control for StorageClassUnencrypted {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["StorageClass"]
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if obj.group() != "storage.k8s.io" {
            return;
        }
        let Some(prov) = obj.raw.get("provisioner").and_then(Value::as_str) else {
            return;
        };
        if !EBS_PROVISIONERS.contains(&prov) {
            return;
        }
        let params = JsonPath::keys(&["parameters"]);
        let encrypted = match obj.get(&params.clone().key("encrypted")) {
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            Some(Value::Bool(b)) => *b,
            _ => false,
        };
        if !encrypted {
            let at = if obj.get(&params).is_some() {
                params.key("encrypted")
            } else {
                JsonPath::keys(&["provisioner"])
            };
            out.report(
                &Self::META,
                obj,
                at,
                format!("StorageClass {} ({prov}) does not set parameters.encrypted: \"true\": its volumes are unencrypted unless EBS encryption by default is on", obj.name),
                "Create a StorageClass with parameters.encrypted: \"true\" (and kmsKeyId for a customer-managed key) and migrate volumes to it.",
            );
        }
    }
}
