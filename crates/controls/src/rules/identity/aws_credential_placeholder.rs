use crate::util::secrets::{configmap_literals, env_literals, scan_placeholders, secret_literals};
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Object;

control! {
    /// ## What it checks
    /// Keys named for an AWS credential (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `aws_secret_access_key`
    /// in a `~/.aws/credentials` file, `secretAccessKey`, …) in container env,
    /// ConfigMaps and Secrets whose literal value cannot be an AWS key: a
    /// placeholder word (`secret`, `changeme`, `dummy`, `test`), `<…>`, AWS's
    /// documentation example keys (anything containing `EXAMPLE`), one
    /// repeated character (`xxxx`), fewer than
    /// 16 characters, or any other value not shaped like an access key ID,
    /// a 40-character secret access key or a session token (UUIDs, hex
    /// digests, URLs). Key-shaped values are IAM-001 (env, ConfigMaps) and
    /// IAM-002 (Secrets). Empty values and references (`$(VAR)`, `${VAR}`,
    /// `$VAR`, `{{ … }}`) are not flagged: the value lives elsewhere. The
    /// report gives the reason, never the value or a hash of it.
    ///
    /// ## Why it matters
    /// Nothing leaks, but the variables are not inert. The AWS SDKs and the
    /// CLI read `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` from the
    /// environment before the web identity token of IRSA or the container
    /// credentials of EKS Pod Identity: a placeholder left in a production
    /// manifest overrides the pod's IAM role and its calls fail, and the
    /// variable invites someone to paste a real key into it later. Local
    /// emulators (DynamoDB Local, LocalStack, MinIO) need such values; if
    /// that is all the cluster runs, disable the control.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   AWS_ENDPOINT_URL_DYNAMODB: http://dynamodb-local:8000
    ///   AWS_ACCESS_KEY_ID: dummy
    ///   AWS_SECRET_ACCESS_KEY: secret
    /// ```
    ///
    /// ## Fix
    /// For workloads that talk to AWS, remove the variables and give the
    /// workload an IAM role through EKS Pod Identity or IRSA. For local
    /// emulators, keep them and suppress the finding
    /// (`eksguard.io/ignore: "IAM-006: DynamoDB Local"`), or turn the
    /// control off with `controls: {disable: [IAM-006]}`.
    ///
    /// ## References
    /// - AWS SDKs and Tools Reference Guide, "Understand the credential provider chain": https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
    /// - IAM User Guide, unique ID prefixes (`AKIA`, `ASIA`): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
    /// - EKS Best Practices Guide, Identity and Access Management: "Avoid long-lived credentials"
    pub struct AwsCredentialPlaceholder {
        id: "IAM-006",
        name: "aws-credential-placeholder",
        title: "Credential-named key with a placeholder value",
        severity: Low,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

const FIX: &str = "If the workload calls AWS, remove the variables and grant it an IAM role through EKS Pod Identity or IRSA; for a local emulator, suppress the finding or disable IAM-006.";

impl Control for AwsCredentialPlaceholder {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        const KINDS: &[&str] = &[
            "ConfigMap",
            "Secret",
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
        } else if obj.is("", "Secret") {
            secret_literals(obj)
        } else {
            env_literals(obj)
        };
        for l in literals {
            for p in scan_placeholders(l.key, &l.value) {
                out.report(
                    &Self::META,
                    obj,
                    l.path.clone(),
                    l.message(&p.describe()),
                    FIX,
                );
            }
        }
    }
}
