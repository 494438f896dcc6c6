//! What the parsers hand over as they go: the documents of a stream, and
//! the items of a list document one by one (`List`, `PodList`, `kubectl get
//! -o json|yaml` output), so a dump is never held whole.

use eksguard_core::{JsonPath, Pos, Spans};
use serde_json::Value;

/// One value that should be a Kubernetes object: a document, or an item of
/// a list document.
#[derive(Debug)]
pub(crate) struct Unit {
    /// 0-based index of the document in the stream.
    pub doc: u32,
    /// Index in the list's `items`.
    pub item: Option<u32>,
    pub value: Value,
    pub spans: Option<Spans>,
    /// Position of the document's root.
    pub root: Pos,
}

/// Receives units as parsers complete them.
pub(crate) trait Emit {
    fn unit(&mut self, unit: Unit);
    /// Document `doc` turned out invalid: forget the units it gave.
    fn forget(&mut self, doc: u32);
    /// The input is read again from the start: forget every unit.
    fn reset(&mut self);
}

/// The list's own `apiVersion` and `kind`, as far as they were read.
#[derive(Clone, Copy, Default)]
pub(crate) struct ListFields<'a> {
    pub api_version: Option<&'a Value>,
    pub kind: Option<&'a Value>,
}

impl<'a> ListFields<'a> {
    pub(crate) fn of(map: &'a serde_json::Map<String, Value>) -> Self {
        ListFields {
            api_version: map.get("apiVersion"),
            kind: map.get("kind"),
        }
    }
}

/// The items of one list document as they complete.
///
/// An item without `apiVersion` or `kind` gets the list's (as kubectl
/// does for typed lists such as `PodList`). When the list's own fields come
/// after `items` (`kubectl get -o json` sorts keys, but prints them on
/// every item), such items wait for the end of the document, and so do the
/// items after them, to keep the input order.
pub(crate) struct ListItems {
    doc: u32,
    root: Pos,
    next: u32,
    waiting: Vec<(u32, Value, Vec<Pos>)>,
}

impl ListItems {
    pub(crate) fn new(doc: u32, root: Pos) -> Self {
        ListItems {
            doc,
            root,
            next: 0,
            waiting: Vec::new(),
        }
    }

    /// One completed item; `list` has the list's fields read so far.
    pub(crate) fn item(
        &mut self,
        value: Value,
        spans: Vec<Pos>,
        list: ListFields,
        emit: &mut dyn Emit,
    ) {
        let i = self.next;
        self.next += 1;
        let lacks = |key: &str| value.as_object().is_some_and(|m| !m.contains_key(key));
        let unknown = (lacks("apiVersion") && list.api_version.is_none())
            || (lacks("kind") && list.kind.is_none());
        if unknown || !self.waiting.is_empty() {
            self.waiting.push((i, value, spans));
            return;
        }
        self.send(i, value, spans, list, emit);
    }

    /// The list is complete: hands over the items that waited for it.
    pub(crate) fn finish(&mut self, list: ListFields, emit: &mut dyn Emit) {
        for (i, value, spans) in std::mem::take(&mut self.waiting) {
            self.send(i, value, spans, list, emit);
        }
    }

    fn send(
        &self,
        i: u32,
        mut value: Value,
        spans: Vec<Pos>,
        list: ListFields,
        emit: &mut dyn Emit,
    ) {
        fill_type(&mut value, list);
        emit.unit(Unit {
            doc: self.doc,
            item: Some(i),
            value,
            spans: Some(Spans::new(spans)),
            root: self.root,
        });
    }
}

/// Raw API lists omit each item's `apiVersion`/`kind`: they come from the
/// list (`kind: PodList` → `Pod`; a plain `List` names no kind).
pub(crate) fn fill_type(item: &mut Value, list: ListFields) {
    let Value::Object(im) = item else { return };
    let list_api = list.api_version.and_then(Value::as_str).unwrap_or("v1");
    let list_kind = list.kind.and_then(Value::as_str).unwrap_or("List");
    if !im.contains_key("apiVersion") {
        im.insert("apiVersion".into(), Value::String(list_api.to_owned()));
    }
    if !im.contains_key("kind") && list_kind != "List" {
        let k = list_kind.trim_end_matches("List").to_owned();
        im.insert("kind".into(), Value::String(k));
    }
}

/// Whether a document is a list: a mapping whose `items` is a sequence, as
/// kubectl's own `IsList` decides (`kind` need not end in `List`).
pub(crate) fn is_list(m: &serde_json::Map<String, Value>) -> bool {
    m.get("items").is_some_and(Value::is_array)
}

/// Hands over a whole document: its items when it is a list, else itself.
pub(crate) fn split_document(doc: u32, value: Value, spans: Spans, emit: &mut dyn Emit) {
    let root = spans.root().unwrap_or_default();
    if value.is_null() {
        return;
    }
    if !matches!(&value, Value::Object(m) if is_list(m)) {
        emit.unit(Unit {
            doc,
            item: None,
            value,
            spans: Some(spans),
            root,
        });
        return;
    }
    // Items are contiguous in pre-order: walk them once, in order.
    let mut offset = Spans::offset_of(&value, &JsonPath::keys(&["items"])).map(|o| o + 1);
    let Value::Object(mut map) = value else {
        return;
    };
    let Some(Value::Array(items)) = map.remove("items") else {
        return;
    };
    let fields = ListFields::of(&map);
    for (i, mut item) in items.into_iter().enumerate() {
        let n = eksguard_core::node_count(&item);
        let ispans = offset.and_then(|o| spans.slice(o, n));
        offset = offset.map(|o| o + n);
        fill_type(&mut item, fields);
        emit.unit(Unit {
            doc,
            item: Some(i as u32),
            value: item,
            spans: ispans,
            root,
        });
    }
}
