use crate::util::secrets::scan_pair;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};
use serde_json::Value;

control! {
    /// ## What it checks
    /// Literal AWS credentials in container environment variables (`env[].value`)
    /// and in ConfigMap `data`: access key IDs (`AKIA…`, `ASIA…`), values of
    /// `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` and friends, and
    /// `~/.aws/credentials` files stored as one value. Values pulled from
    /// Secrets (`valueFrom`) and `$(VAR)` references are not flagged.
    ///
    /// ## Why it matters
    /// Long-lived IAM user keys never expire and are readable by anyone who
    /// can `get` the Deployment or ConfigMap, see the pod spec, or read etcd
    /// backups. They bypass the temporary, scoped credentials that IRSA and
    /// EKS Pod Identity give pods. The report never contains the value: it
    /// names the key and a SHA-256 fingerprint.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   - name: AWS_ACCESS_KEY_ID
    ///     value: AKIA0123456789ABCDEF   # an IAM user access key ID
    ///   - name: AWS_SECRET_ACCESS_KEY
    ///     value: "<40-character secret access key>"
    /// ```
    ///
    /// ## Fix
    /// Delete the keys from the manifest, deactivate and rotate them in IAM,
    /// and give the workload an IAM role through EKS Pod Identity or IRSA.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Use EKS Pod Identities / IRSA", "Avoid long-lived credentials"
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.4.1 (prefer Secrets as files over environment variables)
    /// - https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html
    pub struct AwsCredentialsInEnvOrConfigMap {
        id: "IAM-001",
        name: "aws-credentials-in-plaintext",
        title: "Long-lived AWS credentials in container env or a ConfigMap",
        severity: Critical,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

const FIX: &str = "Remove the credentials from the manifest, deactivate and rotate them in IAM, and grant the workload an IAM role through EKS Pod Identity or IRSA.";

impl Control for AwsCredentialsInEnvOrConfigMap {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        const KINDS: &[&str] = &[
            "ConfigMap",
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "Deployment",
            "ReplicaSet",
            "DaemonSet",
            "StatefulSet",
            "Job",
            "CronJob",
        ];
        KINDS
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if obj.is("", "ConfigMap") {
            let Some(data) = obj.raw.get("data").and_then(Value::as_object) else {
                return;
            };
            for (key, value) in data {
                let Some(value) = value.as_str() else {
                    continue;
                };
                for cred in scan_pair(key, value) {
                    out.report(
                        &Self::META,
                        obj,
                        JsonPath::keys(&["data"]).key(key.as_str()),
                        format!(
                            "ConfigMap key \"{key}\" holds {} ({})",
                            cred.what, cred.fingerprint
                        ),
                        FIX,
                    );
                }
            }
            return;
        }
        let Some(pod) = obj.pod_spec() else { return };
        for c in pod.containers() {
            let Some(env) = c.value.get("env").and_then(Value::as_array) else {
                continue;
            };
            for (i, e) in env.iter().enumerate() {
                let name = e.get("name").and_then(Value::as_str).unwrap_or("");
                let Some(value) = e.get("value").and_then(Value::as_str) else {
                    continue;
                };
                for cred in scan_pair(name, value) {
                    out.report(
                        &Self::META,
                        obj,
                        c.path.clone().key("env").index(i).key("value"),
                        format!(
                            "{} sets env {name} to {} ({})",
                            c.describe(),
                            cred.what,
                            cred.fingerprint
                        ),
                        FIX,
                    );
                }
            }
        }
    }
}
