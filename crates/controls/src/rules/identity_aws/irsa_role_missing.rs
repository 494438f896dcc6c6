use super::identity;
use super::irsa_binding_not_trusted::{annotation_path, workload_list};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;

control! {
    /// ## What it checks
    /// ServiceAccounts annotated `eks.amazonaws.com/role-arn` with a value
    /// that is not an IAM role ARN, or with a role of the scanned account
    /// that the account does not have. Roles of other accounts are not
    /// judged (the scan cannot see them), nor is anything when the IAM
    /// collection reported a gap or collected no role at all.
    ///
    /// ## Why it matters
    /// The pods start anyway, with `AWS_ROLE_ARN` pointing at nothing: every
    /// AWS call fails, or the SDK falls back to the node role. A deleted role
    /// name is also a takeover risk: whoever can create IAM roles in the
    /// account can recreate it with a trust policy and permissions of their
    /// choosing, and the workload will use it.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/deleted-role
    /// ```
    ///
    /// ## Fix
    /// Create the role (with a trust policy naming this ServiceAccount) or
    /// correct the annotation; remove it if the workload needs no AWS access.
    ///
    /// ## References
    /// - EKS User Guide, "Assign IAM roles to Kubernetes service accounts" (annotation `eks.amazonaws.com/role-arn`)
    /// - EKS User Guide, "Troubleshoot IAM roles for service accounts"
    /// - IAM User Guide, "IAM identifiers" (role ARN format)
    pub struct IrsaRoleMissing {
        id: "IAM-028",
        name: "irsa-role-missing",
        title: "ServiceAccount's IRSA role does not exist",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

/// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` → ACCOUNT.
fn role_account(arn: &str) -> Option<&str> {
    let mut p = arn.splitn(6, ':');
    match (p.next(), p.next(), p.next(), p.next(), p.next(), p.next()) {
        (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(res))
            if !partition.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && res.strip_prefix("role/").is_some_and(|n| !n.is_empty()) =>
        {
            Some(account)
        }
        _ => None,
    }
}

impl Control for IrsaRoleMissing {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::IamRoles)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Kinds(&[("", "ServiceAccount")])
    }

    /// Cost: O(n) in objects: reads the identity view, built once per scan
    /// in O(n) (indexed ServiceAccount and workload lookups) and shared by
    /// the identity controls.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let (Some(facts), Some(id)) = (inv.aws.as_ref(), identity(inv)) else {
            return;
        };
        // Without IAM data (a gap, or a snapshot with no roles at all) a role
        // missing from the facts says nothing about the account.
        let iam_gap =
            facts.roles.is_empty() || facts.gaps.iter().any(|g| g.action.starts_with("iam:"));
        for sa in &id.service_accounts {
            let Some(arn) = &sa.role_arn else { continue };
            let problem = match role_account(arn) {
                None => format!("`{arn}` is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"),
                Some(acct) if Some(acct) == facts.account_id.as_deref() && !iam_gap => {
                    if id.role_index(arn).is_some() {
                        continue;
                    }
                    format!("role {arn} does not exist in account {acct}")
                }
                Some(_) => continue,
            };
            let Some(obj) = inv.objects().get(sa.object) else {
                continue;
            };
            out.report(
                &Self::META,
                obj,
                annotation_path(),
                format!(
                    "ServiceAccount {}/{}: {problem}; {}",
                    sa.namespace,
                    sa.name,
                    workload_list(&id, &sa.namespace, &sa.name)
                ),
                "Create the role with a trust policy for this ServiceAccount, or correct or remove the annotation.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn role_arns_are_recognised() {
        use super::role_account;
        assert_eq!(
            role_account("arn:aws:iam::111122223333:role/a"),
            Some("111122223333")
        );
        assert_eq!(
            role_account("arn:aws-cn:iam::111122223333:role/p/a"),
            Some("111122223333")
        );
        assert_eq!(role_account("arn:aws:iam::111122223333:user/a"), None);
        assert_eq!(role_account("arn:aws:iam::1111:role/a"), None);
        assert_eq!(role_account("ledger-writer"), None);
        assert_eq!(role_account("arn:aws:iam::111122223333:role/"), None);
    }
}
