//! Risk tables: actions (and combinations) that grant privilege escalation,
//! and actions that give broad data-plane power. Each rule names its source.
//!
//! Sources:
//! - `RHINO`: Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and
//!   Mitigation" (Spencer Gietzen), methods 1–21:
//!   <https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/>
//! - `IAMV`: Bishop Fox, iam-vulnerable, Terraform for each privesc path
//!   (`modules/free-resources/privesc-paths/privesc*.tf`, named in each rule):
//!   <https://github.com/BishopFox/iam-vulnerable>
//! - `PASSROLE`: AWS IAM User Guide, "Grant a user permissions to pass a role
//!   to an AWS service": <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>
//! - `EKSAE`: Amazon EKS User Guide, "Grant IAM users access to Kubernetes
//!   with EKS access entries": <https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html>
//! - `KMS`: AWS KMS Developer Guide, "Best practices for IAM policies" (avoid
//!   `kms:Decrypt` on `*`): <https://docs.aws.amazon.com/kms/latest/developerguide/iam-policies-best-practices.html>
//! - `SM`: AWS Secrets Manager User Guide, "Authentication and access
//!   control": <https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access.html>
//! - `SSM`: AWS Systems Manager User Guide, "Restricting access to Parameter
//!   Store parameters using IAM policies": <https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html>
//! - `S3`: Amazon S3 User Guide, "Security best practices for Amazon S3"
//!   (least privilege): <https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html>
//! - `DDB`: Amazon DynamoDB Developer Guide, "Using identity-based policies
//!   with DynamoDB": <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/using-identity-based-policies.html>
//! - `RDSIAM`: Amazon RDS User Guide, "Creating and using an IAM policy for
//!   IAM database access" (`rds-db:connect`): <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html>
//! - `EBS`: Amazon EBS User Guide, "Share an Amazon EBS snapshot"
//!   (`ec2:ModifySnapshotAttribute`): <https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html>

use eksguard_core::Severity;
use serde::Serialize;

/// What kind of power a rule describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskKind {
    /// Can grant itself (or another principal it controls) more permissions.
    Escalation,
    /// Can read or destroy data broadly.
    DataPower,
}

/// A privilege-escalation or data-power pattern: all `actions` must be
/// allowed, and those in `on_any_resource` must be allowed on every resource
/// of their type (`"Resource": "*"`, `NotResource`, or an ARN that is all
/// wildcards after the resource type, such as `arn:aws:iam::*:role/*` or
/// `arn:aws:s3:::*/*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RiskRule {
    pub id: &'static str,
    pub kind: RiskKind,
    pub severity: Severity,
    pub actions: &'static [&'static str],
    pub on_any_resource: &'static [&'static str],
    pub summary: &'static str,
    pub source: &'static str,
}

const fn esc(
    id: &'static str,
    severity: Severity,
    actions: &'static [&'static str],
    on_any_resource: &'static [&'static str],
    summary: &'static str,
    source: &'static str,
) -> RiskRule {
    RiskRule {
        id,
        kind: RiskKind::Escalation,
        severity,
        actions,
        on_any_resource,
        summary,
        source,
    }
}

const fn data(
    id: &'static str,
    severity: Severity,
    actions: &'static [&'static str],
    summary: &'static str,
    source: &'static str,
) -> RiskRule {
    RiskRule {
        id,
        kind: RiskKind::DataPower,
        severity,
        actions,
        on_any_resource: actions,
        summary,
        source,
    }
}

use Severity::{Critical, High, Medium};

/// The rule table. Combinations with `iam:PassRole` come before PassRole
/// alone so reports show the most specific path first.
pub const RULES: &[RiskRule] = &[
    esc(
        "passrole-ec2",
        Critical,
        &["iam:PassRole", "ec2:RunInstances"],
        &["iam:PassRole"],
        "launch an EC2 instance with any role and read its credentials from IMDS",
        "RHINO #3; IAMV privesc3-CreateEC2WithExistingIP",
    ),
    esc(
        "passrole-lambda-invoke",
        Critical,
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
        &["iam:PassRole"],
        "create a Lambda function with any role and invoke it",
        "RHINO #15; IAMV privesc15-PassExistingRoleToNewLambdaThenInvoke",
    ),
    esc(
        "passrole-lambda-eventsource",
        Critical,
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
        &["iam:PassRole"],
        "create a Lambda function with any role triggered by an event source",
        "RHINO #16; IAMV privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo",
    ),
    esc(
        "passrole-glue",
        Critical,
        &["iam:PassRole", "glue:CreateDevEndpoint"],
        &["iam:PassRole"],
        "create a Glue dev endpoint with any role and SSH into it",
        "RHINO #18; IAMV privesc18-PassExistingRoleToNewGlueDevEndpoint",
    ),
    esc(
        "passrole-cloudformation",
        Critical,
        &["iam:PassRole", "cloudformation:CreateStack"],
        &["iam:PassRole"],
        "create a CloudFormation stack that acts with any role",
        "RHINO #20; IAMV privesc20-PassExistingRoleToCloudFormation",
    ),
    esc(
        "passrole-datapipeline",
        Critical,
        &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        ],
        &["iam:PassRole"],
        "run a Data Pipeline activity with any role",
        "RHINO #21; IAMV privesc21-PassExistingRoleToNewDataPipeline",
    ),
    esc(
        "passrole-sagemaker",
        Critical,
        &[
            "iam:PassRole",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ],
        &["iam:PassRole"],
        "open a SageMaker notebook running with any role",
        "IAMV privesc-sageMakerCreateNotebookPassRole",
    ),
    esc(
        "passrole-codebuild",
        Critical,
        &[
            "iam:PassRole",
            "codebuild:CreateProject",
            "codebuild:StartBuild",
        ],
        &["iam:PassRole"],
        "run a CodeBuild project with any role",
        "IAMV privesc-codeBuildCreateProjectPassRole",
    ),
    esc(
        "passrole-ecs",
        Critical,
        &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
        &["iam:PassRole"],
        "run an ECS task with any task role",
        "PASSROLE",
    ),
    esc(
        "passrole-any",
        High,
        &["iam:PassRole"],
        &["iam:PassRole"],
        "pass any role to any service that accepts one",
        "PASSROLE; RHINO",
    ),
    esc(
        "create-policy-version",
        Critical,
        &["iam:CreatePolicyVersion"],
        &[],
        "publish a new default version of a customer-managed policy with any permissions",
        "RHINO #1; IAMV privesc1-CreateNewPolicyVersion",
    ),
    esc(
        "set-default-policy-version",
        High,
        &["iam:SetDefaultPolicyVersion"],
        &[],
        "switch a managed policy to an older, broader version",
        "RHINO #2; IAMV privesc2-SetExistingDefaultPolicyVersion",
    ),
    esc(
        "create-access-key",
        Critical,
        &["iam:CreateAccessKey"],
        &[],
        "mint long-lived access keys for another IAM user",
        "RHINO #4; IAMV privesc4-CreateAccessKey",
    ),
    esc(
        "create-login-profile",
        Critical,
        &["iam:CreateLoginProfile"],
        &[],
        "set a console password for a user that has none",
        "RHINO #5; IAMV privesc5-CreateLoginProfile",
    ),
    esc(
        "update-login-profile",
        Critical,
        &["iam:UpdateLoginProfile"],
        &[],
        "change another user's console password",
        "RHINO #6; IAMV privesc6-UpdateLoginProfile",
    ),
    esc(
        "attach-user-policy",
        Critical,
        &["iam:AttachUserPolicy"],
        &[],
        "attach any managed policy (e.g. AdministratorAccess) to a user",
        "RHINO #7; IAMV privesc7-AttachUserPolicy",
    ),
    esc(
        "attach-group-policy",
        Critical,
        &["iam:AttachGroupPolicy"],
        &[],
        "attach any managed policy to a group",
        "RHINO #8; IAMV privesc8-AttachGroupPolicy",
    ),
    esc(
        "attach-role-policy",
        Critical,
        &["iam:AttachRolePolicy"],
        &[],
        "attach any managed policy to a role",
        "RHINO #9; IAMV privesc9-AttachRolePolicy",
    ),
    esc(
        "put-user-policy",
        Critical,
        &["iam:PutUserPolicy"],
        &[],
        "write an arbitrary inline policy on a user",
        "RHINO #10; IAMV privesc10-PutUserPolicy",
    ),
    esc(
        "put-group-policy",
        Critical,
        &["iam:PutGroupPolicy"],
        &[],
        "write an arbitrary inline policy on a group",
        "RHINO #11; IAMV privesc11-PutGroupPolicy",
    ),
    esc(
        "put-role-policy",
        Critical,
        &["iam:PutRolePolicy"],
        &[],
        "write an arbitrary inline policy on a role",
        "RHINO #12; IAMV privesc12-PutRolePolicy",
    ),
    esc(
        "add-user-to-group",
        High,
        &["iam:AddUserToGroup"],
        &[],
        "join a more privileged group",
        "RHINO #13; IAMV privesc13-AddUserToGroup",
    ),
    esc(
        "update-assume-role-policy",
        Critical,
        &["iam:UpdateAssumeRolePolicy"],
        &[],
        "rewrite a role's trust policy to let yourself assume it",
        "RHINO #14; IAMV privesc14-UpdatingAssumeRolePolicy",
    ),
    esc(
        "assume-any-role",
        High,
        &["sts:AssumeRole"],
        &["sts:AssumeRole"],
        "assume any role whose trust policy trusts this account (role chaining)",
        "IAMV privesc-AssumeRole",
    ),
    esc(
        "lambda-update-code",
        High,
        &["lambda:UpdateFunctionCode"],
        &[],
        "replace the code of an existing function and act as its role",
        "RHINO #17; IAMV privesc17-EditExistingLambdaFunctionWithRole",
    ),
    esc(
        "glue-update-dev-endpoint",
        High,
        &["glue:UpdateDevEndpoint"],
        &[],
        "add an SSH key to an existing Glue dev endpoint and act as its role",
        "RHINO #19; IAMV privesc19-UpdateExistingGlueDevEndpoint",
    ),
    esc(
        "ssm-send-command",
        High,
        &["ssm:SendCommand"],
        &["ssm:SendCommand"],
        "run commands on managed instances and use their roles",
        "IAMV privesc-ssmSendCommand",
    ),
    esc(
        "ssm-start-session",
        High,
        &["ssm:StartSession"],
        &["ssm:StartSession"],
        "open a shell on managed instances and use their roles",
        "IAMV privesc-ssmStartSession",
    ),
    esc(
        "ec2-instance-connect",
        High,
        &["ec2-instance-connect:SendSSHPublicKey"],
        &["ec2-instance-connect:SendSSHPublicKey"],
        "push an SSH key to any instance and use its role",
        "IAMV privesc-ec2InstanceConnect",
    ),
    esc(
        "passrole-sagemaker-processing",
        Critical,
        &["iam:PassRole", "sagemaker:CreateProcessingJob"],
        &["iam:PassRole"],
        "run a SageMaker processing job with any role",
        "IAMV privesc-sageMakerCreateProcessingJob",
    ),
    esc(
        "passrole-sagemaker-training",
        Critical,
        &["iam:PassRole", "sagemaker:CreateTrainingJob"],
        &["iam:PassRole"],
        "run a SageMaker training job with any role",
        "IAMV privesc-sageMakerCreateTrainingJob",
    ),
    esc(
        "cloudformation-update-stack",
        High,
        &["cloudformation:UpdateStack"],
        &[],
        "change an existing stack so that its service role creates what you ask",
        "IAMV privesc-cloudFormationUpdateStack",
    ),
    esc(
        "sagemaker-presigned-notebook",
        High,
        &["sagemaker:CreatePresignedNotebookInstanceUrl"],
        &[],
        "open an existing SageMaker notebook and act as its role",
        "IAMV privesc-sageMakerCreatePresignedNotebookURL",
    ),
    esc(
        "eks-access-entry-admin",
        Critical,
        &["eks:CreateAccessEntry", "eks:AssociateAccessPolicy"],
        &[],
        "grant any IAM principal Kubernetes cluster-admin through an access entry",
        "EKSAE",
    ),
    data(
        "s3-read-all",
        High,
        &["s3:GetObject"],
        "read every object in every bucket the account can reach",
        "S3",
    ),
    data(
        "s3-write-all",
        High,
        &["s3:PutObject"],
        "overwrite objects in every bucket",
        "S3",
    ),
    data(
        "s3-delete-all",
        High,
        &["s3:DeleteObject"],
        "delete objects in every bucket",
        "S3",
    ),
    data(
        "kms-decrypt-all",
        High,
        &["kms:Decrypt"],
        "decrypt with every KMS key whose key policy delegates to IAM",
        "KMS",
    ),
    data(
        "secrets-read-all",
        Critical,
        &["secretsmanager:GetSecretValue"],
        "read every Secrets Manager secret",
        "SM",
    ),
    data(
        "ssm-parameters-read-all",
        High,
        &["ssm:GetParameter"],
        "read every SSM parameter (SecureString with kms:Decrypt)",
        "SSM",
    ),
    data(
        "ssm-parameters-path-all",
        High,
        &["ssm:GetParametersByPath"],
        "read every SSM parameter tree",
        "SSM",
    ),
    data(
        "dynamodb-scan-all",
        High,
        &["dynamodb:Scan"],
        "read every DynamoDB table",
        "DDB",
    ),
    data(
        "dynamodb-write-all",
        Medium,
        &["dynamodb:PutItem"],
        "write every DynamoDB table",
        "DDB",
    ),
    data(
        "rds-connect-all",
        High,
        &["rds-db:connect"],
        "log in to every RDS database that uses IAM authentication",
        "RDSIAM",
    ),
    data(
        "ec2-snapshot-share",
        Medium,
        &["ec2:ModifySnapshotAttribute"],
        "share EBS snapshots with another account",
        "EBS",
    ),
];

/// The single actions that appear in any escalation rule, for quick
/// membership tests.
pub fn escalation_actions() -> impl Iterator<Item = &'static str> {
    RULES
        .iter()
        .filter(|r| r.kind == RiskKind::Escalation)
        .flat_map(|r| r.actions.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    #[test]
    fn every_rule_action_is_catalogued() {
        let c = catalog();
        for r in RULES {
            for a in r.actions {
                assert!(c.get(a).is_some(), "rule {} names unknown action {a}", r.id);
            }
            for a in r.on_any_resource {
                assert!(
                    r.actions.contains(a),
                    "rule {}: {a} not among its actions",
                    r.id
                );
            }
        }
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
