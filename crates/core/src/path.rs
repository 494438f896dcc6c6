//! JSON paths that point at a field of an object, and the source positions
//! of every node of a parsed document.

use serde::{Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// One step of a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// A path from an object's root to one of its fields, e.g.
/// `spec.template.spec.containers[0].securityContext.privileged`.
///
/// Keys that are not plain identifiers are quoted, so annotation keys stay
/// readable and unambiguous: `metadata.annotations["eks.amazonaws.com/role-arn"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(Vec<PathSeg>);

impl JsonPath {
    pub fn root() -> Self {
        JsonPath(Vec::new())
    }

    /// Builds a path from dotted keys, e.g. `JsonPath::keys(&["spec", "template"])`.
    pub fn keys(keys: &[&str]) -> Self {
        JsonPath(keys.iter().map(|k| PathSeg::Key((*k).to_owned())).collect())
    }

    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(PathSeg::Key(key.into()));
        self
    }

    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(PathSeg::Index(index));
        self
    }

    /// Appends every step of `other`.
    #[must_use]
    pub fn join(mut self, other: &JsonPath) -> Self {
        self.0.extend(other.0.iter().cloned());
        self
    }

    pub fn segments(&self) -> &[PathSeg] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at this path, if every step exists.
    pub fn lookup<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        let mut cur = root;
        for seg in &self.0 {
            cur = match (seg, cur) {
                (PathSeg::Key(k), Value::Object(m)) => m.get(k)?,
                (PathSeg::Index(i), Value::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        Some(cur)
    }
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !k.starts_with(|c: char| c.is_ascii_digit())
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                PathSeg::Key(k) => {
                    f.write_str("[")?;
                    // serde_json escapes quotes and control characters.
                    f.write_str(&serde_json::to_string(k).map_err(|_| fmt::Error)?)?;
                    f.write_str("]")?;
                }
                PathSeg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl Serialize for JsonPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// Source positions of every node of a document, in pre-order (a node, then
/// its children in document order: object entries in insertion order, which
/// `serde_json`'s `preserve_order` keeps).
///
/// Pre-order makes a subtree a contiguous slice, so the spans of a `List`
/// item are a sub-slice of the list's, and costs 8 bytes per node instead of
/// a parallel tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spans(Vec<Pos>);

impl Spans {
    pub fn new(pre_order: Vec<Pos>) -> Self {
        Spans(pre_order)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Position of the root node.
    pub fn root(&self) -> Option<Pos> {
        self.0.first().copied()
    }

    /// Position of the node at `path` in `value`, or of its deepest existing
    /// ancestor when the path goes past what the document has (a finding about
    /// a missing field points at the object that should have it).
    pub fn locate(&self, value: &Value, path: &JsonPath) -> Option<Pos> {
        let (idx, _, _) = walk(value, path);
        self.0.get(idx).copied()
    }

    /// Pre-order index of the node at `path`, if it exists.
    pub fn offset_of(value: &Value, path: &JsonPath) -> Option<usize> {
        let (idx, _, complete) = walk(value, path);
        complete.then_some(idx)
    }

    /// The spans of the subtree of `len` nodes starting at pre-order `offset`.
    pub fn slice(&self, offset: usize, len: usize) -> Option<Spans> {
        self.0.get(offset..offset + len).map(|s| Spans(s.to_vec()))
    }

    /// Forgets the positions of the subtree of `len` nodes at pre-order
    /// `offset`, for a value whose subtree there was removed.
    pub fn remove(&mut self, offset: usize, len: usize) {
        let end = (offset + len).min(self.0.len());
        if offset < end {
            self.0.drain(offset..end);
            self.0.shrink_to_fit();
        }
    }

    /// The spans of the subtree rooted at `path`.
    pub fn subtree(&self, value: &Value, path: &JsonPath) -> Option<Spans> {
        let (idx, node, complete) = walk(value, path);
        if !complete {
            return None;
        }
        self.slice(idx, node_count(node))
    }
}

/// Follows `path` from the root, counting pre-order offsets; stops at the
/// deepest node that exists. Returns (offset, node, whether all steps matched).
fn walk<'v>(value: &'v Value, path: &JsonPath) -> (usize, &'v Value, bool) {
    let mut idx = 0usize;
    let mut cur = value;
    for seg in path.segments() {
        let mut off = idx + 1;
        let found = match (seg, cur) {
            (PathSeg::Key(k), Value::Object(m)) => {
                let mut found = None;
                for (key, v) in m {
                    if key == k {
                        found = Some(v);
                        break;
                    }
                    off += node_count(v);
                }
                found
            }
            (PathSeg::Index(i), Value::Array(a)) => {
                let found = a.get(*i);
                if found.is_some() {
                    off += a.iter().take(*i).map(node_count).sum::<usize>();
                }
                found
            }
            _ => None,
        };
        match found {
            Some(v) => {
                idx = off;
                cur = v;
            }
            None => return (idx, cur, false),
        }
    }
    (idx, cur, true)
}

/// Number of nodes in a value's subtree, counting the value itself.
pub fn node_count(v: &Value) -> usize {
    match v {
        Value::Object(m) => 1 + m.values().map(node_count).sum::<usize>(),
        Value::Array(a) => 1 + a.iter().map(node_count).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn display_quotes_non_identifier_keys() {
        let p = JsonPath::keys(&["metadata", "annotations"]).key("eks.amazonaws.com/role-arn");
        assert_eq!(
            p.to_string(),
            r#"metadata.annotations["eks.amazonaws.com/role-arn"]"#
        );
        let p = JsonPath::keys(&["spec", "containers"])
            .index(2)
            .key("image");
        assert_eq!(p.to_string(), "spec.containers[2].image");
    }

    #[test]
    fn locate_walks_pre_order_and_falls_back_to_ancestor() {
        let v = json!({"a": {"x": 1, "y": [10, 20]}, "b": 2});
        // pre-order: root, a, a.x, a.y, a.y[0], a.y[1], b
        let spans = Spans::new((1..=7).map(|l| Pos { line: l, column: 1 }).collect());
        let at = |p: &JsonPath| spans.locate(&v, p).map(|p| p.line);
        assert_eq!(at(&JsonPath::root()), Some(1));
        assert_eq!(at(&JsonPath::keys(&["a", "y"]).index(1)), Some(6));
        assert_eq!(at(&JsonPath::keys(&["b"])), Some(7));
        assert_eq!(at(&JsonPath::keys(&["a", "missing", "deeper"])), Some(2));
        let sub = spans.subtree(&v, &JsonPath::keys(&["a", "y"])).unwrap();
        assert_eq!(sub.len(), 3);
        assert_eq!(sub.root().unwrap().line, 4);
    }
}
