//! YAML (and JSON) to `serde_json::Value`, the way kubectl reads it, with the
//! source position of every node.
//!
//! kubectl converts YAML with `sigs.k8s.io/yaml`, which decodes with a fork of
//! go-yaml v2: YAML 1.1 scalar resolution (`yes`/`no`/`on`/`off` are booleans,
//! `0644` is octal 420, `0x1F` hex, `1_000` an int), merge keys `<<` applied in
//! document order (a merge overwrites keys set before it, later keys overwrite
//! merged ones), later duplicate keys win, and non-string keys become their
//! string form. This module reproduces that on top of saphyr's event parser,
//! which gives us the span of every node.
//!
//! Defences: a node budget per document (alias "billion laughs" bombs), a
//! nesting depth limit, and no recursion (the builder keeps its own stack).

use crate::emit::{Emit, ListFields, ListItems, split_document};
use eksguard_core::{Pos, Spans};
use saphyr_parser::{Event, Input, Parser, ScalarStyle, Span};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// Limits that keep a hostile document from exhausting memory or stack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum nodes in one document after alias expansion.
    pub max_nodes: usize,
    /// Maximum nesting depth of collections.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nodes: 4_000_000,
            max_depth: 512,
        }
    }
}

/// One parsed YAML document.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based index of the document in the stream (empty documents count).
    pub index: u32,
    pub value: Value,
    pub spans: Spans,
}

/// A problem found while parsing, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIssue {
    pub pos: Pos,
    pub message: String,
    /// `true` when the rest of the stream could not be read.
    pub fatal: bool,
}

/// Everything one stream yields: the documents read before any fatal error,
/// and the issues (fatal or not) met on the way.
#[derive(Debug, Default)]
pub struct Parsed {
    pub documents: Vec<Document>,
    pub issues: Vec<ParseIssue>,
}

struct Node {
    value: Value,
    /// Pre-order positions of this node's subtree.
    spans: Vec<Pos>,
}

enum Frame {
    Seq {
        anchor: usize,
        /// The root mapping's `items` in a streaming read: its elements go
        /// to the emitter.
        items: bool,
        values: Vec<Value>,
        spans: Vec<Pos>,
    },
    Map {
        anchor: usize,
        pos: Pos,
        entries: Vec<(String, Node)>,
        /// Key waiting for its value, with the key's position.
        pending_key: Option<(String, Pos)>,
        /// Set while reading the value of a `<<` merge key.
        merging: bool,
    },
}

fn pos_of(span: &Span) -> Pos {
    Pos {
        line: span.start.line() as u32,
        column: span.start.col() as u32 + 1,
    }
}

/// How many under-indented quoted-scalar lines [`parse`] will re-indent.
const MAX_REINDENTS: usize = 32;

/// Parses a whole stream of YAML documents.
///
/// go-yaml (libyaml's scanner) does not check the indentation of the
/// continuation lines of a multi-line quoted scalar; saphyr does, so a
/// `config: '{ … }'` whose closing line sits at the key's indentation is read
/// by kubectl but refused here. Leading white space of those lines is folded
/// away, so indenting them changes neither the value nor any line number:
/// when saphyr reports exactly that error, the line is indented one more
/// space and the stream parsed again (a bounded number of times).
pub fn parse(text: &str, limits: Limits) -> Parsed {
    let mut parsed = Parsed::default();
    parse_with_retries(text, |t| {
        parsed = parse_once(t, limits);
        parsed.issues.clone()
    });
    parsed
}

/// Runs `parse` on `text`, then again on a re-indented copy while the
/// issues it returns are the re-indentable error (see [`parse`]); returns
/// the last issues.
pub(crate) fn parse_with_retries(
    text: &str,
    mut parse: impl FnMut(&str) -> Vec<ParseIssue>,
) -> Vec<ParseIssue> {
    let mut issues = parse(text);
    let mut patched: Option<String> = None;
    for _ in 0..MAX_REINDENTS {
        let Some(line) = issues
            .iter()
            .find(|i| i.fatal && i.message.ends_with("invalid indentation in quoted scalar"))
            .map(|i| i.pos.line as usize)
        else {
            break;
        };
        let current = patched.as_deref().unwrap_or(text);
        let Some(next) = indent_line(current, line) else {
            break;
        };
        issues = parse(&next);
        patched = Some(next);
    }
    issues
}

/// saphyr reports this error at the line where the quoted scalar starts.
/// The offending line is the first later line indented no deeper than that
/// one; returns `text` with it indented one column deeper than the start.
fn indent_line(text: &str, start_line: usize) -> Option<String> {
    let indent = |l: &str| l.len() - l.trim_start_matches([' ', '\t']).len();
    let mut offset = 0;
    let mut base = None;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        let n = i + 1;
        if n == start_line {
            base = Some(indent(l));
        } else if let Some(b) = base
            && n > start_line
            && !l.trim().is_empty()
            && indent(l) <= b
        {
            let mut out = String::with_capacity(text.len() + b + 1);
            out.push_str(&text[..offset]);
            out.push_str(&" ".repeat(b + 1));
            out.push_str(&text[offset + indent(l)..]);
            return Some(out);
        }
        offset += l.len();
    }
    None
}

fn parse_once(text: &str, limits: Limits) -> Parsed {
    run(Parser::new_from_str(text), limits, None)
}

/// A streaming read: documents, and the items of list documents, go to
/// `emit` as they complete instead of into [`Parsed::documents`].
pub(crate) struct Stream<'e> {
    pub emit: &'e mut dyn Emit,
    /// The largest document or list item, in characters.
    pub max_unit: u64,
}

/// Reads a stream of documents, handing each unit to `stream.emit` as it
/// completes: the node budget then bounds what is held at once (one item of
/// a list, or one document), not the size of a list, while aliases are
/// budgeted per document. Returns the issues met.
pub(crate) fn parse_stream<'i, T: Input>(
    parser: Parser<'i, T>,
    limits: Limits,
    stream: Stream,
) -> Vec<ParseIssue> {
    run(parser, limits, Some(stream)).issues
}

/// Streaming state of the current document.
struct Current {
    /// The document's items, when its `items` sequence is being read.
    list: Option<ListItems>,
    /// Where the document started (characters).
    start: u64,
    /// Where the current list item started (characters).
    item_start: u64,
    /// Characters of the items handed over.
    streamed: u64,
}

/// The list's own fields among the entries of the root mapping.
fn fields_of(stack: &[Frame]) -> ListFields<'_> {
    let Some(Frame::Map { entries, .. }) = stack.first() else {
        return ListFields::default();
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| &n.value)
    };
    ListFields {
        api_version: get("apiVersion"),
        kind: get("kind"),
    }
}

/// Whether a node completing (or starting) now is an item of the root's
/// `items`.
fn is_list_item(stack: &[Frame]) -> bool {
    stack.len() == 2 && matches!(stack[1], Frame::Seq { items: true, .. })
}

/// Whether the parser is inside the root's `items`.
fn in_list_item(stack: &[Frame]) -> bool {
    stack.len() >= 2 && matches!(stack[1], Frame::Seq { items: true, .. })
}

fn run<'i, T: Input>(
    mut parser: Parser<'i, T>,
    limits: Limits,
    mut stream: Option<Stream>,
) -> Parsed {
    let mut out = Parsed::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut doc_index: u32 = 0;
    // Nodes held for the current document (items handed over no longer count).
    let mut nodes_in_doc: usize = 0;
    // Nodes copied through aliases in the current document.
    let mut aliased_in_doc: usize = 0;
    let mut in_doc = false;
    let mut doc_root: Option<Node> = None;
    // Set when a document is abandoned: skip its remaining events.
    let mut doc_failed = false;
    let mut cur = Current {
        list: None,
        start: 0,
        item_start: 0,
        streamed: 0,
    };

    macro_rules! fail_doc {
        ($pos:expr, $msg:expr) => {{
            out.issues.push(ParseIssue {
                pos: $pos,
                message: $msg,
                fatal: false,
            });
            stack.clear();
            doc_failed = true;
            if let Some(s) = stream.as_mut() {
                s.emit.forget(doc_index);
                cur.list = None;
            }
        }};
    }

    // Hands a finished node to its parent; in a streaming read, an item
    // of the root's `items` goes to the emitter instead.
    macro_rules! finish {
        ($node:expr, $anchor:expr, $pos:expr, $is_merge:expr) => {{
            let node: Node = $node;
            match stream.as_mut() {
                Some(s) if is_list_item(&stack) => {
                    if $anchor != 0 {
                        anchors.insert(
                            $anchor,
                            Node {
                                value: node.value.clone(),
                                spans: node.spans.clone(),
                            },
                        );
                    }
                    nodes_in_doc = nodes_in_doc.saturating_sub(node.spans.len());
                    let fields = fields_of(&stack);
                    if let Some(list) = cur.list.as_mut() {
                        list.item(node.value, node.spans, fields, &mut *s.emit);
                    }
                    Ok(())
                }
                _ => complete_key(
                    node,
                    $anchor,
                    $pos,
                    $is_merge,
                    &mut stack,
                    &mut anchors,
                    &mut doc_root,
                ),
            }
        }};
    }

    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                let m = e.marker();
                out.issues.push(ParseIssue {
                    pos: Pos {
                        line: m.line() as u32,
                        column: m.col() as u32 + 1,
                    },
                    message: format!("invalid YAML: {}", e.info()),
                    fatal: true,
                });
                if let Some(s) = stream.as_mut()
                    && in_doc
                {
                    s.emit.forget(doc_index);
                }
                return out;
            }
        };
        let pos = pos_of(&span);
        let at = span.start.index() as u64;
        // A node starting as an item of the root's `items`.
        let starts_node = matches!(
            event,
            Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::Scalar(..)
                | Event::Alias(..)
        );
        if starts_node && stream.is_some() && is_list_item(&stack) {
            cur.item_start = at;
        }
        if let Some(s) = stream.as_ref()
            && in_doc
            && !doc_failed
        {
            let in_item = in_list_item(&stack);
            let size = if in_item {
                at - cur.item_start
            } else {
                at - cur.start - cur.streamed
            };
            if size > s.max_unit {
                let what = if in_item {
                    "a list item"
                } else {
                    "the document"
                };
                fail_doc!(
                    pos,
                    format!(
                        "{what} is above the {}-byte limit; split it or raise --max-file-size",
                        s.max_unit
                    )
                );
                continue;
            }
        }
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                in_doc = true;
                doc_failed = false;
                nodes_in_doc = 0;
                aliased_in_doc = 0;
                anchors.clear();
                doc_root = None;
                cur = Current {
                    list: None,
                    start: at,
                    item_start: at,
                    streamed: 0,
                };
            }
            Event::DocumentEnd => {
                if in_doc
                    && !doc_failed
                    && let Some(root) = doc_root.take()
                {
                    match stream.as_mut() {
                        Some(s) => match cur.list.take() {
                            Some(mut list) => {
                                let map = match &root.value {
                                    Value::Object(m) => Some(m),
                                    _ => None,
                                };
                                let fields = map.map(ListFields::of).unwrap_or_default();
                                list.finish(fields, &mut *s.emit);
                            }
                            None => split_document(
                                doc_index,
                                root.value,
                                Spans::new(root.spans),
                                &mut *s.emit,
                            ),
                        },
                        None => out.documents.push(Document {
                            index: doc_index,
                            value: root.value,
                            spans: Spans::new(root.spans),
                        }),
                    }
                }
                in_doc = false;
                doc_index += 1;
            }
            _ if doc_failed => {}
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    fail_doc!(
                        pos,
                        format!("nesting deeper than {} levels", limits.max_depth)
                    );
                    continue;
                }
                nodes_in_doc += 1;
                // The root mapping's `items`: a list, read item by item.
                let items = stream.is_some()
                    && stack.len() == 1
                    && cur.list.is_none()
                    && matches!(
                        &stack[0],
                        Frame::Map { pending_key: Some((k, _)), merging: false, .. } if k == "items"
                    );
                if items {
                    cur.list = Some(ListItems::new(doc_index, stack_pos(&stack)));
                }
                stack.push(Frame::Seq {
                    anchor,
                    items,
                    values: Vec::new(),
                    spans: vec![pos],
                });
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    fail_doc!(
                        pos,
                        format!("nesting deeper than {} levels", limits.max_depth)
                    );
                    continue;
                }
                nodes_in_doc += 1;
                stack.push(Frame::Map {
                    anchor,
                    pos,
                    entries: Vec::new(),
                    pending_key: None,
                    merging: false,
                });
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    anchor,
                    values,
                    spans,
                    items,
                }) = stack.pop()
                else {
                    fail_doc!(pos, "unbalanced sequence end".into());
                    continue;
                };
                if items {
                    cur.streamed = at - cur.start;
                }
                let node = Node {
                    value: Value::Array(values),
                    spans,
                };
                if let Err(msg) = finish!(node, anchor, pos, false) {
                    fail_doc!(pos, msg);
                }
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    anchor,
                    pos: map_pos,
                    entries,
                    ..
                }) = stack.pop()
                else {
                    fail_doc!(pos, "unbalanced mapping end".into());
                    continue;
                };
                let mut map = Map::with_capacity(entries.len());
                let mut spans = vec![map_pos];
                for (k, n) in entries {
                    map.insert(k, n.value);
                    spans.extend(n.spans);
                }
                let node = Node {
                    value: Value::Object(map),
                    spans,
                };
                if let Err(msg) = finish!(node, anchor, pos, false) {
                    fail_doc!(pos, msg);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                nodes_in_doc += 1;
                let tag_suffix = tag.as_ref().map(|t| t.suffix.as_str());
                // Only a plain, untagged `<<` is a merge key (go-yaml's isMerge).
                let is_merge = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                let value = resolve_scalar(&text, style, tag_suffix);
                let node = Node {
                    value,
                    spans: vec![pos],
                };
                if let Err(msg) = finish!(node, anchor, pos, is_merge) {
                    fail_doc!(pos, msg);
                }
            }
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    fail_doc!(pos, "alias refers to an unknown anchor".into());
                    continue;
                };
                nodes_in_doc = nodes_in_doc.saturating_add(target.spans.len());
                aliased_in_doc = aliased_in_doc.saturating_add(target.spans.len());
                if nodes_in_doc > limits.max_nodes || aliased_in_doc > limits.max_nodes {
                    fail_doc!(
                        pos,
                        format!(
                            "document expands to more than {} nodes through aliases (YAML alias bomb?)",
                            limits.max_nodes
                        )
                    );
                    continue;
                }
                let node = Node {
                    value: target.value.clone(),
                    spans: target.spans.clone(),
                };
                if let Err(msg) = finish!(node, 0, pos, false) {
                    fail_doc!(pos, msg);
                }
            }
        }
        if nodes_in_doc > limits.max_nodes && !doc_failed {
            fail_doc!(
                pos,
                format!("document has more than {} nodes", limits.max_nodes)
            );
        }
    }
    out
}

/// Position of the root mapping on the stack.
fn stack_pos(stack: &[Frame]) -> Pos {
    match stack.first() {
        Some(Frame::Map { pos, .. }) => *pos,
        _ => Pos::default(),
    }
}

/// Hands a finished node to its parent (or makes it the document root).
fn complete_key(
    node: Node,
    anchor: usize,
    pos: Pos,
    is_merge: bool,
    stack: &mut [Frame],
    anchors: &mut HashMap<usize, Node>,
    root: &mut Option<Node>,
) -> Result<(), String> {
    if anchor != 0 {
        anchors.insert(
            anchor,
            Node {
                value: node.value.clone(),
                spans: node.spans.clone(),
            },
        );
    }
    let Some(parent) = stack.last_mut() else {
        *root = Some(node);
        return Ok(());
    };
    match parent {
        Frame::Seq { values, spans, .. } => {
            values.push(node.value);
            spans.extend(node.spans);
        }
        Frame::Map {
            entries,
            pending_key,
            merging,
            ..
        } => match pending_key.take() {
            None => {
                let key = map_key(&node.value)?;
                *merging = is_merge;
                *pending_key = Some((key, pos));
            }
            Some((key, key_pos)) => {
                if *merging {
                    *merging = false;
                    merge_into(entries, node)?;
                } else {
                    let mut spans = node.spans;
                    // Point map entries at their key: `key:` is the line a
                    // reader looks for, even when the value is a block below it.
                    if let Some(first) = spans.first_mut() {
                        *first = key_pos;
                    }
                    set_entry(
                        entries,
                        key,
                        Node {
                            value: node.value,
                            spans,
                        },
                    );
                }
            }
        },
    }
    Ok(())
}

fn set_entry(entries: &mut Vec<(String, Node)>, key: String, node: Node) {
    if let Some(slot) = entries.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = node;
    } else {
        entries.push((key, node));
    }
}

/// go-yaml v2 merge: a mapping (or each mapping of a sequence, last first so
/// earlier ones win) is written over the entries read so far.
fn merge_into(entries: &mut Vec<(String, Node)>, node: Node) -> Result<(), String> {
    match node.value {
        Value::Object(map) => {
            let mut spans = node.spans.into_iter().skip(1);
            for (k, v) in map {
                let n = eksguard_core::node_count(&v);
                let child: Vec<Pos> = spans.by_ref().take(n).collect();
                set_entry(
                    entries,
                    k,
                    Node {
                        value: v,
                        spans: child,
                    },
                );
            }
            Ok(())
        }
        Value::Array(items) => {
            let mut spans = node.spans.into_iter().skip(1);
            let mut parts = Vec::with_capacity(items.len());
            for v in items {
                let n = eksguard_core::node_count(&v);
                let child: Vec<Pos> = spans.by_ref().take(n).collect();
                parts.push(Node {
                    value: v,
                    spans: child,
                });
            }
            for part in parts.into_iter().rev() {
                if !part.value.is_object() {
                    return Err("merge key `<<` sequence must contain only mappings".into());
                }
                merge_into(entries, part)?;
            }
            Ok(())
        }
        _ => Err("merge key `<<` must be followed by a mapping or a sequence of mappings".into()),
    }
}

/// The string form sigs.k8s.io/yaml gives a mapping key.
fn map_key(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok("null".into()),
        Value::Array(_) | Value::Object(_) => Err(
            "a mapping key must be a scalar (complex keys are not valid in Kubernetes YAML)".into(),
        ),
    }
}

/// YAML 1.1 scalar resolution as go-yaml v2 does it (`resolve.go`).
pub fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") | Some("binary") => return Value::String(text.to_owned()),
        Some("bool") => {
            if let Some(b) = resolve_bool(text) {
                return Value::Bool(b);
            }
        }
        Some("null") => return Value::Null,
        Some("int") | Some("float") | None => {}
        // Unknown (local) tags: resolve as if untagged, as plain scalars are.
        Some(_) => {}
    }
    if style != ScalarStyle::Plain && tag.is_none() {
        return Value::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = resolve_bool(text) {
        return Value::Bool(b);
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || first == b'+' || first == b'-' {
        if let Some(v) = resolve_number(text) {
            return v;
        }
    } else if first == b'.' {
        // `.inf`/`.nan` have no JSON form; Go's JSON encoder refuses them, so
        // kubectl would fail. Keep the text.
        if let Ok(f) = text.parse::<f64>()
            && f.is_finite()
            && let Some(n) = Number::from_f64(f)
        {
            return Value::Number(n);
        }
    }
    Value::String(text.to_owned())
}

fn resolve_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// Ints as Go's `strconv.ParseInt(s, 0, 64)` reads them after removing `_`
/// (prefixes 0x, 0o, 0b, a leading 0 for octal), then uint64, then floats
/// matching go-yaml's float pattern.
fn resolve_number(text: &str) -> Option<Value> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(i) = parse_go_int(&plain) {
        return Some(Value::Number(i.into()));
    }
    if let Some(u) = parse_go_uint(&plain) {
        return Some(Value::Number(u.into()));
    }
    if is_yaml_float(&plain) {
        let f: f64 = plain.parse().ok()?;
        return Some(float_value(f));
    }
    None
}

/// Integral floats become ints, as Go's JSON encoding of a float64 prints
/// them and the API server then reads them.
fn float_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
        return Value::Number((f as i64).into());
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

fn radix_digits(body: &str) -> Option<(u32, &str)> {
    let b = body.as_bytes();
    if b.len() >= 2 && b[0] == b'0' {
        match b[1] {
            b'x' | b'X' => return Some((16, &body[2..])),
            b'o' | b'O' => return Some((8, &body[2..])),
            b'b' | b'B' => return Some((2, &body[2..])),
            _ => return Some((8, &body[1..])),
        }
    }
    Some((10, body))
}

fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = split_sign(s);
    let (radix, digits) = radix_digits(body)?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            Some((mag as i128).checked_neg().map(|v| v as i64)?)
        } else {
            None
        }
    } else {
        i64::try_from(mag).ok()
    }
}

fn parse_go_uint(s: &str) -> Option<u64> {
    if s.starts_with('-') || s.starts_with('+') {
        return None;
    }
    let (radix, digits) = radix_digits(s)?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> Value {
        let p = parse(text, Limits::default());
        assert!(p.issues.is_empty(), "{:?}", p.issues);
        p.documents.into_iter().next().unwrap().value
    }

    #[test]
    fn yaml_1_1_scalars_read_as_kubectl_reads_them() {
        let v = one(
            "a: yes\nb: No\nc: on\nd: 0644\ne: 0x1F\nf: 1_000\ng: '0644'\nh: 08\ni: 1e3\nj: ~\nk: y\nl: .5\nm: -0b101\nbig: 12345678901234567890\no: !!str 12\np: 1.0\n",
        );
        assert_eq!(
            v,
            json!({"a": true, "b": false, "c": true, "d": 420, "e": 31, "f": 1000, "g": "0644",
                   "h": 8, "i": 1000, "j": null, "k": true, "l": 0.5, "m": -5,
                   "big": 12345678901234567890u64, "o": "12", "p": 1})
        );
    }

    #[test]
    fn merge_keys_follow_go_yaml_v2_order() {
        let v = one("base: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\nq:\n  z: 3\n  <<: *b\n");
        assert_eq!(v["m"], json!({"x": 1, "z": 3}));
        // go-yaml v2 applies the merge where it appears: it overwrites z.
        assert_eq!(v["q"], json!({"z": 2, "x": 1}));
        let v = one("a: &a {k: 1}\nb: &b {k: 2, j: 2}\nc:\n  <<: [*a, *b]\n");
        assert_eq!(v["c"], json!({"k": 1, "j": 2}));
    }

    #[test]
    fn non_string_keys_become_strings() {
        let v = one("yes: 1\n8080: http\nn: 2\n0644: o\n");
        // YAML 1.1 reads the key `n` as false and `0644` as 420, and
        // sigs.k8s.io/yaml stringifies them: kubectl sees "false" and "420".
        assert_eq!(
            v,
            json!({"true": 1, "8080": "http", "false": 2, "420": "o"})
        );
    }

    #[test]
    fn spans_are_pre_order_and_point_at_keys() {
        let text =
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx\n";
        let p = parse(text, Limits::default());
        let d = &p.documents[0];
        let path = eksguard_core::JsonPath::keys(&["spec", "containers"])
            .index(0)
            .key("image");
        assert_eq!(
            d.spans.locate(&d.value, &path),
            Some(Pos { line: 6, column: 5 })
        );
        let path = eksguard_core::JsonPath::keys(&["spec"]);
        assert_eq!(
            d.spans.locate(&d.value, &path),
            Some(Pos { line: 3, column: 1 })
        );
        assert_eq!(d.spans.len(), eksguard_core::node_count(&d.value));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let p = parse(&text, Limits::default());
        assert!(p.documents.is_empty());
        assert!(p.issues[0].message.contains("alias bomb"), "{:?}", p.issues);
    }

    #[test]
    fn multi_document_with_error_keeps_earlier_documents() {
        let p = parse("a: 1\n---\nb: 2\n---\nc: [1, 2\n", Limits::default());
        assert_eq!(p.documents.len(), 2);
        assert_eq!(p.documents[1].index, 1);
        assert!(p.issues[0].fatal);
        assert_eq!(p.issues[0].pos.line, 6);
    }

    #[test]
    fn json_parses_with_positions() {
        let p = parse(
            "{\"kind\":\"List\",\n \"items\":[{\"a\":1}]}",
            Limits::default(),
        );
        assert!(p.issues.is_empty(), "{:?}", p.issues);
        assert_eq!(
            p.documents[0].value,
            json!({"kind": "List", "items": [{"a": 1}]})
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let p = parse(&text, Limits::default());
        assert!(p.documents.is_empty());
        assert!(!p.issues.is_empty());
    }

    #[test]
    fn under_indented_quoted_scalar_lines_read_as_go_yaml_reads_them() {
        let v = one("spec:\n  config: '{\n    \"a\": 1\n  }'\n  next: 2\n");
        assert_eq!(v, json!({"spec": {"config": "{ \"a\": 1 }", "next": 2}}));
        let v = one("config: \"a\nb\"\n");
        assert_eq!(v, json!({"config": "a b"}));
    }

    #[test]
    fn float_pattern_matches_go_yaml() {
        for ok in ["1.5", "-1.5", ".5", "1.", "1e10", "+2E-3"] {
            assert!(is_yaml_float(ok), "{ok}");
        }
        for bad in ["", ".", "e5", "1e", "1.5.5", "abc", "1_0"] {
            assert!(!is_yaml_float(bad), "{bad}");
        }
    }
}
