//! Request evaluation with AWS's rules (IAM User Guide, "Policy evaluation
//! logic" and "Determining whether a request is allowed or denied within an
//! account"): an explicit Deny in any applicable policy wins; otherwise the
//! request needs an Allow from the identity policies *and*, when a
//! permissions boundary is set, from the boundary; anything else is an
//! implicit deny.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::policy::{Effect, Policy, PrincipalKind, PrincipalMatcher, Statement};

/// Request context: condition keys (case-insensitive) to one or more values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    map: BTreeMap<String, Vec<String>>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// Adds one value to `key` (multi-valued keys such as `aws:TagKeys` get
    /// one call per value).
    pub fn insert(&mut self, key: &str, value: impl Into<String>) -> &mut Context {
        self.map
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.into());
        self
    }

    /// Declares `key` present with an empty set of values (e.g. a request
    /// without tags for `aws:TagKeys`); conditions treat it like absent.
    pub fn insert_empty(&mut self, key: &str) -> &mut Context {
        self.map.entry(key.to_ascii_lowercase()).or_default();
        self
    }

    /// The values of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        match self.map.get(key) {
            Some(v) => Some(v.as_slice()),
            None if key.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.map.get(&key.to_ascii_lowercase()).map(Vec::as_slice)
            }
            None => None,
        }
    }
}

/// Who makes a request, as resource-based (e.g. trust) policies see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// An ARN (`arn:aws:iam::111122223333:role/x`), an account ID, a service
    /// name (`pods.eks.amazonaws.com`) or a federated provider ARN.
    pub id: String,
}

impl Principal {
    pub fn aws(id: impl Into<String>) -> Principal {
        Principal {
            kind: PrincipalKind::Aws,
            id: id.into(),
        }
    }
    pub fn service(id: impl Into<String>) -> Principal {
        Principal {
            kind: PrincipalKind::Service,
            id: id.into(),
        }
    }
    pub fn federated(id: impl Into<String>) -> Principal {
        Principal {
            kind: PrincipalKind::Federated,
            id: id.into(),
        }
    }
}

/// One request to authorize.
#[derive(Debug, Clone)]
pub struct Request {
    /// Checked only against statements that carry `Principal`/`NotPrincipal`.
    pub principal: Option<Principal>,
    /// `service:Action`; matched case-insensitively.
    pub action: String,
    /// Resource ARN (or `*`); matched case-sensitively.
    pub resource: String,
    pub context: Context,
}

impl Request {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Request {
        Request {
            principal: None,
            action: action.into(),
            resource: resource.into(),
            context: Context::new(),
        }
    }
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// Which input policy a matched statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicySource {
    /// Index into the identity policies given to the [`Evaluator`].
    Identity(usize),
    Boundary,
}

/// A statement that applied to the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedStatement {
    pub source: PolicySource,
    /// Index of the statement in its policy's `Statement` list.
    pub statement: usize,
    pub sid: Option<String>,
    pub effect: Effect,
}

/// Decision plus the statements that explain it: the denying statements for
/// `ExplicitDeny`, the allowing ones for `Allow`, and for `ImplicitDeny` the
/// identity allows that the boundary did not confirm (empty when nothing
/// allowed at all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub statements: Vec<MatchedStatement>,
}

/// Evaluates requests against identity policies and an optional
/// permissions boundary.
#[derive(Debug, Clone, Default)]
pub struct Evaluator<'a> {
    identity: Vec<&'a Policy>,
    boundary: Option<&'a Policy>,
}

impl<'a> Evaluator<'a> {
    pub fn new(policies: impl IntoIterator<Item = &'a Policy>) -> Evaluator<'a> {
        Evaluator {
            identity: policies.into_iter().collect(),
            boundary: None,
        }
    }

    /// Sets a permissions boundary: it never grants, it only caps.
    pub fn with_boundary(mut self, boundary: &'a Policy) -> Evaluator<'a> {
        self.boundary = Some(boundary);
        self
    }

    pub fn evaluate(&self, req: &Request) -> Evaluation {
        let action = req.action.to_ascii_lowercase();
        let mut denies = Vec::new();
        let mut allows = Vec::new();
        for (i, p) in self.identity.iter().enumerate() {
            collect(
                p,
                PolicySource::Identity(i),
                req,
                &action,
                &mut denies,
                &mut allows,
            );
        }
        let mut b_allows = Vec::new();
        if let Some(b) = self.boundary {
            collect(
                b,
                PolicySource::Boundary,
                req,
                &action,
                &mut denies,
                &mut b_allows,
            );
        }
        if !denies.is_empty() {
            return Evaluation {
                decision: Decision::ExplicitDeny,
                statements: denies,
            };
        }
        let boundary_ok = self.boundary.is_none() || !b_allows.is_empty();
        if !allows.is_empty() && boundary_ok {
            allows.extend(b_allows);
            return Evaluation {
                decision: Decision::Allow,
                statements: allows,
            };
        }
        Evaluation {
            decision: Decision::ImplicitDeny,
            statements: allows,
        }
    }
}

/// Convenience: evaluate `req` against `policies` with no boundary.
pub fn evaluate(policies: &[&Policy], req: &Request) -> Evaluation {
    Evaluator::new(policies.iter().copied()).evaluate(req)
}

fn collect(
    p: &Policy,
    source: PolicySource,
    req: &Request,
    action_lc: &str,
    denies: &mut Vec<MatchedStatement>,
    allows: &mut Vec<MatchedStatement>,
) {
    for st in &p.statements {
        if statement_applies(st, req, action_lc) {
            let m = MatchedStatement {
                source,
                statement: st.index,
                sid: st.sid.clone(),
                effect: st.effect,
            };
            match st.effect {
                Effect::Deny => denies.push(m),
                Effect::Allow => allows.push(m),
            }
        }
    }
}

/// Does `st` apply to the request (action, resource, principal and every
/// condition)? `action_lc` is the lowercased action.
pub(crate) fn statement_applies(st: &Statement, req: &Request, action_lc: &str) -> bool {
    let Some(actions) = &st.actions else {
        return false;
    };
    if actions.negated == actions.globs.iter().any(|g| g.matches(action_lc)) {
        return false;
    }
    if let Some(res) = &st.resources {
        let hit = res
            .globs
            .iter()
            .any(|g| g.matches_with(&req.resource, &req.context, false));
        if res.negated == hit {
            return false;
        }
    }
    if let Some(pm) = &st.principals
        && !principal_matches(pm, req.principal.as_ref())
    {
        return false;
    }
    st.conditions.iter().all(|c| c.evaluate(&req.context))
}

fn principal_matches(pm: &PrincipalMatcher, who: Option<&Principal>) -> bool {
    let hit = if pm.any {
        true
    } else {
        match who {
            None => false,
            Some(who) => pm.entries.iter().any(|(kind, value)| {
                *kind == who.kind && principal_value_matches(*kind, value, &who.id)
            }),
        }
    };
    hit != pm.negated
}

/// Principal values are exact (no wildcards except a lone `*`). An account
/// (`111122223333` or `arn:aws:iam::111122223333:root`) covers every
/// principal of that account; service names compare case-insensitively.
fn principal_value_matches(kind: PrincipalKind, value: &str, id: &str) -> bool {
    if value == "*" || value == id {
        return true;
    }
    match kind {
        PrincipalKind::Service => value.eq_ignore_ascii_case(id),
        PrincipalKind::Aws => match (policy_account(value), account_of(id)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
        _ => false,
    }
}

/// The account named by a whole-account principal value.
fn policy_account(v: &str) -> Option<&str> {
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(v);
    }
    let rest = v.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (service == "iam" && resource == "root").then_some(account)
}

/// The account a principal ID belongs to.
fn account_of(id: &str) -> Option<&str> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        return Some(id);
    }
    id.strip_prefix("arn:")?.split(':').nth(3)
}
