//! The snapshot layout: one file per `aws` CLI call, named after the call.
//!
//! ```text
//! DIR/
//!   snapshot.json                          index: format, eksguardVersion, cluster, region, account,
//!                                          identity (who collected), collectedAt, gaps (every failed
//!                                          call: action, what, class, status, code, message,
//!                                          requestId, deniedBy)
//!   sts/get-caller-identity.json           aws sts get-caller-identity
//!   eks/describe-cluster.json              aws eks describe-cluster --name C        (required: the marker)
//!   eks/list-access-entries.json           aws eks list-access-entries --cluster-name C
//!   eks/access-entries/<N>/describe-access-entry.json             aws eks describe-access-entry …
//!   eks/access-entries/<N>/list-associated-access-policies.json   aws eks list-associated-access-policies …
//!   eks/list-pod-identity-associations.json
//!   eks/pod-identity-associations/<N>.json aws eks describe-pod-identity-association …
//!   eks/describe-cluster-versions.json     aws eks describe-cluster-versions --include-all
//!   eks/list-nodegroups.json               aws eks list-nodegroups --cluster-name C
//!   eks/nodegroups/<N>/describe-nodegroup.json            aws eks describe-nodegroup …
//!   eks/list-fargate-profiles.json         aws eks list-fargate-profiles --cluster-name C
//!   eks/fargate-profiles/<N>/describe-fargate-profile.json aws eks describe-fargate-profile …
//!   eks/list-addons.json                   aws eks list-addons --cluster-name C
//!   eks/addons/<N>/describe-addon.json     aws eks describe-addon …
//!   ec2/launch-templates/<ID>/<V>.json     aws ec2 describe-launch-template-versions --launch-template-id ID --versions V
//!                                          (never with UserData)
//!   logs/describe-log-groups.json          aws logs describe-log-groups --log-group-name-prefix /aws/eks/C/cluster
//!   guardduty/list-detectors.json          aws guardduty list-detectors
//!   guardduty/detectors/<ID>/get-detector.json  aws guardduty get-detector --detector-id ID
//!   ec2/describe-security-groups.json      aws ec2 describe-security-groups --filters Name=vpc-id,Values=V
//!   ec2/get-ebs-encryption-by-default.json aws ec2 get-ebs-encryption-by-default
//!   kms/<N>/describe-key.json              aws kms describe-key --key-id K
//!   kms/<N>/get-key-rotation-status.json   aws kms get-key-rotation-status --key-id K
//!   iam/list-open-id-connect-providers.json
//!   iam/roles/<N>/get-role.json            aws iam get-role --role-name R
//!   iam/roles/<N>/list-attached-role-policies.json
//!   iam/roles/<N>/get-role-policy/<M>.json aws iam get-role-policy --role-name R --policy-name P
//!   iam/policies/<N>/get-policy.json       aws iam get-policy --policy-arn A
//!   iam/policies/<N>/get-policy-version.json  … --version-id (the default version)
//! ```
//!
//! `<N>` and `<M>` are any directory or file names: files that belong
//! together (a role and its policies) are joined by sharing a directory, and
//! everything else is read from the content, so a snapshot can be written by
//! hand with the `aws` CLI. Policy documents may be JSON objects (as the CLI
//! prints them), JSON strings, or URL-encoded strings (as IAM and the SDKs
//! return them). Unknown files and fields are ignored. A listing of this
//! eksguard (node groups, Fargate profiles, add-ons) that is missing and
//! has no gap was never collected (an older eksguard, or by hand): the
//! controls that need it are reported not checked, never passed.

/// A file or directory name for an identifier that may hold `/` or `:`
/// (ARNs, principal ARNs): anything outside `[A-Za-z0-9._-]` becomes `_`.
pub fn file_name(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_are_safe_and_never_hidden() {
        assert_eq!(
            super::file_name("arn:aws:iam::111122223333:role/a/b"),
            "arn_aws_iam__111122223333_role_a_b"
        );
        assert_eq!(super::file_name(".."), "_..");
        assert_eq!(super::file_name(""), "_");
    }
}
