//! Trust-policy analysis for the two ways a pod gets a role: IAM Roles for
//! Service Accounts (IRSA, `sts:AssumeRoleWithWebIdentity` from the
//! cluster's OIDC provider) and EKS Pod Identity (`sts:AssumeRole` +
//! `sts:TagSession` from `pods.eks.amazonaws.com`).
//!
//! References: Amazon EKS User Guide, "Assign IAM roles to Kubernetes service
//! accounts" (trust policy with `<issuer>:sub` and `<issuer>:aud`
//! conditions) and "Create IAM role with trust policy required by EKS Pod
//! Identity" (`sts:AssumeRole` and `sts:TagSession`, with
//! `aws:SourceAccount`/`aws:SourceArn` recommended against confused-deputy
//! use).

use eksguard_core::Severity;
use serde::Serialize;

use crate::condition::{Condition, Operator, SetQualifier};
use crate::eval::{Decision, Evaluator, Principal, Request};
use crate::policy::{Effect, Policy, PrincipalKind, Statement};

/// The service principal EKS Pod Identity uses.
pub const POD_IDENTITY_SERVICE: &str = "pods.eks.amazonaws.com";
/// The audience the EKS pod identity webhook puts in IRSA tokens.
pub const IRSA_AUDIENCE: &str = "sts.amazonaws.com";

/// What the engine needs to know about the cluster under analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFacts {
    pub account_id: String,
    /// OIDC issuer, with or without `https://`
    /// (`oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`).
    pub oidc_issuer: String,
    /// `arn:aws:eks:REGION:ACCOUNT:cluster/NAME`.
    pub cluster_arn: String,
}

impl ClusterFacts {
    /// The issuer without scheme or trailing slash.
    pub fn issuer(&self) -> &str {
        normalize_issuer(&self.oidc_issuer)
    }

    /// `arn:aws:iam::ACCOUNT:oidc-provider/ISSUER` (partition taken from the
    /// cluster ARN).
    pub fn oidc_provider_arn(&self) -> String {
        let partition = self
            .cluster_arn
            .split(':')
            .nth(1)
            .filter(|p| !p.is_empty())
            .unwrap_or("aws");
        format!(
            "arn:{partition}:iam::{}:oidc-provider/{}",
            self.account_id,
            self.issuer()
        )
    }

    fn cluster_name(&self) -> &str {
        self.cluster_arn
            .rsplit_once(":cluster/")
            .map_or("", |(_, n)| n)
    }
}

fn normalize_issuer(s: &str) -> &str {
    let s = s.strip_prefix("https://").unwrap_or(s);
    s.trim_end_matches('/')
}

/// Which ServiceAccounts an IRSA statement admits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", rename_all = "kebab-case")]
pub enum SubjectScope {
    /// One ServiceAccount.
    ServiceAccount { namespace: String, name: String },
    /// Several ServiceAccounts of one namespace (`system:serviceaccount:ns:*`
    /// or `ns:app-*`).
    Namespace { namespace: String, pattern: String },
    /// ServiceAccounts across namespaces, or any token of the issuer.
    Cluster { pattern: String },
}

/// One trust statement that lets an OIDC provider's tokens assume the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IrsaStatement {
    pub statement: usize,
    pub sid: Option<String>,
    pub provider_arn: String,
    /// The provider is this cluster's.
    pub this_cluster: bool,
    /// Admitted subjects (from the `:sub` condition; `Cluster { "*" }` when
    /// it is missing).
    pub subjects: Vec<SubjectScope>,
    /// `:aud` values, empty when there is no `:aud` condition.
    pub audiences: Vec<String>,
}

/// Findings about a trust policy, as data for the controls layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustFindingKind {
    /// No `:sub` condition: every ServiceAccount in the cluster can assume it.
    IrsaSubMissing,
    /// `:sub` admits ServiceAccounts of any namespace.
    IrsaSubClusterWildcard,
    /// `:sub` admits several ServiceAccounts of one namespace (a documented
    /// pattern, still wider than one workload).
    IrsaSubNamespaceWildcard,
    /// No `:aud` condition.
    IrsaAudMissing,
    /// `:aud` does not require `sts.amazonaws.com`.
    IrsaAudNotSts,
    /// `StringLike` with no wildcard in the value: `StringEquals` was meant.
    IrsaStringLikeWithoutWildcard,
    /// The trust names the OIDC provider of another EKS cluster.
    IrsaForeignProvider,
    /// Pod Identity trust without `aws:SourceAccount`/`aws:SourceArn`.
    PodIdentityNoSourceCondition,
    /// Pod Identity trust allows `sts:AssumeRole` but not `sts:TagSession`
    /// (the association cannot deliver credentials).
    PodIdentityMissingTagSession,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustFinding {
    pub kind: TrustFindingKind,
    pub severity: Severity,
    /// Statement index in the trust policy.
    pub statement: usize,
    pub sid: Option<String>,
    pub message: String,
}

/// Summary of a role's trust policy relative to one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustReport {
    pub irsa: Vec<IrsaStatement>,
    /// Pods of this cluster can get the role through an EKS Pod Identity
    /// association (both actions allowed for this cluster's account/ARN).
    pub pod_identity: bool,
    pub findings: Vec<TrustFinding>,
}

/// Analyzes `trust` against `facts`. Deny statements are honoured by
/// [`irsa_trusts`] and [`pod_identity_trusts`]; the findings look at Allow
/// statements.
pub fn analyze_trust(trust: &Policy, facts: &ClusterFacts) -> TrustReport {
    let mut irsa = Vec::new();
    let mut findings = Vec::new();
    let issuer = facts.issuer();
    for st in trust
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let Some(pm) = &st.principals else { continue };
        if pm.negated {
            continue;
        }
        let mut finding = |kind, severity, message: String| {
            findings.push(TrustFinding {
                kind,
                severity,
                statement: st.index,
                sid: st.sid.clone(),
                message,
            })
        };
        if action_allowed(st, "sts:assumerolewithwebidentity") {
            for (kind, value) in &pm.entries {
                if *kind != PrincipalKind::Federated {
                    continue;
                }
                let Some((account, prov_issuer)) = oidc_provider(value) else {
                    continue;
                };
                let this = prov_issuer.eq_ignore_ascii_case(issuer) && account == facts.account_id;
                if !this {
                    if prov_issuer.starts_with("oidc.eks.") {
                        finding(
                            TrustFindingKind::IrsaForeignProvider,
                            Severity::Low,
                            format!(
                                "trust names the OIDC provider of another EKS cluster ({prov_issuer}); \
                                 that cluster's ServiceAccounts can assume this role"
                            ),
                        );
                    }
                    irsa.push(IrsaStatement {
                        statement: st.index,
                        sid: st.sid.clone(),
                        provider_arn: value.clone(),
                        this_cluster: false,
                        subjects: Vec::new(),
                        audiences: Vec::new(),
                    });
                    continue;
                }
                let sub_key = format!("{}:sub", prov_issuer.to_ascii_lowercase());
                let aud_key = format!("{}:aud", prov_issuer.to_ascii_lowercase());
                let subs: Vec<&Condition> = st
                    .conditions
                    .iter()
                    .filter(|c| c.key_lower == sub_key)
                    .collect();
                let auds: Vec<&Condition> = st
                    .conditions
                    .iter()
                    .filter(|c| c.key_lower == aud_key)
                    .collect();
                let mut subjects = Vec::new();
                if subs.is_empty() {
                    subjects.push(SubjectScope::Cluster {
                        pattern: "*".into(),
                    });
                    finding(
                        TrustFindingKind::IrsaSubMissing,
                        Severity::High,
                        format!(
                            "no `{prov_issuer}:sub` condition: any ServiceAccount in the cluster can assume this role"
                        ),
                    );
                }
                for c in &subs {
                    let wildcard_op = c.operator.uses_wildcards();
                    if c.operator.is_negated() || c.operator == Operator::Null || c.if_exists {
                        subjects.push(SubjectScope::Cluster {
                            pattern: format!("{} {:?}", c.operator_name, c.values),
                        });
                        finding(
                            TrustFindingKind::IrsaSubClusterWildcard,
                            Severity::High,
                            format!(
                                "`{}` on `{}` admits ServiceAccounts in every namespace",
                                c.operator_name, c.key
                            ),
                        );
                        continue;
                    }
                    for v in &c.values {
                        let scope = classify_sub(v, wildcard_op);
                        match &scope {
                            SubjectScope::Cluster { .. } => finding(
                                TrustFindingKind::IrsaSubClusterWildcard,
                                Severity::High,
                                format!(
                                    "`{}` value `{v}` admits ServiceAccounts in every namespace",
                                    c.operator_name
                                ),
                            ),
                            SubjectScope::Namespace { namespace, .. } => finding(
                                TrustFindingKind::IrsaSubNamespaceWildcard,
                                Severity::Medium,
                                format!(
                                    "`{}` value `{v}` admits several ServiceAccounts of namespace `{namespace}`",
                                    c.operator_name
                                ),
                            ),
                            SubjectScope::ServiceAccount { .. } => {
                                if wildcard_op && !v.contains(['*', '?']) {
                                    finding(
                                        TrustFindingKind::IrsaStringLikeWithoutWildcard,
                                        Severity::Low,
                                        format!(
                                            "`{}` with the exact value `{v}`: use `StringEquals`",
                                            c.operator_name
                                        ),
                                    );
                                }
                            }
                        }
                        subjects.push(scope);
                    }
                }
                let mut audiences = Vec::new();
                if auds.is_empty() {
                    finding(
                        TrustFindingKind::IrsaAudMissing,
                        Severity::Low,
                        format!("no `{prov_issuer}:aud` condition (expected `{IRSA_AUDIENCE}`)"),
                    );
                }
                for c in &auds {
                    audiences.extend(c.values.iter().cloned());
                    let strict = !c.operator.is_negated()
                        && c.qualifier != Some(SetQualifier::ForAllValues)
                        && !c.values.is_empty()
                        && c.values.iter().all(|v| v == IRSA_AUDIENCE);
                    if !strict {
                        finding(
                            TrustFindingKind::IrsaAudNotSts,
                            Severity::Medium,
                            format!(
                                "`{}` on `{}` with {:?} does not require the audience `{IRSA_AUDIENCE}`",
                                c.operator_name, c.key, c.values
                            ),
                        );
                    }
                }
                irsa.push(IrsaStatement {
                    statement: st.index,
                    sid: st.sid.clone(),
                    provider_arn: value.clone(),
                    this_cluster: true,
                    subjects,
                    audiences,
                });
            }
        }
        let names_pods = pm.entries.iter().any(|(k, v)| {
            *k == PrincipalKind::Service && v.eq_ignore_ascii_case(POD_IDENTITY_SERVICE)
        });
        if names_pods && action_allowed(st, "sts:assumerole") {
            let has_source = st
                .conditions
                .iter()
                .any(|c| c.key_lower == "aws:sourceaccount" || c.key_lower == "aws:sourcearn");
            if !has_source {
                finding(
                    TrustFindingKind::PodIdentityNoSourceCondition,
                    Severity::Medium,
                    format!(
                        "`{POD_IDENTITY_SERVICE}` is trusted without an `aws:SourceAccount` or `aws:SourceArn` \
                         condition: a Pod Identity association of any cluster can use this role"
                    ),
                );
            }
        }
    }
    let pod_identity = pod_identity_trusts(trust, facts, None);
    let assume_only = !pod_identity
        && pod_identity_request(trust, facts, None, "sts:AssumeRole") == Decision::Allow;
    if assume_only {
        findings.push(TrustFinding {
            kind: TrustFindingKind::PodIdentityMissingTagSession,
            severity: Severity::Medium,
            statement: first_pods_statement(trust).unwrap_or(0),
            sid: None,
            message: format!(
                "`{POD_IDENTITY_SERVICE}` may call `sts:AssumeRole` but not `sts:TagSession`; \
                 EKS Pod Identity needs both"
            ),
        });
    }
    findings.sort_by_key(|f| (f.statement, f.kind));
    TrustReport {
        irsa,
        pod_identity,
        findings,
    }
}

fn first_pods_statement(trust: &Policy) -> Option<usize> {
    trust.statements.iter().find_map(|s| {
        let pm = s.principals.as_ref()?;
        pm.entries
            .iter()
            .any(|(k, v)| {
                *k == PrincipalKind::Service && v.eq_ignore_ascii_case(POD_IDENTITY_SERVICE)
            })
            .then_some(s.index)
    })
}

fn action_allowed(st: &Statement, action_lc: &str) -> bool {
    st.actions
        .as_ref()
        .is_some_and(|m| m.negated != m.globs.iter().any(|g| g.matches(action_lc)))
}

/// `arn:aws:iam::ACCOUNT:oidc-provider/ISSUER` → (ACCOUNT, ISSUER).
fn oidc_provider(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_p, service, _r, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "iam" {
        return None;
    }
    let issuer = resource.strip_prefix("oidc-provider/")?;
    Some((account, normalize_issuer(issuer)))
}

/// Classifies one `:sub` value.
fn classify_sub(v: &str, wildcard_op: bool) -> SubjectScope {
    let wild = |s: &str| wildcard_op && s.contains(['*', '?']);
    let cluster = || SubjectScope::Cluster {
        pattern: v.to_string(),
    };
    let Some(rest) = v.strip_prefix("system:serviceaccount:") else {
        // Anything not starting with the SA prefix: a wildcard here (`*`,
        // `system:*`) spans namespaces; a literal never matches an SA token.
        return if wild(v) {
            cluster()
        } else {
            SubjectScope::ServiceAccount {
                namespace: String::new(),
                name: v.to_string(),
            }
        };
    };
    match rest.split_once(':') {
        Some((ns, name)) if !wild(ns) => {
            if wild(name) {
                SubjectScope::Namespace {
                    namespace: ns.to_string(),
                    pattern: name.to_string(),
                }
            } else {
                SubjectScope::ServiceAccount {
                    namespace: ns.to_string(),
                    name: name.to_string(),
                }
            }
        }
        _ if wild(rest) => cluster(),
        _ => SubjectScope::ServiceAccount {
            namespace: String::new(),
            name: rest.to_string(),
        },
    }
}

/// Would the ServiceAccount `namespace/service_account` of this cluster get
/// credentials for the role through IRSA? Evaluates the whole trust policy
/// (Deny statements included) for `sts:AssumeRoleWithWebIdentity` with the
/// token claims the EKS webhook produces (`sub` =
/// `system:serviceaccount:NS:NAME`, `aud` = `sts.amazonaws.com`).
pub fn irsa_trusts(
    trust: &Policy,
    facts: &ClusterFacts,
    namespace: &str,
    service_account: &str,
) -> bool {
    let issuer = facts.issuer();
    let mut req = Request::new("sts:AssumeRoleWithWebIdentity", "*");
    req.principal = Some(Principal::federated(facts.oidc_provider_arn()));
    req.context
        .insert(
            &format!("{issuer}:sub"),
            format!("system:serviceaccount:{namespace}:{service_account}"),
        )
        .insert(&format!("{issuer}:aud"), IRSA_AUDIENCE)
        .insert("aws:FederatedProvider", facts.oidc_provider_arn());
    Evaluator::new([trust]).evaluate(&req).decision == Decision::Allow
}

/// Would an EKS Pod Identity association of this cluster get credentials for
/// the role? Needs both `sts:AssumeRole` and `sts:TagSession` from
/// `pods.eks.amazonaws.com`, with the context EKS Auth supplies
/// (`aws:SourceAccount`, `aws:SourceArn` = cluster ARN, and the session tags
/// `eks-cluster-arn`, `eks-cluster-name`, `kubernetes-namespace`,
/// `kubernetes-service-account`). Pass `Some((namespace, sa))` when trust
/// conditions may test the namespace or ServiceAccount tags.
pub fn pod_identity_trusts(trust: &Policy, facts: &ClusterFacts, sa: Option<(&str, &str)>) -> bool {
    ["sts:AssumeRole", "sts:TagSession"]
        .iter()
        .all(|a| pod_identity_request(trust, facts, sa, a) == Decision::Allow)
}

fn pod_identity_request(
    trust: &Policy,
    facts: &ClusterFacts,
    sa: Option<(&str, &str)>,
    action: &str,
) -> Decision {
    let mut req = Request::new(action, "*");
    req.principal = Some(Principal::service(POD_IDENTITY_SERVICE));
    let c = &mut req.context;
    c.insert("aws:SourceAccount", facts.account_id.clone())
        .insert("aws:SourceArn", facts.cluster_arn.clone())
        .insert("aws:RequestTag/eks-cluster-arn", facts.cluster_arn.clone())
        .insert("aws:RequestTag/eks-cluster-name", facts.cluster_name());
    for k in ["eks-cluster-arn", "eks-cluster-name"] {
        c.insert("aws:TagKeys", k);
    }
    if let Some((ns, name)) = sa {
        c.insert("aws:RequestTag/kubernetes-namespace", ns)
            .insert("aws:RequestTag/kubernetes-service-account", name);
        for k in ["kubernetes-namespace", "kubernetes-service-account"] {
            c.insert("aws:TagKeys", k);
        }
    }
    Evaluator::new([trust]).evaluate(&req).decision
}
