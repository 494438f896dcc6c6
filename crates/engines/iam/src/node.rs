//! Node role checks and the "this workload calls AWS" heuristic.
//!
//! EKS Auto Mode expects the node role to carry exactly
//! `AmazonEKSWorkerNodeMinimalPolicy` and `AmazonEC2ContainerRegistryPullOnly`
//! (Amazon EKS User Guide, "Amazon EKS Auto Mode node IAM role"). Anything
//! more is power that every pod without IRSA or Pod Identity may reach
//! through the instance metadata service.

/// The managed policies an Auto Mode node role needs (names, not ARNs, so
/// that every partition matches).
pub const NODE_ROLE_BASELINE: [&str; 2] = [
    "AmazonEKSWorkerNodeMinimalPolicy",
    "AmazonEC2ContainerRegistryPullOnly",
];

/// Attached policy ARNs beyond the Auto Mode baseline. Only AWS-managed
/// policies (`arn:PARTITION:iam::aws:policy/…`) count as baseline; a
/// customer policy with the same name does not.
pub fn node_role_extra_policies(attached: &[String]) -> Vec<&str> {
    attached
        .iter()
        .map(String::as_str)
        .filter(|arn| !is_baseline(arn))
        .collect()
}

fn is_baseline(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("iam"), Some(""), Some("aws"), Some(res)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    res.strip_prefix("policy/")
        .is_some_and(|name| NODE_ROLE_BASELINE.contains(&name))
}

/// Environment variables that mark a container as an AWS API client (AWS
/// SDKs and Tools Reference Guide, "Environment variables" settings list).
pub const AWS_SDK_ENV: &[&str] = &[
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_SDK_LOAD_CONFIG",
    "AWS_STS_REGIONAL_ENDPOINTS",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
];

/// Image repositories (without registry/tag) of well-known tools that call
/// AWS APIs.
pub const AWS_CLIENT_IMAGES: &[&str] = &[
    "amazon/aws-cli",
    "aws-cli/aws-cli",
    "amazon/aws-for-fluent-bit",
    "aws-observability/aws-for-fluent-bit",
    "amazon/cloudwatch-agent",
    "cloudwatch-agent/cloudwatch-agent",
    "eks/aws-load-balancer-controller",
    "amazon/aws-load-balancer-controller",
    "external-dns/external-dns",
    "bitnami/external-dns",
    "autoscaling/cluster-autoscaler",
    "karpenter/controller",
    "ebs-csi-driver/aws-ebs-csi-driver",
    "efs-csi-driver/amazon/aws-efs-csi-driver",
    "external-secrets/external-secrets",
    "velero/velero",
    "velero/velero-plugin-for-aws",
    "amazon/aws-node-termination-handler",
    "aws-ec2/aws-node-termination-handler",
    "aws-secrets-manager/secrets-store-csi-driver-provider-aws",
];

/// Why a container looks like it calls AWS, or `None`. `env` holds the
/// container's environment variable names as written in the manifest (the
/// EKS pod identity webhook injects `AWS_REGION`, `AWS_DEFAULT_REGION` and
/// `AWS_STS_REGIONAL_ENDPOINTS` into IRSA pods, so running pods of bound
/// workloads would always match); `image` is its image reference.
pub fn aws_client_reason(env: &[&str], image: &str) -> Option<String> {
    if let Some(e) = env.iter().find(|e| AWS_SDK_ENV.contains(e)) {
        return Some(format!("sets the AWS SDK environment variable {e}"));
    }
    let repo = image_repository(image);
    AWS_CLIENT_IMAGES
        .iter()
        .find(|known| repo == **known || repo.ends_with(&format!("/{known}")))
        .map(|known| format!("runs the AWS client image {known}"))
}

/// `registry/path/name:tag@digest` → `path/name` (registry dropped when the
/// first component looks like a host).
fn image_repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    let no_tag = match no_digest[last_slash..].find(':') {
        Some(i) => &no_digest[..last_slash + i],
        None => no_digest,
    };
    match no_tag.split_once('/') {
        Some((host, rest)) if host.contains('.') || host.contains(':') || host == "localhost" => {
            rest
        }
        _ => no_tag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_policies_are_not_extra() {
        let attached = vec![
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodeMinimalPolicy".to_string(),
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly".to_string(),
            "arn:aws:iam::aws:policy/AmazonS3FullAccess".to_string(),
            "arn:aws:iam::111122223333:policy/AmazonEKSWorkerNodeMinimalPolicy".to_string(),
        ];
        assert_eq!(
            node_role_extra_policies(&attached),
            vec![
                "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                "arn:aws:iam::111122223333:policy/AmazonEKSWorkerNodeMinimalPolicy"
            ]
        );
        let cn = vec!["arn:aws-cn:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly".to_string()];
        assert!(node_role_extra_policies(&cn).is_empty());
    }

    #[test]
    fn aws_clients() {
        assert!(aws_client_reason(&["AWS_REGION"], "nginx:1.27").is_some());
        assert!(aws_client_reason(&[], "public.ecr.aws/aws-cli/aws-cli:2.17.0").is_some());
        assert!(aws_client_reason(&[], "amazon/aws-cli@sha256:abcd").is_some());
        assert!(
            aws_client_reason(&[], "registry.k8s.io/external-dns/external-dns:v0.14.0").is_some()
        );
        assert!(aws_client_reason(&["PATH"], "nginx:1.27").is_none());
        assert!(aws_client_reason(&[], "localhost:5000/app:1").is_none());
    }
}
