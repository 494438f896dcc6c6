use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};
use serde_json::Value;

control! {
    /// ## What it checks
    /// EKS Auto Mode `NodeClass` objects (`eks.amazonaws.com/v1`) without
    /// `spec.ephemeralStorage.kmsKeyID`.
    ///
    /// ## Why it matters
    /// Auto Mode always encrypts a node's ephemeral storage (root and data
    /// volume: container images, emptyDir volumes, logs), but without
    /// `kmsKeyID` it uses an AWS-owned key, which you cannot audit, restrict
    /// by key policy or revoke. Secrets mounted into pods and data written to
    /// emptyDir land on that volume.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: eks.amazonaws.com/v1
    /// kind: NodeClass
    /// spec:
    ///   ephemeralStorage: {size: 80Gi}
    /// ```
    ///
    /// ## Fix
    /// Set `spec.ephemeralStorage.kmsKeyID` to a customer-managed key ARN
    /// whose key policy lets the cluster's node role and the EKS Auto Mode
    /// service use it.
    ///
    /// ## References
    /// - EKS User Guide, "Create a Node Class for Amazon EKS" (ephemeralStorage.kmsKeyID)
    /// - EKS User Guide, "Learn about EKS Auto Mode security": data encryption
    pub struct NodeClassEphemeralKms {
        id: "DATA-003",
        name: "nodeclass-ephemeral-storage-aws-owned-key",
        title: "NodeClass encrypts ephemeral storage with an AWS-owned key",
        severity: Low,
        pillar: DataProtection,
        responsibility: Customer,
    }
}

impl Control for NodeClassEphemeralKms {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["NodeClass"]
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if obj.group() != "eks.amazonaws.com" {
            return;
        }
        let storage = JsonPath::keys(&["spec", "ephemeralStorage"]);
        let key = obj
            .get(&storage.clone().key("kmsKeyID"))
            .and_then(Value::as_str)
            .filter(|k| !k.trim().is_empty());
        if key.is_none() {
            let at = if obj.get(&storage).is_some() {
                storage.key("kmsKeyID")
            } else {
                storage
            };
            out.report(
                &Self::META,
                obj,
                at,
                format!("NodeClass {}: spec.ephemeralStorage.kmsKeyID is not set: node volumes are encrypted with an AWS-owned key", obj.name),
                "Set spec.ephemeralStorage.kmsKeyID to a customer-managed KMS key the node role may use.",
            );
        }
    }
}
