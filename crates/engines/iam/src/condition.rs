//! The `Condition` block: operators, set qualifiers, `IfExists`, and their
//! evaluation against a request context.
//!
//! Semantics follow the IAM User Guide pages "IAM JSON policy elements:
//! Condition operators" and "Condition with multiple context keys or
//! values":
//! - several operators, and several keys under one operator, are ANDed;
//! - several values for one key are ORed (for negated operators: the request
//!   value must match none of them);
//! - a key absent from the request makes a positive operator false and a
//!   negated operator (`StringNotEquals`, `ArnNotLike`, …) true, except for
//!   `…IfExists` (true when absent) and `Null` (tests presence);
//! - `ForAllValues:` is true when every request value satisfies the operator,
//!   and also when the key is absent or empty; `ForAnyValue:` needs at least
//!   one request value and is false when the key is absent.

use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::error::PolicyError;
use crate::eval::Context;
use crate::pattern::Glob;

/// The base comparison of a condition operator, without qualifier/IfExists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl Operator {
    fn from_name(s: &str) -> Option<Operator> {
        use Operator::*;
        Some(match s {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "BinaryEquals" => BinaryEquals,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            "ArnEquals" => ArnEquals,
            "ArnLike" => ArnLike,
            "ArnNotEquals" => ArnNotEquals,
            "ArnNotLike" => ArnNotLike,
            "Null" => Null,
            _ => return None,
        })
    }

    /// Negated operators succeed when the request value matches none of the
    /// policy values; they are evaluated as "not (positive form)".
    pub fn is_negated(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// The positive operator whose negation this is (identity otherwise).
    fn positive(self) -> Operator {
        use Operator::*;
        match self {
            StringNotEquals => StringEquals,
            StringNotEqualsIgnoreCase => StringEqualsIgnoreCase,
            StringNotLike => StringLike,
            NumericNotEquals => NumericEquals,
            DateNotEquals => DateEquals,
            NotIpAddress => IpAddress,
            ArnNotEquals => ArnEquals,
            ArnNotLike => ArnLike,
            other => other,
        }
    }

    /// Operators whose values may contain `*`/`?` wildcards.
    pub fn uses_wildcards(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringLike | StringNotLike | ArnEquals | ArnLike | ArnNotEquals | ArnNotLike
        )
    }
}

/// `ForAnyValue:` / `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// One `operator: { key: values }` entry of a `Condition` block.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The operator as written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator_name: String,
    pub operator: Operator,
    pub qualifier: Option<SetQualifier>,
    pub if_exists: bool,
    /// The context key as written (keys are matched case-insensitively).
    pub key: String,
    pub(crate) key_lower: String,
    /// The values as written (numbers and booleans turned into text).
    pub values: Vec<String>,
    /// Compiled values for wildcard operators (per ARN segment for `Arn*`).
    globs: Vec<Vec<Glob>>,
    /// True when a value contains a policy variable (`${…}`).
    pub has_variables: bool,
}

pub(crate) fn parse_block(
    index: usize,
    ops: &Map<String, Value>,
    vars: bool,
) -> Result<Vec<Condition>, PolicyError> {
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let field = format!("Condition.{op_name}");
        let err = |m: String| PolicyError::Statement {
            index,
            field: field.clone(),
            message: m,
        };
        let (qualifier, rest) = if let Some(r) = op_name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = op_name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, op_name.as_str())
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let operator = Operator::from_name(base)
            .ok_or_else(|| err(format!("unknown condition operator `{op_name}`")))?;
        if operator == Operator::Null && if_exists {
            return Err(err("`Null` cannot take the `IfExists` suffix".into()));
        }
        let keys = keys
            .as_object()
            .ok_or_else(|| err("must map condition keys to values".into()))?;
        for (key, vals) in keys {
            let values = condition_values(vals).ok_or_else(|| {
                err(format!(
                    "values of `{key}` must be strings, numbers or booleans"
                ))
            })?;
            let has_variables = vars && values.iter().any(|v| v.contains("${"));
            let string_op = matches!(
                operator.positive(),
                Operator::StringEquals | Operator::StringEqualsIgnoreCase
            );
            let globs = if operator.uses_wildcards() || (has_variables && string_op) {
                values
                    .iter()
                    .map(|v| compile_value(operator.positive(), v, vars))
                    .collect()
            } else {
                Vec::new()
            };
            out.push(Condition {
                operator_name: op_name.clone(),
                operator,
                qualifier,
                if_exists,
                key: key.clone(),
                key_lower: key.to_ascii_lowercase(),
                values,
                globs,
                has_variables,
            });
        }
    }
    Ok(out)
}

fn compile_value(op: Operator, v: &str, vars: bool) -> Vec<Glob> {
    match op {
        Operator::ArnEquals | Operator::ArnLike => v
            .splitn(6, ':')
            .map(|seg| Glob::new(seg, false, vars))
            .collect(),
        Operator::StringLike => vec![Glob::new(v, false, vars)],
        // Exact operators only need variable substitution; escape wildcard
        // characters so the glob compares literally.
        _ => {
            let escaped = v.replace('*', "${*}").replace('?', "${?}");
            let fold = op == Operator::StringEqualsIgnoreCase;
            vec![Glob::new(&escaped, fold, true)]
        }
    }
}

fn condition_values(v: &Value) -> Option<Vec<String>> {
    fn one(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        other => one(other).map(|s| vec![s]),
    }
}

impl Condition {
    /// Evaluates this key/operator pair against the request context.
    pub fn evaluate(&self, ctx: &Context) -> bool {
        let req = ctx.get(&self.key_lower).filter(|v| !v.is_empty());
        if self.operator == Operator::Null {
            let present = req.is_some();
            return self
                .values
                .iter()
                .any(|v| v.eq_ignore_ascii_case("true") != present);
        }
        let Some(req) = req else {
            if self.if_exists {
                return true;
            }
            return match self.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => self.operator.is_negated(),
            };
        };
        let negated = self.operator.is_negated();
        let sat = |rv: &str| self.matches_any(rv, ctx) != negated;
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => req.iter().all(|rv| sat(rv)),
            Some(SetQualifier::ForAnyValue) => req.iter().any(|rv| sat(rv)),
            // A single-valued operator over several request values: a positive
            // operator needs one match, a negated one needs no value to match.
            None if negated => req.iter().all(|rv| sat(rv)),
            None => req.iter().any(|rv| sat(rv)),
        }
    }

    /// Does the request value match at least one policy value under the
    /// positive form of the operator?
    fn matches_any(&self, rv: &str, ctx: &Context) -> bool {
        use Operator::*;
        let op = self.operator.positive();
        if !self.globs.is_empty() {
            return self.globs.iter().any(|g| match op {
                ArnEquals | ArnLike => arn_match(g, rv, ctx),
                StringEqualsIgnoreCase => g
                    .first()
                    .is_some_and(|g| g.matches_with(&rv.to_lowercase(), ctx, true)),
                _ => g.first().is_some_and(|g| g.matches_with(rv, ctx, false)),
            });
        }
        self.values.iter().any(|pv| match op {
            StringEquals => pv == rv,
            StringEqualsIgnoreCase => pv.to_lowercase() == rv.to_lowercase(),
            NumericEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => {
                match (pv.trim().parse::<f64>(), rv.trim().parse::<f64>()) {
                    (Ok(p), Ok(r)) => compare(op, r.partial_cmp(&p)),
                    _ => false,
                }
            }
            DateEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => match (parse_date(pv), parse_date(rv)) {
                (Some(p), Some(r)) => compare(op, r.partial_cmp(&p)),
                _ => false,
            },
            Bool => pv.eq_ignore_ascii_case(rv),
            BinaryEquals => pv == rv,
            IpAddress => ip_match(pv, rv),
            _ => false,
        })
    }
}

fn compare(op: Operator, ord: Option<std::cmp::Ordering>) -> bool {
    use Operator::*;
    use std::cmp::Ordering::*;
    let Some(o) = ord else { return false };
    match op {
        NumericEquals | DateEquals => o == Equal,
        NumericLessThan | DateLessThan => o == Less,
        NumericLessThanEquals | DateLessThanEquals => o != Greater,
        NumericGreaterThan | DateGreaterThan => o == Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => o != Less,
        _ => false,
    }
}

/// ARN comparison: each of the six colon-separated parts is matched on its
/// own, wildcards allowed, case-sensitive ("ArnEquals/ArnLike" in the
/// condition-operator reference).
fn arn_match(segs: &[Glob], rv: &str, ctx: &Context) -> bool {
    let parts: Vec<&str> = rv.splitn(6, ':').collect();
    parts.len() == 6
        && segs.len() == 6
        && segs
            .iter()
            .zip(parts)
            .all(|(g, p)| g.matches_with(p, ctx, false))
}

fn ip_match(policy: &str, request: &str) -> bool {
    let Ok(addr) = request.trim().parse::<IpAddr>() else {
        return false;
    };
    let policy = policy.trim();
    if let Ok(net) = policy.parse::<ipnet::IpNet>() {
        return net.contains(&addr);
    }
    policy.parse::<IpAddr>().is_ok_and(|p| p == addr)
}

/// Dates as IAM accepts them: epoch seconds or ISO 8601
/// (`2020-01-01`, `2020-01-01T00:00:00Z`, with optional fraction/offset).
/// Returns seconds since the epoch.
pub(crate) fn parse_date(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Some(n);
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) as f64 * 86_400.0;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(secs);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let rb = rest.as_bytes();
    if rb.len() < 5 || rb[2] != b':' {
        return None;
    }
    let h: i64 = rest.get(0..2)?.parse().ok()?;
    let mi: i64 = rest.get(3..5)?.parse().ok()?;
    let mut i = 5;
    let mut sec = 0.0;
    if rb.get(5) == Some(&b':') {
        let end = rest[6..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .map_or(rest.len(), |e| e + 6);
        sec = rest.get(6..end)?.parse().ok()?;
        i = end;
    }
    secs += (h * 3600 + mi * 60) as f64 + sec;
    let tz = &rest[i..];
    match tz {
        "" | "Z" | "z" => Some(secs),
        _ => {
            let sign = match tz.as_bytes()[0] {
                b'+' => -1.0,
                b'-' => 1.0,
                _ => return None,
            };
            let t = tz[1..].replace(':', "");
            if t.len() != 4 || !t.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let oh: f64 = t[0..2].parse().ok()?;
            let om: f64 = t[2..4].parse().ok()?;
            Some(secs + sign * (oh * 3600.0 + om * 60.0))
        }
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0.0));
        assert_eq!(parse_date("1970-01-02T00:00:00Z"), Some(86_400.0));
        assert_eq!(parse_date("2000-03-01T00:00:00Z"), Some(951_868_800.0));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(parse_date("1700000000"), Some(1_700_000_000.0));
        assert_eq!(parse_date("not a date"), None);
        assert_eq!(parse_date("2020-13-01"), None);
    }
}
