//! A fast path for JSON input (`kubectl get -o json`, API server lists):
//! the same values and positions the YAML reader gives for JSON text, at a
//! fraction of its cost, with the items of a list handed over one by one.
//!
//! It accepts strict JSON only, and only what the YAML reader would read
//! the same way: one object, spaces and line feeds between tokens, no
//! duplicate keys, printable characters, nothing past the limits. On
//! anything else it answers [`Outcome::NotJson`] and the caller reads the
//! input again as YAML, which then decides (and words any error) exactly
//! as before. Numbers are resolved by the YAML reader's own rules
//! ([`crate::yaml::resolve_scalar`]), so `1.0` is `1` either way.

use crate::emit::{Emit, ListFields, ListItems, Unit};
use crate::text::Reader;
use crate::yaml::{Limits, resolve_scalar};
use eksguard_core::{Pos, Spans};
use saphyr_parser::ScalarStyle;
use serde_json::{Map, Value};

pub(crate) enum Outcome {
    /// Every unit was handed over.
    Done,
    /// Not strict JSON (or beyond a limit): read it as YAML. Units already
    /// handed over (all of document 0) must be forgotten.
    NotJson,
}

/// Whether `text` starts like a JSON object.
pub(crate) fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches([' ', '\n', '\t', '\r'])
        .starts_with('{')
}

struct NotJson;

type R<T> = Result<T, NotJson>;

/// The text being read: whole, or the current chunk of a stream.
struct Cur<'r> {
    buf: String,
    pos: usize,
    reader: Option<&'r mut Reader>,
    /// Byte offset of `buf[0]` in the input.
    base: u64,
    line: u32,
    column: u32,
}

impl Cur<'_> {
    fn refill(&mut self) -> bool {
        let Some(r) = self.reader.as_deref_mut() else {
            return false;
        };
        self.base += self.buf.len() as u64;
        self.buf.clear();
        self.pos = 0;
        while self.buf.is_empty() {
            if !r.next_chunk(&mut self.buf) {
                return false;
            }
        }
        true
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
        if let Some(&b) = self.buf.as_bytes().get(self.pos) {
            return Some(b);
        }
        if self.refill() {
            Some(self.buf.as_bytes()[self.pos])
        } else {
            None
        }
    }

    /// Consumes one ASCII byte that is not a line break.
    #[inline]
    fn bump(&mut self) {
        self.pos += 1;
        self.column += 1;
    }

    #[inline]
    fn here(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Spaces and line feeds (tabs and lone CRs are left to the YAML reader).
    #[inline]
    fn skip_ws(&mut self) {
        loop {
            match self.peek() {
                Some(b' ') => self.bump(),
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    self.column = 1;
                }
                _ => return,
            }
        }
    }

    fn expect(&mut self, b: u8) -> R<()> {
        if self.peek() == Some(b) {
            self.bump();
            Ok(())
        } else {
            Err(NotJson)
        }
    }

    /// A string, the opening quote next.
    fn string(&mut self) -> R<String> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            let bytes = &self.buf.as_bytes()[self.pos..];
            let run = bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b))
                .unwrap_or(bytes.len());
            out.push_str(&self.buf[self.pos..self.pos + run]);
            self.pos += run;
            self.column += run as u32;
            if self.pos == self.buf.len() {
                // The chunk ended inside the string: scan the next one.
                if !self.refill() {
                    return Err(NotJson);
                }
                continue;
            }
            let b = self.buf.as_bytes()[self.pos];
            match b {
                b'"' => {
                    self.bump();
                    return Ok(out);
                }
                b'\\' => {
                    self.bump();
                    let e = self.peek().ok_or(NotJson)?;
                    self.bump();
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let mut v = 0u32;
                            for _ in 0..4 {
                                let d = self.peek().ok_or(NotJson)?;
                                let d = (d as char).to_digit(16).ok_or(NotJson)?;
                                self.bump();
                                v = v * 16 + d;
                            }
                            // Surrogates: the YAML reader refuses each half.
                            char::from_u32(v).ok_or(NotJson)?
                        }
                        _ => return Err(NotJson),
                    };
                    out.push(c);
                }
                // Control characters are not JSON; DEL and the C1 range
                // are not printable YAML.
                0..0x20 | 0x7f => return Err(NotJson),
                _ => {
                    let c = self.buf[self.pos..].chars().next().ok_or(NotJson)?;
                    let printable = c == '\u{85}'
                        || ('\u{a0}'..='\u{d7ff}').contains(&c)
                        || ('\u{e000}'..='\u{fffd}').contains(&c)
                        || c >= '\u{10000}';
                    if !printable {
                        return Err(NotJson);
                    }
                    out.push(c);
                    self.pos += c.len_utf8();
                    self.column += 1;
                }
            }
        }
    }

    /// Whether the next byte ends a scalar.
    fn at_delimiter(&mut self) -> bool {
        matches!(self.peek(), None | Some(b' ' | b'\n' | b',' | b'}' | b']'))
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        for &w in word {
            self.expect(w)?;
        }
        if self.at_delimiter() {
            Ok(())
        } else {
            Err(NotJson)
        }
    }

    /// A number, by JSON's grammar, resolved as the YAML reader resolves
    /// the same plain scalar.
    fn number(&mut self) -> R<Value> {
        let mut text = String::new();
        if self.peek() == Some(b'-') {
            self.take(&mut text);
        }
        match self.peek() {
            Some(b'0') => self.take(&mut text),
            Some(b'1'..=b'9') => {
                self.digits(&mut text);
            }
            _ => return Err(NotJson),
        }
        if self.peek() == Some(b'.') {
            self.take(&mut text);
            if self.digits(&mut text) == 0 {
                return Err(NotJson);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.take(&mut text);
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.take(&mut text);
            }
            if self.digits(&mut text) == 0 {
                return Err(NotJson);
            }
        }
        if !self.at_delimiter() {
            return Err(NotJson);
        }
        Ok(resolve_scalar(&text, ScalarStyle::Plain, None))
    }

    fn take(&mut self, text: &mut String) {
        if let Some(b) = self.peek() {
            text.push(b as char);
            self.bump();
        }
    }

    fn digits(&mut self, text: &mut String) -> usize {
        let mut n = 0;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.take(text);
            n += 1;
        }
        n
    }

    /// A mapping key and its colon; returns the key and its position.
    fn key(&mut self) -> R<(String, Pos)> {
        self.skip_ws();
        let at = self.here();
        let key = self.string()?;
        self.skip_ws();
        self.expect(b':')?;
        Ok((key, at))
    }
}

enum Frame {
    Obj {
        map: Map<String, Value>,
        key: String,
        key_pos: Pos,
    },
    Arr {
        vec: Vec<Value>,
        /// The `items` of the root mapping: handed over one by one.
        items: bool,
    },
}

/// Reads one JSON object (whole `text`, or the stream in `reader`) as
/// document 0, handing over its units.
pub(crate) fn parse(
    text: Option<&str>,
    reader: Option<&mut Reader>,
    limits: Limits,
    max_unit_bytes: u64,
    emit: &mut dyn Emit,
) -> Outcome {
    let mut cur = Cur {
        buf: text.unwrap_or_default().to_owned(),
        pos: 0,
        reader,
        base: 0,
        line: 1,
        column: 1,
    };
    match read(&mut cur, limits, max_unit_bytes, emit) {
        Ok(()) => Outcome::Done,
        Err(NotJson) => Outcome::NotJson,
    }
}

fn read(cur: &mut Cur, limits: Limits, max_unit: u64, emit: &mut dyn Emit) -> R<()> {
    cur.skip_ws();
    if cur.peek() != Some(b'{') {
        return Err(NotJson);
    }
    let root_pos = cur.here();
    let root_offset = cur.offset();
    let mut stack: Vec<Frame> = Vec::new();
    let mut spans: Vec<Pos> = Vec::new();
    let mut list: Option<ListItems> = None;
    // Where the current item starts: in `spans`, in bytes.
    let mut item_start = 0usize;
    let mut item_offset = 0u64;
    // Bytes of the items handed over, which the root no longer holds.
    let mut streamed = 0u64;
    let root: Value = 'value: loop {
        cur.skip_ws();
        let own = cur.here();
        let at = match stack.last() {
            Some(Frame::Obj { key_pos, .. }) => *key_pos,
            _ => own,
        };
        if matches!(stack.last(), Some(Frame::Arr { items: true, .. })) {
            item_start = spans.len();
            item_offset = cur.offset();
        }
        let in_item = stack.len() >= 2 && matches!(stack[1], Frame::Arr { items: true, .. });
        let unit_bytes = if in_item {
            cur.offset() - item_offset
        } else {
            cur.offset() - root_offset - streamed
        };
        if unit_bytes > max_unit || spans.len() >= limits.max_nodes {
            return Err(NotJson);
        }
        let mut value = match cur.peek().ok_or(NotJson)? {
            b'{' => {
                if stack.len() >= limits.max_depth {
                    return Err(NotJson);
                }
                cur.bump();
                spans.push(at);
                cur.skip_ws();
                if cur.peek() == Some(b'}') {
                    cur.bump();
                    Value::Object(Map::new())
                } else {
                    let (key, key_pos) = cur.key()?;
                    stack.push(Frame::Obj {
                        map: Map::new(),
                        key,
                        key_pos,
                    });
                    continue 'value;
                }
            }
            b'[' => {
                if stack.len() >= limits.max_depth {
                    return Err(NotJson);
                }
                cur.bump();
                spans.push(at);
                let items = stack.len() == 1
                    && matches!(&stack[0], Frame::Obj { key, .. } if key == "items");
                if items && list.is_none() {
                    list = Some(ListItems::new(0, root_pos));
                }
                cur.skip_ws();
                if cur.peek() == Some(b']') {
                    cur.bump();
                    Value::Array(Vec::new())
                } else {
                    stack.push(Frame::Arr {
                        vec: Vec::new(),
                        items,
                    });
                    continue 'value;
                }
            }
            b'"' => {
                spans.push(at);
                Value::String(cur.string()?)
            }
            b't' => {
                spans.push(at);
                cur.literal(b"true")?;
                Value::Bool(true)
            }
            b'f' => {
                spans.push(at);
                cur.literal(b"false")?;
                Value::Bool(false)
            }
            b'n' => {
                spans.push(at);
                cur.literal(b"null")?;
                Value::Null
            }
            b'-' | b'0'..=b'9' => {
                spans.push(at);
                cur.number()?
            }
            _ => return Err(NotJson),
        };
        // Hand the value to its parent, closing what it completes.
        loop {
            let depth = stack.len();
            match stack.last_mut() {
                None => break 'value value,
                Some(Frame::Obj { map, key, key_pos }) => {
                    if map.insert(std::mem::take(key), value).is_some() {
                        // Duplicate keys: the YAML reader's rules apply.
                        return Err(NotJson);
                    }
                    cur.skip_ws();
                    match cur.peek() {
                        Some(b',') => {
                            cur.bump();
                            let (k, p) = cur.key()?;
                            *key = k;
                            *key_pos = p;
                            continue 'value;
                        }
                        Some(b'}') => {
                            cur.bump();
                            let Some(Frame::Obj { map, .. }) = stack.pop() else {
                                unreachable!()
                            };
                            value = Value::Object(map);
                        }
                        _ => return Err(NotJson),
                    }
                }
                Some(Frame::Arr { vec, items }) => {
                    if *items && depth == 2 {
                        let item_spans = spans.split_off(item_start);
                        streamed += cur.offset() - item_offset;
                        let (Some(list), Frame::Obj { map, .. }) = (list.as_mut(), &stack[0])
                        else {
                            unreachable!()
                        };
                        list.item(value, item_spans, ListFields::of(map), emit);
                    } else {
                        vec.push(value);
                    }
                    cur.skip_ws();
                    match cur.peek() {
                        Some(b',') => {
                            cur.bump();
                            continue 'value;
                        }
                        Some(b']') => {
                            cur.bump();
                            let Some(Frame::Arr { vec, .. }) = stack.pop() else {
                                unreachable!()
                            };
                            value = Value::Array(vec);
                        }
                        _ => return Err(NotJson),
                    }
                }
            }
        }
    };
    cur.skip_ws();
    if cur.peek().is_some() {
        return Err(NotJson);
    }
    match (list, root) {
        (Some(mut list), Value::Object(map)) => list.finish(ListFields::of(&map), emit),
        (_, root) => emit.unit(Unit {
            doc: 0,
            item: None,
            value: root,
            spans: Some(Spans::new(spans)),
            root: root_pos,
        }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Stream, parse_stream};
    use proptest::prelude::*;

    /// (document, item, value, spans, position) of each unit emitted.
    type Emitted = (u32, Option<u32>, Value, Option<Spans>, Pos);

    #[derive(Default)]
    struct Collect(Vec<Emitted>);

    impl Emit for Collect {
        fn unit(&mut self, u: Unit) {
            self.0.push((u.doc, u.item, u.value, u.spans, u.root));
        }
        fn forget(&mut self, doc: u32) {
            self.0.retain(|u| u.0 != doc);
        }
        fn reset(&mut self) {
            self.0.clear();
        }
    }

    fn by_json(text: &str) -> Option<Collect> {
        let mut c = Collect::default();
        match parse(Some(text), None, Limits::default(), u64::MAX, &mut c) {
            Outcome::Done => Some(c),
            Outcome::NotJson => None,
        }
    }

    fn by_yaml(text: &str) -> Collect {
        let mut c = Collect::default();
        let issues = parse_stream(
            saphyr_parser::Parser::new_from_str(text),
            Limits::default(),
            Stream {
                emit: &mut c,
                max_unit: u64::MAX,
            },
        );
        assert!(issues.is_empty(), "{issues:?}");
        c
    }

    /// The JSON reader gives exactly what the YAML reader gives.
    fn same(text: &str) {
        let json = by_json(text).unwrap_or_else(|| panic!("not read as JSON: {text}"));
        let yaml = by_yaml(text);
        assert_eq!(json.0, yaml.0, "{text}");
    }

    #[test]
    fn values_and_positions_match_the_yaml_reader() {
        same(r#"{"a": 1, "b": [true, false, null], "c": {"d": "x"}}"#);
        same(
            "{\n  \"kind\": \"Pod\",\n  \"n\": [1.0, -0, 1e3, 2.5E-2, 12345678901234567890, 0.1],\n  \"s\": \"é😀 \\\" \\\\ \\/ \\n \\t \\u00e9 \\u0000\"\n}\n",
        );
        same("{\"e\": {}, \"f\": [], \"g\": [[], {}], \"h\": \"\"}");
        same("   \n{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}}}\n\n");
        // Lists: items one by one, typed lists filling apiVersion/kind.
        same(
            r#"{"apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}, {"kind": "Service", "metadata": {"name": "b"}}], "kind": "List", "metadata": {"resourceVersion": ""}}"#,
        );
        same(
            r#"{"kind": "PodList", "apiVersion": "v1", "items": [{"metadata": {"name": "a"}}, 7, "x"]}"#,
        );
        same(
            r#"{"items": [{"metadata": {"name": "a"}}, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}], "kind": "PodList", "apiVersion": "v2"}"#,
        );
        same(r#"{"items": [], "kind": "List"}"#);
        same(r#"{"items": {"a": 1}, "kind": "Thing"}"#);
    }

    #[test]
    fn what_json_does_not_say_alike_goes_to_the_yaml_reader() {
        for text in [
            "{\"a\": 1, \"a\": 2}",
            "{\"a\":\t1}",
            "{\"a\": 01}",
            "{\"a\": 1} # comment",
            "{\"a\": 1}\n---\n{\"b\": 2}",
            "{\"a\": \"\u{7f}\"}",
            "{\"a\": \"\\ud83d\\ude00\"}",
            "{\"a\": [1, 2,]}",
            "{\"a\": yes}",
            "{\"a\": 1",
        ] {
            assert!(by_json(text).is_none(), "{text}");
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-zA-Z0-9 é😀\"\\\\/<>:#-]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z<]{1,6}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_reads_as_the_yaml_reader_reads_it(
            v in arb_json(), items in prop::collection::vec(arb_json(), 0..4), pretty in any::<bool>()
        ) {
            let doc = serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "other": v});
            for root in [serde_json::json!({"x": v}), doc] {
                let text = if pretty {
                    serde_json::to_string_pretty(&root).unwrap()
                } else {
                    serde_json::to_string(&root).unwrap()
                };
                same(&text);
            }
        }
    }

    /// Every JSON file of the shared corpus reads alike (when it is there).
    #[test]
    fn corpus_json_reads_alike() {
        let root = std::env::var_os("EKSGUARD_SHARED")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared")
            })
            .join("k8s-corpus");
        let mut stack = vec![root];
        let mut n = 0;
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "json")
                    && let Ok(text) = std::fs::read_to_string(&p)
                    && looks_like_json(&text)
                    && let Some(json) = by_json(&text)
                {
                    let mut yaml = Collect::default();
                    let issues = parse_stream(
                        saphyr_parser::Parser::new_from_str(&text),
                        Limits::default(),
                        Stream {
                            emit: &mut yaml,
                            max_unit: u64::MAX,
                        },
                    );
                    assert!(issues.is_empty(), "{}: {issues:?}", p.display());
                    assert_eq!(json.0, yaml.0, "{}", p.display());
                    n += 1;
                }
            }
        }
        eprintln!("{n} corpus JSON files read alike");
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    #[derive(Default)]
    struct Count(usize);
    impl Emit for Count {
        fn unit(&mut self, _: Unit) {
            self.0 += 1;
        }
        fn forget(&mut self, _: u32) {}
        fn reset(&mut self) {
            self.0 = 0;
        }
    }

    #[test]
    fn a_stream_in_small_chunks_reads_as_json() {
        let items: Vec<String> = (0..3000)
            .map(|i| format!("{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"p{i}é\"}}, \"n\": [1.5, -2, null, true]}}"))
            .collect();
        let text = format!(
            "{{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n{}\n    ],\n    \"kind\": \"List\"\n}}\n",
            items.join(",\n")
        );
        for chunk in [7usize, 1000, 1 << 20] {
            let mut reader = Reader::new(Box::new(std::io::Cursor::new(text.clone().into_bytes())));
            reader.set_chunk(chunk);
            let mut head = String::new();
            assert!(reader.next_chunk(&mut head));
            let mut c = Count::default();
            let out = parse(
                Some(&head),
                Some(&mut reader),
                Limits::default(),
                u64::MAX,
                &mut c,
            );
            assert!(matches!(out, Outcome::Done), "chunk {chunk}");
            assert_eq!(c.0, 3000);
        }
    }
}
