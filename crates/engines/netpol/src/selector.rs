//! Label selectors (`matchLabels` + `matchExpressions`), compiled once.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

/// Labels of a pod or namespace.
pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Req {
    Eq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
    /// An operator the API would reject; matches nothing so a bad policy never widens access.
    Never,
}

/// A compiled label selector. The empty selector matches every object
/// (API reference, `LabelSelector`: "An empty label selector matches all objects").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    reqs: Vec<Req>,
}

impl Selector {
    /// A selector matching everything.
    pub fn everything() -> Selector {
        Selector::default()
    }

    /// Compiles a Kubernetes `LabelSelector`. Returns the selector and, if an operator is
    /// unknown, its name (the selector then matches nothing).
    pub fn compile(sel: &LabelSelector) -> (Selector, Option<String>) {
        let mut reqs = Vec::new();
        let mut bad = None;
        if let Some(ml) = &sel.match_labels {
            for (k, v) in ml {
                reqs.push(Req::Eq(k.clone(), v.clone()));
            }
        }
        for e in sel.match_expressions.iter().flatten() {
            let values = e.values.clone().unwrap_or_default();
            reqs.push(match e.operator.as_str() {
                "In" => Req::In(e.key.clone(), values),
                "NotIn" => Req::NotIn(e.key.clone(), values),
                "Exists" => Req::Exists(e.key.clone()),
                "DoesNotExist" => Req::DoesNotExist(e.key.clone()),
                other => {
                    bad = Some(other.to_string());
                    Req::Never
                }
            });
        }
        (Selector { reqs }, bad)
    }

    /// True if the selector has no requirements (matches everything).
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Label-selector semantics: all requirements must hold. `NotIn` and `DoesNotExist`
    /// hold for objects without the key.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.reqs.iter().all(|r| match r {
            Req::Eq(k, v) => labels.get(k) == Some(v),
            Req::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Req::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Req::Exists(k) => labels.contains_key(k),
            Req::DoesNotExist(k) => !labels.contains_key(k),
            Req::Never => false,
        })
    }

    /// Label keys that must be present for a match (`matchLabels`, `In`, `Exists`).
    /// Used to find selectors naming a label that no object carries.
    pub fn required_keys(&self) -> impl Iterator<Item = &str> {
        self.reqs.iter().filter_map(|r| match r {
            Req::Eq(k, _) | Req::In(k, _) | Req::Exists(k) => Some(k.as_str()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(kv: &[(&str, &str)]) -> Labels {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expr(key: &str, op: &str, values: &[&str]) -> Selector {
        let sel = LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: key.into(),
                operator: op.into(),
                values: Some(values.iter().map(|s| s.to_string()).collect()),
            }]),
            match_labels: None,
        };
        Selector::compile(&sel).0
    }

    #[test]
    fn operators() {
        let l = labels(&[("app", "web"), ("tier", "fe")]);
        assert!(expr("app", "In", &["web", "db"]).matches(&l));
        assert!(!expr("app", "In", &["db"]).matches(&l));
        assert!(!expr("app", "NotIn", &["web"]).matches(&l));
        assert!(expr("missing", "NotIn", &["web"]).matches(&l));
        assert!(expr("tier", "Exists", &[]).matches(&l));
        assert!(!expr("tier", "DoesNotExist", &[]).matches(&l));
        assert!(expr("x", "DoesNotExist", &[]).matches(&l));
        assert!(!expr("app", "Bogus", &["web"]).matches(&l));
        assert!(Selector::everything().matches(&Labels::new()));
    }
}
