use crate::util::secrets::{scan_pair, secret_literals};
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Object;

control! {
    /// ## What it checks
    /// Kubernetes Secrets (`data`, base64-decoded, and `stringData`) that hold
    /// long-lived AWS credentials: access key IDs (`AKIA…`, `ASIA…`), secret
    /// access keys and session tokens under their usual names, or whole
    /// `~/.aws/credentials` files. The value is judged, not the name, by the
    /// same rules as IAM-001: only key-shaped values count. A credential
    /// name holding a placeholder (`changeme`, AWS's `…EXAMPLE` keys, a
    /// short word) is IAM-006, low.
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
    ///   AWS_ACCESS_KEY_ID: AKIA…        # AKIA + 16 characters
    ///   AWS_SECRET_ACCESS_KEY: …        # 40 random characters
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
        for l in secret_literals(obj) {
            for cred in scan_pair(l.key, &l.value) {
                out.report(
                    &Self::META,
                    obj,
                    l.path.clone(),
                    l.message(&cred.describe()),
                    "Give the workload an IAM role through EKS Pod Identity or IRSA, then deactivate and delete the IAM user keys.",
                );
            }
        }
    }
}
