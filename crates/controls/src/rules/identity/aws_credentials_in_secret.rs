use crate::util::secrets::scan_pair;
use crate::{Context, Control, ControlMeta, Sink, control};
use base64::Engine;
use eksguard_core::{JsonPath, Object};
use serde_json::Value;

control! {
    /// ## What it checks
    /// Kubernetes Secrets (`data`, base64-decoded, and `stringData`) that hold
    /// long-lived AWS credentials: access key IDs (`AKIA…`, `ASIA…`), secret
    /// access keys under their usual names, or whole `~/.aws/credentials`
    /// files.
    ///
    /// ## Why it matters
    /// A Secret is better than a plain env var (EKS encrypts Secrets with KMS
    /// envelope encryption), but the key inside is still a long-lived IAM user
    /// credential: it never expires, works from anywhere, and anyone with
    /// `get secrets` in the namespace can take it. Pods should receive
    /// temporary credentials from EKS Pod Identity or IRSA instead. The
    /// report names the key and a fingerprint, never the value.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Secret
    /// stringData:
    ///   AWS_ACCESS_KEY_ID: AKIA0123456789ABCDEF
    ///   AWS_SECRET_ACCESS_KEY: "<40-character secret access key>"
    /// ```
    ///
    /// ## Fix
    /// Replace the keys with an IAM role for the workload (EKS Pod Identity or
    /// IRSA), then deactivate and delete the IAM user keys.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Avoid long-lived credentials"
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.4.2 (consider external secret storage)
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles
    pub struct AwsCredentialsInSecret {
        id: "IAM-002",
        name: "aws-credentials-in-secret",
        title: "Long-lived AWS credentials stored in a Secret",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for AwsCredentialsInSecret {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["Secret"]
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if !obj.is("", "Secret") {
            return;
        }
        for field in ["data", "stringData"] {
            let Some(map) = obj.raw.get(field).and_then(Value::as_object) else {
                continue;
            };
            for (key, value) in map {
                let Some(raw) = value.as_str() else { continue };
                let decoded;
                let text = if field == "data" {
                    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(raw.trim())
                    else {
                        continue;
                    };
                    let Ok(s) = String::from_utf8(bytes) else {
                        continue;
                    };
                    decoded = s;
                    decoded.as_str()
                } else {
                    raw
                };
                for cred in scan_pair(key, text) {
                    out.report(
                        &Self::META,
                        obj,
                        JsonPath::keys(&[field]).key(key.as_str()),
                        format!("Secret key \"{key}\" holds {} ({})", cred.what, cred.fingerprint),
                        "Give the workload an IAM role through EKS Pod Identity or IRSA, then deactivate and delete the IAM user keys.",
                    );
                }
            }
        }
    }
}
