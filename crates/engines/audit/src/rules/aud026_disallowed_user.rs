//! AUD-026: activity by a user outside the configured list.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-026",
    title: "Request by a user outside the allowed users",
    severity: Severity::Medium,
    technique: T_VALID,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Disallowed K8s User"],
    guardduty: &[],
    doc: Doc {
        what: "Any request by a non-`system:` user not in `allowed_users` (and not allow-listed). Silent until `allowed_users` is configured.",
        why: "Clusters operated by a known set of identities should never see another human or IAM principal.",
        example: "A request by `arn:aws:sts::111122223333:assumed-role/Unknown/x`.",
        response: "Identify the IAM principal behind the username (access entries / aws-auth) and remove its access if unexpected.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let user = cx.ev.username();
    if cx.cfg.allowed_users.is_empty()
        || user.is_empty()
        || user.starts_with("system:")
        || cx.cfg.allowed_users.matches(user)
    {
        return None;
    }
    Some(format!(
        "{} by user {user} who is not in allowed_users",
        cx.ev.verb()
    ))
}
