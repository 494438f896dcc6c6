use crate::util::secrets::{configmap_literals, env_literals, scan_pair};
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Object;

control! {
    /// ## What it checks
    /// Literal AWS credentials in container environment variables (`env[].value`,
    /// init and ephemeral containers too) and in ConfigMap `data` (which
    /// `envFrom` and volumes hand to pods). The value is judged, not the name:
    ///
    /// - access key IDs anywhere in a value: `AKIA` or `ASIA` and 16
    ///   upper-case letters or digits, as a whole word;
    /// - under a credential name (`AWS_SECRET_ACCESS_KEY`, `aws_session_token`,
    ///   `secretAccessKey`, …), directly or as a line of a
    ///   `~/.aws/credentials` file, env file or script stored as one value:
    ///   a secret access key (exactly 40 characters of `A-Za-z0-9/+`, with
    ///   upper- and lower-case letters, a digit, `/` or `+`, at least 16
    ///   distinct characters, no run of six, no word such as `example` or
    ///   `changeme`) or a session token (100 or more characters of base64).
    ///
    /// Values that cannot be keys (`secret`, `changeme`, `<key>`, AWS's
    /// documentation examples containing `EXAMPLE`, anything shorter or
    /// differently shaped) are IAM-006, low. Values pulled from Secrets
    /// (`valueFrom`), empty values and references (`$(VAR)`, `${VAR}`,
    /// `{{ … }}`) are not flagged.
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
    ///     value: AKIA…                  # AKIA + 16 characters: an IAM user key
    ///   - name: AWS_SECRET_ACCESS_KEY
    ///     value: …                      # 40 random characters
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
        let literals = if obj.is("", "ConfigMap") {
            configmap_literals(obj)
        } else {
            env_literals(obj)
        };
        for l in literals {
            for cred in scan_pair(l.key, &l.value) {
                out.report(
                    &Self::META,
                    obj,
                    l.path.clone(),
                    l.message(&cred.describe()),
                    FIX,
                );
            }
        }
    }
}
