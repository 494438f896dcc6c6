//! The AWS side of a cluster (EKS cluster, IAM, EC2 security groups, KMS),
//! as collected live or read from an `aws` CLI snapshot.
//!
//! Placeholder: filled in by the AWS collector work (issue #5).

/// Everything eksguard knows about the cluster's AWS account.
#[derive(Debug, Clone, Default)]
pub struct AwsFacts {}
