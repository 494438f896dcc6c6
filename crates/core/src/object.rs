//! Kubernetes objects as read from manifests, dumps or a live API.

use crate::finding::Location;
use crate::path::{JsonPath, PathSeg, Pos, Spans};
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
    /// For objects rendered from a kustomization or a Helm chart: the file
    /// they were written in and every input that rendered them.
    pub origin: Option<Arc<Origin>>,
}

/// Where a rendered object (from a kustomization or a Helm chart) was
/// written, so findings can point at a file people edit rather than at the
/// rendered text.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// What rendered the object: `kustomize:DIR`, `helm:DIR`. When several
    /// inputs render it identically it is scanned once and all are listed;
    /// the object's `source` is the first one's output.
    pub rendered_by: Vec<Arc<str>>,
    /// The local file the object comes from, as shown to the user
    /// (kustomize's `config.kubernetes.io/origin`, Helm's `# Source:`).
    pub file: Option<Arc<str>>,
    /// What the renderer says the object came from when that is not a local
    /// file: a generator, a remote base, a template of a packaged subchart.
    pub from: Option<String>,
    /// How positions in the rendered text map into `file`.
    pub map: OriginMap,
}

/// How a rendered object's positions map into its [`Origin::file`].
#[derive(Debug, Clone, Default)]
pub enum OriginMap {
    /// Only the file is known.
    #[default]
    None,
    /// The object as written in the file (kustomize). A finding on a field
    /// whose value is the same there (not changed by a patch or a
    /// transformer) points at it; a changed field keeps the rendered
    /// position.
    Document(Arc<OriginDocument>),
    /// The template line each rendered line came from (Helm), sorted by
    /// rendered line; used only where the template has the rendered text
    /// before the field literally.
    Lines(Vec<TemplateLine>),
}

/// An object as written in its origin file, with the position of every node.
#[derive(Debug, Clone)]
pub struct OriginDocument {
    pub value: Value,
    pub spans: Spans,
}

/// One rendered line of a Helm template and the template line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateLine {
    /// Line in the rendered text.
    pub rendered: u32,
    /// Line in the template.
    pub template: u32,
    /// Leading spaces of the rendered line and of the template line.
    pub rendered_indent: u32,
    pub template_indent: u32,
    /// The rendered line without its indentation.
    pub text: Box<str>,
    /// How many characters (after indentation) the template line has
    /// literally in common with the rendered line.
    pub common: u32,
}

impl Origin {
    /// Where the node at `path` is in [`Origin::file`], when that is known
    /// exactly.
    fn exact(&self, obj: &Object, path: &JsonPath) -> Option<Pos> {
        match &self.map {
            OriginMap::None => None,
            OriginMap::Document(doc) => document_position(&obj.raw, doc, path),
            OriginMap::Lines(lines) => {
                let spans = obj.spans.as_ref()?;
                let pos = spans.locate(&obj.raw, path)?;
                let i = lines.binary_search_by_key(&pos.line, |l| l.rendered).ok()?;
                template_position(&lines[i], pos.column)
            }
        }
    }
}

/// The position of `path` in the origin document when the rendered object
/// has the same thing there: the same value, or the same missing field
/// under the same ancestor. List elements must be the same element (same
/// `name`, or equal when they have none), so a patch that inserts or
/// reorders elements does not shift a finding onto the wrong one.
fn document_position(raw: &Value, doc: &OriginDocument, path: &JsonPath) -> Option<Pos> {
    let (mut r, mut d) = (raw, &doc.value);
    for seg in path.segments() {
        let (rn, dn) = match seg {
            PathSeg::Key(k) => (r.get(k.as_str()), d.get(k.as_str())),
            PathSeg::Index(i) => (r.get(*i), d.get(*i)),
        };
        match (rn, dn) {
            (Some(rn), Some(dn)) => {
                if matches!(seg, PathSeg::Index(_)) && !same_element(rn, dn) {
                    return None;
                }
                r = rn;
                d = dn;
            }
            // Missing in both, under the same ancestor: point at it.
            (None, None) if std::mem::discriminant(r) == std::mem::discriminant(d) => {
                return doc.spans.locate(&doc.value, path);
            }
            _ => return None,
        }
    }
    if r == d {
        doc.spans.locate(&doc.value, path)
    } else {
        None
    }
}

fn same_element(a: &Value, b: &Value) -> bool {
    match (a.get("name"), b.get("name")) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a == b,
        _ => false,
    }
}

/// The template position of the rendered node at `column` of `line`, when
/// the template line has everything before the node literally (for a key,
/// the key itself too).
fn template_position(line: &TemplateLine, column: u32) -> Option<Pos> {
    let off = column.checked_sub(1 + line.rendered_indent)? as usize;
    let text: Vec<char> = line.text.chars().collect();
    if off > text.len() {
        return None;
    }
    let need = if text[..off].contains(&':') {
        off
    } else {
        text[off..]
            .iter()
            .position(|&c| c == ':')
            .map_or(text.len(), |j| off + j + 1)
    };
    (line.common as usize >= need.max(1)).then_some(Pos {
        line: line.template,
        column: line.template_indent + off as u32 + 1,
    })
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
            origin: None,
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

    /// Drops what no control reads once the object controls have run:
    /// `status`, `metadata.managedFields` (field-ownership bookkeeping) and
    /// the `last-applied-configuration` annotation (kubectl's copy of the
    /// whole object), keeping the position of everything else. The scan
    /// does this to every object it keeps whole for the inventory controls,
    /// which read none of these (a test checks that their findings on
    /// reduced objects are the same); the live collector never keeps
    /// `managedFields` in the first place.
    pub fn reduce(&mut self) {
        const DROP: [&[&str]; 3] = [
            &["status"],
            &["metadata", "managedFields"],
            &[
                "metadata",
                "annotations",
                "kubectl.kubernetes.io/last-applied-configuration",
            ],
        ];
        for path in DROP {
            let Some((last, parent)) = path.split_last() else {
                continue;
            };
            let parent = JsonPath::keys(parent);
            let Some(Value::Object(m)) = parent.lookup(&self.raw) else {
                continue;
            };
            let Some(v) = m.get(*last) else { continue };
            if let Some(spans) = &mut self.spans
                && let Some(at) = Spans::offset_of(&self.raw, &parent.clone().key(*last))
            {
                spans.remove(at, crate::path::node_count(v));
            }
            if let Some(Value::Object(m)) = lookup_mut(&mut self.raw, &parent) {
                // `shift_remove` keeps the order the spans follow.
                m.shift_remove(*last);
            }
        }
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

    /// Where a finding on `path` points, and a note for its message saying
    /// what rendered the object. Objects read from files point at their
    /// position. A rendered object points at the field in the file it was
    /// written in when that is exact (the field is as written there: for
    /// kustomize, not changed by a patch or transformer; for Helm, literal
    /// in the template); otherwise a kustomize object keeps its rendered
    /// position and the note names its file, and a Helm object points at
    /// the start of its template and the note gives the rendered line.
    /// `None` for objects without positions (a live API).
    pub fn finding_location(&self, path: &JsonPath) -> (Option<Location>, Option<String>) {
        let rendered = self.spans.as_ref().map(|_| {
            let pos = self.locate(path);
            Location {
                file: self.source.file.to_string(),
                line: pos.line,
                column: pos.column,
            }
        });
        let Some(origin) = &self.origin else {
            return (rendered, None);
        };
        let all = || {
            if origin.rendered_by.is_empty() {
                self.source.file.to_string()
            } else {
                origin.rendered_by.join(", ")
            }
        };
        // On the rendered text: name the other inputs that render it too.
        let others = || {
            let rest: Vec<&str> = origin
                .rendered_by
                .iter()
                .map(|s| s.as_ref())
                .filter(|s| *s != self.source.file.as_ref())
                .collect();
            (!rest.is_empty()).then(|| format!("also rendered by {}", rest.join(", ")))
        };
        let Some(file) = &origin.file else {
            let note = match (&origin.from, others()) {
                (Some(from), Some(o)) => Some(format!("{from}; {o}")),
                (Some(from), None) => Some(from.clone()),
                (None, o) => o,
            };
            return (rendered, note);
        };
        if let Some(pos) = rendered.as_ref().and_then(|_| origin.exact(self, path)) {
            let at = Location {
                file: file.to_string(),
                line: pos.line,
                column: pos.column,
            };
            return (Some(at), Some(format!("rendered by {}", all())));
        }
        match (&origin.map, &rendered) {
            (OriginMap::Lines(_), Some(r)) => (
                Some(Location {
                    file: file.to_string(),
                    line: 1,
                    column: 1,
                }),
                Some(format!(
                    "at line {} of the output of {}; the line in the template is not known exactly",
                    r.line,
                    all()
                )),
            ),
            (OriginMap::Document(doc), Some(_)) => {
                let at = doc
                    .spans
                    .root()
                    .map_or(String::new(), |p| format!(":{}", p.line));
                let mut note = format!("changed by the kustomization; the object is at {file}{at}");
                if let Some(o) = others() {
                    note = format!("{note}; {o}");
                }
                (rendered, Some(note))
            }
            _ => {
                let mut note = format!("the object comes from {file}");
                if let Some(o) = others() {
                    note = format!("{note}; {o}");
                }
                (rendered, Some(note))
            }
        }
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

fn lookup_mut<'v>(root: &'v mut Value, path: &JsonPath) -> Option<&'v mut Value> {
    let mut cur = root;
    for seg in path.segments() {
        cur = match (seg, cur) {
            (PathSeg::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (PathSeg::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
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

    fn spans_in_pre_order(v: &Value, line: &mut u32, out: &mut Vec<Pos>) {
        out.push(Pos {
            line: *line,
            column: 1,
        });
        *line += 1;
        match v {
            Value::Object(m) => m.values().for_each(|c| spans_in_pre_order(c, line, out)),
            Value::Array(a) => a.iter().for_each(|c| spans_in_pre_order(c, line, out)),
            _ => {}
        }
    }

    fn with_spans(v: Value) -> OriginDocument {
        let mut pos = Vec::new();
        spans_in_pre_order(&v, &mut 1, &mut pos);
        OriginDocument {
            value: v,
            spans: Spans::new(pos),
        }
    }

    #[test]
    fn origin_positions_only_for_fields_as_written() {
        let base = with_spans(serde_json::json!({"spec": {"hostNetwork": true,
            "containers": [{"name": "web", "image": "nginx:1"}]}}));
        let patched = serde_json::json!({"spec": {"hostNetwork": true,
            "containers": [{"name": "sidecar", "image": "x"}, {"name": "web", "image": "nginx:latest"}]}});
        let at = |p: &JsonPath| document_position(&patched, &base, p).map(|p| p.line);
        // pre-order: root 1, spec 2, hostNetwork 3, containers 4, [0] 5, name 6, image 7
        assert_eq!(at(&JsonPath::keys(&["spec", "hostNetwork"])), Some(3));
        // A different element at the index, a changed value, a field the
        // base lacks under a different element: no position.
        assert_eq!(
            at(&JsonPath::keys(&["spec", "containers"])
                .index(0)
                .key("image")),
            None
        );
        assert_eq!(
            at(&JsonPath::keys(&["spec", "containers"])
                .index(1)
                .key("image")),
            None
        );
        // Missing in both under the same ancestor: the ancestor.
        assert_eq!(at(&JsonPath::keys(&["spec", "hostPID"])), Some(2));
    }

    #[test]
    fn template_lines_need_the_text_before_the_field_literally() {
        let line = |text: &str, common: u32| TemplateLine {
            rendered: 40,
            template: 20,
            rendered_indent: 6,
            template_indent: 6,
            text: text.into(),
            common,
        };
        // `hostNetwork: {{ .Values.hostNetwork }}` rendered `hostNetwork: true`.
        let l = line("hostNetwork: true", 13);
        assert_eq!(
            template_position(&l, 7),
            Some(Pos {
                line: 20,
                column: 7
            })
        );
        assert_eq!(
            template_position(&l, 20),
            Some(Pos {
                line: 20,
                column: 20
            })
        );
        // `{{ .key }}: x`: the key is not in the template.
        assert_eq!(template_position(&line("name: x", 0), 7), None);
        // `- image: x` where the template has `- name: …`.
        assert_eq!(template_position(&line("- image: x", 2), 9), None);
    }

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

    #[test]
    fn reduce_drops_bookkeeping_and_keeps_every_other_position() {
        let source = Source {
            file: Arc::from("p.yaml"),
            document: 0,
            item: None,
            line: 1,
            column: 1,
        };
        let raw = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "managedFields": [{"manager": "m", "fieldsV1": {"f:spec": {}}}],
                "annotations": {"a": "1", "kubectl.kubernetes.io/last-applied-configuration": "{}", "b": "2"},
                "labels": {"app": "x"}},
            "spec": {"containers": [{"name": "c", "image": "i"}]},
            "status": {"phase": "Running"}});
        let n = crate::path::node_count(&raw);
        // Node i is on line i + 1.
        let spans = Spans::new(
            (0..n as u32)
                .map(|i| Pos {
                    line: i + 1,
                    column: 1,
                })
                .collect(),
        );
        let whole = Object::from_value(raw, Some(spans), source).unwrap();
        let mut obj = whole.clone();
        obj.reduce();
        assert_eq!(
            obj.raw,
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "annotations": {"a": "1", "b": "2"}, "labels": {"app": "x"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]}})
        );
        let keys: Vec<&String> = obj.raw["metadata"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "annotations", "labels"], "order kept");
        assert_eq!(
            obj.spans.as_ref().unwrap().len(),
            crate::path::node_count(&obj.raw)
        );
        for path in [
            JsonPath::keys(&["metadata", "annotations", "b"]),
            JsonPath::keys(&["metadata", "labels", "app"]),
            JsonPath::keys(&["spec", "containers"])
                .index(0)
                .key("image"),
        ] {
            assert_eq!(obj.locate(&path), whole.locate(&path), "{path}");
        }
    }
}
