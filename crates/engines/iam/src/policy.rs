//! Policy documents: parsing the IAM JSON grammar into a compiled form.

use serde_json::{Map, Value};

use crate::condition::Condition;
use crate::error::PolicyError;
use crate::pattern::Glob;

/// A parsed IAM policy document (identity, boundary or trust policy).
#[derive(Debug, Clone)]
pub struct Policy {
    /// `Version`; `2012-10-17` enables policy variables.
    pub version: Option<String>,
    /// `Id`, if any.
    pub id: Option<String>,
    /// Statements in document order; `Statement` given as a single object
    /// becomes a one-element list.
    pub statements: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// One statement of a policy.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Position in the `Statement` list (0 for a single object).
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    /// `Action` or `NotAction`; `None` when neither is present (trust
    /// documents sometimes omit it; such a statement matches no action).
    pub actions: Option<Matcher>,
    /// `Resource` or `NotResource`; `None` when absent (trust policies),
    /// which matches every resource.
    pub resources: Option<Matcher>,
    /// `Principal` or `NotPrincipal`; `None` in identity policies.
    pub principals: Option<PrincipalMatcher>,
    /// Every condition must hold (AND across operators and keys).
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// True when `Resource`/`NotResource` or a condition value uses a policy
    /// variable such as `${aws:username}` (only meaningful, and only
    /// substituted, in `Version: 2012-10-17` documents).
    pub fn uses_policy_variables(&self) -> bool {
        self.resources
            .as_ref()
            .is_some_and(|r| r.globs.iter().any(|g| g.has_vars()))
            || self.conditions.iter().any(|c| c.has_variables)
    }
}

/// A list of wildcard patterns from `Action`/`NotAction` or
/// `Resource`/`NotResource`.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// True for the `Not…` form: the element matches what none of the
    /// patterns match.
    pub negated: bool,
    /// The patterns as written.
    pub patterns: Vec<String>,
    pub(crate) globs: Vec<Glob>,
}

impl Matcher {
    fn new(negated: bool, patterns: Vec<String>, lowercase: bool, vars: bool) -> Matcher {
        let globs = patterns
            .iter()
            .map(|p| Glob::new(p, lowercase, vars))
            .collect();
        Matcher {
            negated,
            patterns,
            globs,
        }
    }

    /// True when the positive form contains `*` alone (matches everything).
    pub fn is_everything(&self) -> bool {
        !self.negated && self.globs.iter().any(Glob::is_any)
    }
}

/// The kinds of principal a `Principal` element can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum PrincipalKind {
    Aws,
    Federated,
    Service,
    CanonicalUser,
}

impl PrincipalKind {
    fn from_key(k: &str) -> Option<PrincipalKind> {
        match k {
            "AWS" => Some(PrincipalKind::Aws),
            "Federated" => Some(PrincipalKind::Federated),
            "Service" => Some(PrincipalKind::Service),
            "CanonicalUser" => Some(PrincipalKind::CanonicalUser),
            _ => None,
        }
    }
}

/// A `Principal`/`NotPrincipal` element.
#[derive(Debug, Clone)]
pub struct PrincipalMatcher {
    pub negated: bool,
    /// `"Principal": "*"` (everyone, including anonymous).
    pub any: bool,
    /// `(kind, value)` pairs as written.
    pub entries: Vec<(PrincipalKind, String)>,
}

impl Policy {
    /// Parses a policy from text. Accepts plain JSON and the URL-encoded form
    /// that real IAM returns (`%7B%22Version%22...`).
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let trimmed = text.trim_start();
        let decoded;
        let json = if trimmed.starts_with('%') {
            decoded = percent_decode(trimmed)?;
            decoded.as_str()
        } else {
            trimmed
        };
        let value: Value = serde_json::from_str(json).map_err(PolicyError::Json)?;
        Policy::from_value(&value)
    }

    /// Parses an already-decoded JSON document. A JSON string is treated as
    /// the (possibly URL-encoded) document text, as the AWS SDK hands it out.
    pub fn from_value(value: &Value) -> Result<Policy, PolicyError> {
        let obj = match value {
            Value::Object(o) => o,
            Value::String(s) => return Policy::parse(s),
            _ => {
                return Err(PolicyError::Document {
                    field: "(root)".into(),
                    message: "policy document must be a JSON object".into(),
                });
            }
        };
        let version = opt_string(obj, "Version")?;
        let id = opt_string(obj, "Id")?;
        let vars = version.as_deref() == Some("2012-10-17");
        let statements = match obj.get("Statement") {
            None => {
                return Err(PolicyError::Document {
                    field: "Statement".into(),
                    message: "missing".into(),
                });
            }
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| parse_statement(i, s, vars))
                .collect::<Result<Vec<_>, _>>()?,
            Some(s @ Value::Object(_)) => vec![parse_statement(0, s, vars)?],
            Some(_) => {
                return Err(PolicyError::Document {
                    field: "Statement".into(),
                    message: "must be an object or a list of objects".into(),
                });
            }
        };
        Ok(Policy {
            version,
            id,
            statements,
        })
    }
}

fn opt_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, PolicyError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(PolicyError::Document {
            field: key.into(),
            message: "must be a string".into(),
        }),
    }
}

fn serr(index: usize, field: &str, message: impl Into<String>) -> PolicyError {
    PolicyError::Statement {
        index,
        field: field.to_string(),
        message: message.into(),
    }
}

/// A string or a list of strings (the shape of Action, Resource, principal
/// values and condition values).
fn string_list(index: usize, field: &str, v: &Value) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                _ => Err(serr(index, &format!("{field}[{i}]"), "must be a string")),
            })
            .collect(),
        _ => Err(serr(index, field, "must be a string or a list of strings")),
    }
}

fn parse_statement(index: usize, v: &Value, vars: bool) -> Result<Statement, PolicyError> {
    let obj = v
        .as_object()
        .ok_or_else(|| serr(index, "(statement)", "must be a JSON object"))?;
    let sid = match obj.get("Sid") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(serr(index, "Sid", "must be a string")),
    };
    let effect = match obj.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => {
            return Err(serr(
                index,
                "Effect",
                format!("`{s}` is not `Allow` or `Deny` (values are case-sensitive)"),
            ));
        }
        Some(_) => return Err(serr(index, "Effect", "must be a string")),
        None => return Err(serr(index, "Effect", "missing")),
    };
    let actions = pair(index, obj, "Action", "NotAction")?
        .map(|(neg, pats)| Matcher::new(neg, pats, true, false));
    let resources = pair(index, obj, "Resource", "NotResource")?
        .map(|(neg, pats)| Matcher::new(neg, pats, false, vars));
    let principals = parse_principal(index, obj)?;
    let conditions = match obj.get("Condition") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(ops)) => crate::condition::parse_block(index, ops, vars)?,
        Some(_) => return Err(serr(index, "Condition", "must be a JSON object")),
    };
    Ok(Statement {
        index,
        sid,
        effect,
        actions,
        resources,
        principals,
        conditions,
    })
}

fn pair(
    index: usize,
    obj: &Map<String, Value>,
    pos: &str,
    neg: &str,
) -> Result<Option<(bool, Vec<String>)>, PolicyError> {
    match (obj.get(pos), obj.get(neg)) {
        (Some(_), Some(_)) => Err(serr(
            index,
            pos,
            format!("`{pos}` and `{neg}` cannot both be present"),
        )),
        (Some(v), None) => Ok(Some((false, string_list(index, pos, v)?))),
        (None, Some(v)) => Ok(Some((true, string_list(index, neg, v)?))),
        (None, None) => Ok(None),
    }
}

fn parse_principal(
    index: usize,
    obj: &Map<String, Value>,
) -> Result<Option<PrincipalMatcher>, PolicyError> {
    let (negated, field, v) = match (obj.get("Principal"), obj.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(serr(
                index,
                "Principal",
                "`Principal` and `NotPrincipal` cannot both be present",
            ));
        }
        (Some(v), None) => (false, "Principal", v),
        (None, Some(v)) => (true, "NotPrincipal", v),
        (None, None) => return Ok(None),
    };
    match v {
        Value::String(s) if s == "*" => Ok(Some(PrincipalMatcher {
            negated,
            any: true,
            entries: Vec::new(),
        })),
        Value::String(s) => Err(serr(
            index,
            field,
            format!("string form must be \"*\", got `{s}`"),
        )),
        Value::Object(map) => {
            let mut entries = Vec::new();
            for (k, vals) in map {
                let kind = PrincipalKind::from_key(k).ok_or_else(|| {
                    serr(
                        index,
                        &format!("{field}.{k}"),
                        "unknown principal type (expected AWS, Federated, Service or CanonicalUser)",
                    )
                })?;
                for s in string_list(index, &format!("{field}.{k}"), vals)? {
                    entries.push((kind, s));
                }
            }
            Ok(Some(PrincipalMatcher {
                negated,
                any: false,
                entries,
            }))
        }
        _ => Err(serr(index, field, "must be \"*\" or an object")),
    }
}

/// Decodes `%XX` escapes (and `+` as space, as in form encoding; IAM's
/// encoder never emits a literal `+` unescaped).
fn percent_decode(s: &str) -> Result<String, PolicyError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3).and_then(|h| {
                    let h = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(h, 16).ok()
                });
                match hex {
                    Some(byte) => out.push(byte),
                    None => return Err(PolicyError::PercentEncoding { offset: i }),
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| PolicyError::PercentEncoding {
        offset: e.utf8_error().valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_document() {
        let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22%2A%22%7D%7D";
        let p = Policy::parse(enc).expect("parses");
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].effect, Effect::Allow);
        assert_eq!(
            p.statements[0].actions.as_ref().map(|a| a.patterns.clone()),
            Some(vec!["s3:GetObject".to_string()])
        );
    }

    #[test]
    fn errors_name_statement_and_field() {
        let e =
            Policy::parse(r#"{"Statement":[{"Effect":"Allow","Action":"*"},{"Effect":"allow"}]}"#)
                .expect_err("bad effect");
        let msg = e.to_string();
        assert!(msg.contains("Statement[1].Effect"), "{msg}");
        let e = Policy::parse(r#"{"Statement":{"Effect":"Allow","Action":["s3:x",3]}}"#)
            .expect_err("bad action");
        assert!(e.to_string().contains("Statement[0].Action[1]"), "{e}");
        let e = Policy::parse("%7B%2").expect_err("bad escape");
        assert!(
            matches!(e, PolicyError::PercentEncoding { offset: 3 }),
            "{e:?}"
        );
        assert!(Policy::parse("[]").is_err());
        assert!(
            Policy::parse(r#"{"Statement":{"Effect":"Allow","Action":"a","NotAction":"b"}}"#)
                .is_err()
        );
    }

    #[test]
    fn policy_variables_are_detected() {
        let p = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"},
                {"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:userid}"}}},
                {"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${*}"}]}"#,
        )
        .expect("parses");
        let flags: Vec<bool> = p
            .statements
            .iter()
            .map(Statement::uses_policy_variables)
            .collect();
        assert_eq!(flags, vec![true, true, false]);
        let old = Policy::parse(
            r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}}"#,
        )
        .expect("parses");
        assert!(!old.statements[0].uses_policy_variables());
    }

    #[test]
    fn principal_forms() {
        let p = Policy::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
                {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","444455556666"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .expect("parses");
        assert!(p.statements[0].principals.as_ref().is_some_and(|p| p.any));
        let e = &p.statements[1]
            .principals
            .as_ref()
            .expect("principal")
            .entries;
        assert_eq!(e.len(), 3);
    }
}
