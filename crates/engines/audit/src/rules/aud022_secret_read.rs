//! AUD-022: Secrets read by a principal outside the allow-list.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-022",
    title: "Secret read by an unexpected principal",
    severity: Severity::Medium,
    technique: T_CONTAINER_API_CREDS,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["K8s Secret Get Successfully"],
    guardduty: &["CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed"],
    doc: Doc {
        what: "A successful get, list or watch of Secrets by a principal outside the allow-list. Operators that read Secrets by design (cert-manager, external-secrets…) belong in `rule_allowed_principals` for this rule.",
        why: "Secrets hold tokens, passwords and keys; reading them is the first step of most credential theft in a cluster.",
        example: "`kubectl get secret -n prod db-creds -o yaml`",
        response: "Confirm the principal needs the Secret; narrow RBAC to `resourceNames`; rotate what was read if the access was not expected. AUD-102 reports reads across many namespaces.",
        references: &[FALCO_RULES_URL, GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "secrets"
        || !ev.subresource().is_empty()
        || !matches!(ev.verb(), "get" | "list" | "watch")
        || !ev.succeeded()
    {
        return None;
    }
    let ns = if ev.namespace().is_empty() {
        "all namespaces"
    } else {
        ev.namespace()
    };
    Some(if ev.name().is_empty() {
        format!("secrets {} in {ns}", ev.verb())
    } else {
        format!("secret {} read ({}) in {ns}", ev.name(), ev.verb())
    })
}
