//! Kubernetes objects as read from manifests, dumps or a live API.

use crate::path::{JsonPath, Pos, Spans};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

/// Where an object came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// File path as given by the user, `-` for stdin, or a pseudo-name such as
    /// `kustomize:DIR` or `live:https://…`.
    pub file: Arc<str>,
    /// 0-based index of the YAML document in the file.
    pub document: u32,
    /// Index in the `items` of a `List` the object was flattened from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    /// Position of the object's first node.
    pub line: u32,
    pub column: u32,
}

/// Identity of an object, as findings and reports name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// For AWS resources: the ARN (then `kind` is e.g. `AWS::EKS::Cluster`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
}

impl ObjectRef {
    /// `ns/name[Kind]`, the short form used in tables and netpol output.
    pub fn short(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}[{}]", self.name, self.kind),
            None => format!("{}[{}]", self.name, self.kind),
        }
    }
}

/// One Kubernetes object: the raw document (so a control can point at any
/// field, including ones typed structs would drop) and its source.
#[derive(Debug, Clone)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub raw: Value,
    /// Positions of every node of `raw`; `None` for objects from a live API.
    pub spans: Option<Spans>,
    pub source: Source,
}

impl Object {
    /// Builds an object from a raw document, or says why it is not one.
    pub fn from_value(raw: Value, spans: Option<Spans>, source: Source) -> Result<Object, String> {
        let obj = raw
            .as_object()
            .ok_or_else(|| format!("document is a {}, not a Kubernetes object", type_name(&raw)))?;
        let api_version = obj.get("apiVersion").and_then(Value::as_str);
        let kind = obj.get("kind").and_then(Value::as_str);
        let (api_version, kind) = match (api_version, kind) {
            (Some(a), Some(k)) if !a.is_empty() && !k.is_empty() => (a.to_owned(), k.to_owned()),
            (None, None) => return Err("document has no apiVersion and no kind".into()),
            (None, _) => return Err("document has no apiVersion".into()),
            (_, None) => return Err("document has no kind".into()),
            _ => return Err("apiVersion and kind must be non-empty strings".into()),
        };
        let meta = obj.get("metadata");
        let name = meta
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .or_else(|| {
                meta.and_then(|m| m.get("generateName"))
                    .and_then(Value::as_str)
            })
            .map(str::to_owned)
            .ok_or_else(|| format!("{kind} has no metadata.name"))?;
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Ok(Object {
            api_version,
            kind,
            namespace,
            name,
            raw,
            spans,
            source,
        })
    }

    /// Drops everything but `apiVersion`, `kind` and `metadata` (and the
    /// spans, which no longer match). The scan does this, once object
    /// controls have run, for kinds no inventory control reads: CRDs and
    /// ConfigMap/Secret payloads are most of a cluster dump's bytes, and
    /// secret values should not stay in memory longer than needed. The
    /// `last-applied-configuration` annotation goes too: kubectl fills it
    /// with a copy of the whole object, payload included.
    pub fn shrink(&mut self) {
        let mut keep = serde_json::Map::new();
        if let Value::Object(m) = &mut self.raw {
            for key in ["apiVersion", "kind", "metadata"] {
                if let Some(v) = m.remove(key) {
                    keep.insert(key.to_owned(), v);
                }
            }
        }
        if let Some(Value::Object(ann)) = keep
            .get_mut("metadata")
            .and_then(|m| m.get_mut("annotations"))
        {
            ann.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
        self.raw = Value::Object(keep);
        self.spans = None;
    }

    pub fn obj_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            arn: None,
        }
    }

    /// API group without version (`""` for the core group).
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && self.group() == group
    }

    pub fn get(&self, path: &JsonPath) -> Option<&Value> {
        path.lookup(&self.raw)
    }

    /// Position of `path` (or its deepest existing ancestor) in the source.
    pub fn locate(&self, path: &JsonPath) -> Pos {
        self.spans
            .as_ref()
            .and_then(|s| s.locate(&self.raw, path))
            .unwrap_or(Pos {
                line: self.source.line,
                column: self.source.column,
            })
    }

    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        string_map(self.raw.get("metadata").and_then(|m| m.get("labels")))
    }

    pub fn annotations(&self) -> impl Iterator<Item = (&str, &str)> {
        string_map(self.raw.get("metadata").and_then(|m| m.get("annotations")))
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.raw
            .get("metadata")?
            .get("annotations")?
            .get(key)?
            .as_str()
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.raw.get("metadata")?.get("labels")?.get(key)?.as_str()
    }
}

/// Iterates a `map[string]string` field, skipping non-string values.
pub fn string_map(v: Option<&Value>) -> impl Iterator<Item = (&str, &str)> {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)))
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "sequence",
        Value::Object(_) => "mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_keeps_metadata_but_no_copy_of_the_payload() {
        let source = Source {
            file: Arc::from("s.yaml"),
            document: 0,
            item: None,
            line: 1,
            column: 1,
        };
        let raw = serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "annotations": {"team": "a",
                "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"k\":\"c2VjcmV0\"}}"}},
            "data": {"k": "c2VjcmV0"}});
        let mut obj = Object::from_value(raw, None, source).unwrap();
        obj.shrink();
        assert_eq!(
            obj.raw,
            serde_json::json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "s", "annotations": {"team": "a"}}})
        );
    }
}
