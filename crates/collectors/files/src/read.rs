//! Reading one input into objects, as they complete.
//!
//! Inputs up to [`text::WHOLE_UP_TO`] are read whole; larger ones (and
//! standard input beyond that) are read as a stream. Either way the parsers
//! hand over one unit at a time (a document, or one item of a list), each
//! unit becomes an [`Object`] and goes to the caller's `each` at once, and
//! only what `each` returns is kept: memory is bounded by the largest unit
//! plus what the caller keeps. Units of a document that later turns out
//! invalid (a syntax error further down, an alias bomb) are dropped, as are
//! all of an input's units when its text is not text (binary data, invalid
//! UTF-8 further down), so the result is the same as reading it whole.
//!
//! A large streamed input is parsed on a thread of its own while `each`
//! runs on the caller's thread and the rayon pool.

use crate::emit::{Emit, Unit};
use crate::text::{self, Chars, Origin, Reader, StdinText};
use crate::yaml::{self, Limits, ParseIssue};
use crate::{Input, ReadOptions, json};
use eksguard_core::{InputError, Object, Source, Spans};
use rayon::prelude::*;
use std::io::Read;
use std::sync::Arc;
use std::sync::mpsc;

/// What one input yielded: what `each` made of its objects, in input
/// order, and the input errors.
#[derive(Debug)]
pub struct LoadedWith<T> {
    pub items: Vec<T>,
    pub errors: Vec<InputError>,
}

impl<T> Default for LoadedWith<T> {
    fn default() -> Self {
        LoadedWith {
            items: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// The text of an input.
pub(crate) enum Text {
    Whole(Vec<u8>),
    Stream { origin: Origin, first: Reader },
}

/// Opens a file or standard input for reading.
pub(crate) fn open(input: &Input) -> Result<Text, InputError> {
    let name = input.to_string();
    match input {
        Input::File(path) => {
            let meta = std::fs::metadata(path)
                .map_err(|e| InputError::error(&name, format!("cannot read: {e}")))?;
            if meta.len() <= text::WHOLE_UP_TO {
                return std::fs::read(path)
                    .map(Text::Whole)
                    .map_err(|e| InputError::error(&name, format!("cannot read: {e}")));
            }
            let mut origin = Origin::File(path.clone());
            let first = origin
                .open()
                .map_err(|e| InputError::error(&name, format!("cannot read: {e}")))?;
            Ok(Text::Stream {
                origin,
                first: Reader::new(first),
            })
        }
        Input::Stdin => match text::read_stdin() {
            Ok(StdinText::Whole(b)) => Ok(Text::Whole(b)),
            Ok(StdinText::Stream {
                prefix,
                spool,
                rest,
            }) => Ok(Text::Stream {
                origin: Origin::Stdin { spool, rest: true },
                first: Reader::new(Box::new(std::io::Cursor::new(prefix).chain(rest))),
            }),
            Err(e) => Err(InputError::error(&name, format!("cannot read stdin: {e}"))),
        },
        // Rendered by `crate::load`.
        _ => Ok(Text::Whole(Vec::new())),
    }
}

/// Parses `text`, handing units to `emit`; returns the input errors of the
/// text itself (syntax, limits, binary data). `max_unit` bounds each
/// document or list item, in bytes.
pub(crate) fn parse(
    name: &str,
    text: Text,
    limits: Limits,
    max_unit: u64,
    emit: &mut dyn Emit,
) -> Vec<InputError> {
    match text {
        Text::Whole(bytes) => parse_whole(name, &bytes, limits, max_unit, emit),
        Text::Stream { origin, first } => parse_stream(name, origin, first, limits, max_unit, emit),
    }
}

fn issues_to_errors(name: &str, issues: Vec<ParseIssue>) -> Vec<InputError> {
    issues
        .into_iter()
        .map(|i| InputError::error(name, i.message).at(i.pos.line, i.pos.column))
        .collect()
}

fn parse_whole(
    name: &str,
    bytes: &[u8],
    limits: Limits,
    max_unit: u64,
    emit: &mut dyn Emit,
) -> Vec<InputError> {
    let text = match crate::decode_text(name, bytes) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    // YAML normalises line breaks in scalars to LF; doing it up front
    // keeps line numbers and avoids saphyr rejecting CRLF inside quoted
    // multi-line scalars, which kubectl (go-yaml) reads fine.
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n");
        normalized.as_str()
    } else {
        text
    };
    if json::looks_like_json(text) {
        match json::parse(Some(text), None, limits, max_unit, emit) {
            json::Outcome::Done => return Vec::new(),
            json::Outcome::NotJson => emit.reset(),
        }
    }
    let issues = yaml::parse_with_retries(text, |t| {
        emit.reset();
        yaml::parse_stream(
            saphyr_parser::Parser::new_from_str(t),
            limits,
            yaml::Stream {
                emit: &mut *emit,
                max_unit,
            },
        )
    });
    issues_to_errors(name, issues)
}

fn parse_stream(
    name: &str,
    mut origin: Origin,
    mut first: Reader,
    limits: Limits,
    max_unit: u64,
    emit: &mut dyn Emit,
) -> Vec<InputError> {
    let stopped = |r: &Reader, emit: &mut dyn Emit| -> Option<Vec<InputError>> {
        if let Some(e) = &r.error {
            emit.reset();
            return Some(vec![
                InputError::error(name, e.message.clone()).at(e.line, e.column),
            ]);
        }
        if let Some(e) = &r.io_error {
            emit.reset();
            return Some(vec![InputError::error(name, format!("cannot read: {e}"))]);
        }
        None
    };
    // Peek at the first chunk: JSON or YAML?
    let mut head = String::new();
    while head.trim_start().is_empty() && first.next_chunk(&mut head) {}
    if let Some(errors) = stopped(&first, emit) {
        return errors;
    }
    if json::looks_like_json(&head) {
        let outcome = json::parse(Some(&head), Some(&mut first), limits, max_unit, emit);
        if let Some(errors) = stopped(&first, emit) {
            return errors;
        }
        match outcome {
            json::Outcome::Done => return Vec::new(),
            json::Outcome::NotJson => emit.reset(),
        }
        first = match origin.open() {
            Ok(r) => Reader::new(r),
            Err(e) => return vec![InputError::error(name, format!("cannot read: {e}"))],
        };
        head.clear();
    }
    // The YAML reader reads characters: the head first, then the rest.
    let mut chars = Chars::new(&mut first);
    let issues = {
        let iter = head.chars().chain(&mut chars);
        yaml::parse_stream(
            saphyr_parser::Parser::new_from_iter(iter),
            limits,
            yaml::Stream {
                emit: &mut *emit,
                max_unit,
            },
        )
    };
    drop(chars);
    if let Some(errors) = stopped(&first, emit) {
        return errors;
    }
    issues_to_errors(name, issues)
}

/// A unit as an object, or why it is not one.
pub(crate) fn unit_to_object(file: &Arc<str>, unit: Unit) -> Result<Object, InputError> {
    let pos = unit
        .spans
        .as_ref()
        .and_then(Spans::root)
        .unwrap_or(unit.root);
    let source = Source {
        file: file.clone(),
        document: unit.doc,
        item: unit.item,
        line: pos.line,
        column: pos.column,
    };
    let (line, col) = (source.line, source.column);
    let no_identity = unit
        .value
        .as_object()
        .is_some_and(|m| !m.contains_key("apiVersion") && !m.contains_key("kind"));
    Object::from_value(unit.value, unit.spans, source).map_err(|msg| {
        if no_identity {
            InputError::warning(
                file.as_ref(),
                format!("skipped: {msg} (not a Kubernetes object)"),
            )
            .at(line, col)
        } else {
            InputError::error(file.as_ref(), msg).at(line, col)
        }
    })
}

/// Objects (or their errors) of the documents read so far, in order.
struct Pending<T> {
    doc: u32,
    result: Result<T, InputError>,
}

/// Turns units into `each`'s results as they arrive; forgets those of
/// documents that turn out invalid.
struct Gather<'f, T> {
    file: Arc<str>,
    each: &'f (dyn Fn(Object) -> T + Sync),
    pending: Vec<Pending<T>>,
}

impl<T> Gather<'_, T> {
    fn forget(&mut self, doc: u32) {
        // Units come in document order: the document's are at the end.
        while self.pending.last().is_some_and(|p| p.doc == doc) {
            self.pending.pop();
        }
    }

    fn convert(&self, unit: Unit) -> Pending<T> {
        convert(&self.file, self.each, unit)
    }

    fn finish(self, mut errors: Vec<InputError>) -> LoadedWith<T> {
        let mut items = Vec::with_capacity(self.pending.len());
        for p in self.pending {
            match p.result {
                Ok(t) => items.push(t),
                Err(e) => errors.push(e),
            }
        }
        LoadedWith { items, errors }
    }
}

impl<T> Emit for Gather<'_, T> {
    fn unit(&mut self, unit: Unit) {
        let p = self.convert(unit);
        self.pending.push(p);
    }

    fn forget(&mut self, doc: u32) {
        Gather::forget(self, doc);
    }

    fn reset(&mut self) {
        self.pending.clear();
    }
}

fn convert<T>(file: &Arc<str>, each: &(dyn Fn(Object) -> T + Sync), unit: Unit) -> Pending<T> {
    let doc = unit.doc;
    Pending {
        doc,
        result: unit_to_object(file, unit).map(each),
    }
}

/// What the parser thread sends.
enum Msg {
    Unit(Unit),
    Forget(u32),
    Reset,
}

/// Sends units in batches to the consumer.
struct Sender {
    tx: mpsc::SyncSender<Vec<Msg>>,
    batch: Vec<Msg>,
}

const BATCH: usize = 64;

impl Sender {
    fn push(&mut self, m: Msg) {
        self.batch.push(m);
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            // A closed channel means the consumer is gone: nothing to do.
            let _ = self.tx.send(std::mem::take(&mut self.batch));
        }
    }
}

impl Emit for Sender {
    fn unit(&mut self, unit: Unit) {
        self.push(Msg::Unit(unit));
    }

    fn forget(&mut self, doc: u32) {
        self.push(Msg::Forget(doc));
    }

    fn reset(&mut self) {
        self.push(Msg::Reset);
    }
}

/// Reads one input, turning each object into `each(object)` as soon as it
/// is read.
pub fn load_with<T: Send>(
    input: &Input,
    opts: &ReadOptions,
    each: &(dyn Fn(Object) -> T + Sync),
) -> LoadedWith<T> {
    if !matches!(input, Input::File(_) | Input::Stdin) {
        // Rendered output (kustomize, Helm): in memory already.
        let loaded = crate::load(input, opts);
        return LoadedWith {
            items: loaded.objects.into_par_iter().map(each).collect(),
            errors: loaded.errors,
        };
    }
    let name = input.to_string();
    let text = match open(input) {
        Ok(t) => t,
        Err(e) => {
            return LoadedWith {
                items: Vec::new(),
                errors: vec![e],
            };
        }
    };
    let mut gather = Gather {
        file: Arc::from(name.as_str()),
        each,
        pending: Vec::new(),
    };
    let (limits, max_unit) = (opts.limits, opts.max_file_size);
    let errors = match text {
        Text::Whole(_) => parse(&name, text, limits, max_unit, &mut gather),
        Text::Stream { .. } => std::thread::scope(|s| {
            let (tx, rx) = mpsc::sync_channel::<Vec<Msg>>(8);
            let name = name.as_str();
            let parser = s.spawn(move || {
                let mut sender = Sender {
                    tx,
                    batch: Vec::with_capacity(BATCH),
                };
                let errors = parse(name, text, limits, max_unit, &mut sender);
                sender.flush();
                errors
            });
            for batch in rx {
                let mut run: Vec<Unit> = Vec::new();
                for m in batch {
                    match m {
                        Msg::Unit(u) => run.push(u),
                        other => {
                            gather_run(&mut gather, std::mem::take(&mut run));
                            match other {
                                Msg::Forget(d) => gather.forget(d),
                                Msg::Reset => gather.pending.clear(),
                                Msg::Unit(_) => unreachable!(),
                            }
                        }
                    }
                }
                gather_run(&mut gather, run);
            }
            parser
                .join()
                .unwrap_or_else(|_| vec![InputError::error(name, "the reader failed (panic)")])
        }),
    };
    gather.finish(errors)
}

/// Converts a run of units on the rayon pool, keeping their order.
fn gather_run<T: Send>(gather: &mut Gather<'_, T>, run: Vec<Unit>) {
    if run.is_empty() {
        return;
    }
    let (file, each) = (&gather.file, gather.each);
    let done: Vec<Pending<T>> = run
        .into_par_iter()
        .map(|u| convert(file, each, u))
        .collect();
    gather.pending.extend(done);
}

/// Reads text already in memory (`load_bytes`).
pub(crate) fn load_whole(name: &str, bytes: &[u8], limits: Limits) -> crate::Loaded {
    let mut gather = Gather {
        file: Arc::from(name),
        each: &|o| o,
        pending: Vec::new(),
    };
    let errors = parse_whole(name, bytes, limits, u64::MAX, &mut gather);
    let l = gather.finish(errors);
    crate::Loaded {
        objects: l.items,
        errors: l.errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list of `n` pods as `kubectl get -o json` prints it (items first).
    fn dump(n: usize) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "{{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {{\"name\": \"p{i}\", \"namespace\": \"ns{}\", \"labels\": {{\"app\": \"a{}\"}}}},\n  \"spec\": {{\"containers\": [{{\"name\": \"c\", \"image\": \"nginx:1.{i}\", \"securityContext\": {{\"privileged\": {}}}}}]}},\n  \"status\": {{\"phase\": \"Running\", \"podIP\": \"10.0.{}.{}\"}}\n}}",
                    i % 7,
                    i % 3,
                    i % 2 == 0,
                    i / 250,
                    i % 250
                )
            })
            .collect();
        format!(
            "{{\n\"apiVersion\": \"v1\",\n\"items\": [\n{}\n],\n\"kind\": \"List\",\n\"metadata\": {{\"resourceVersion\": \"\"}}\n}}\n",
            items.join(",\n")
        )
    }

    fn summary(objects: &[Object]) -> Vec<String> {
        objects
            .iter()
            .map(|o| {
                format!(
                    "{} {:?} {}:{} {:?} {}",
                    o.name,
                    o.source.item,
                    o.source.line,
                    o.source.column,
                    o.spans.as_ref().map(|s| s.len()),
                    o.raw
                )
            })
            .collect()
    }

    fn file_with(text: &[u8]) -> (tempfile::TempDir, Input) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("dump.json");
        std::fs::write(&p, text).unwrap();
        (dir, Input::File(p))
    }

    #[test]
    fn a_streamed_dump_reads_as_the_same_dump_in_memory() {
        let text = dump(2_000);
        assert!(text.len() as u64 > text::WHOLE_UP_TO, "{}", text.len());
        let whole = crate::load_bytes("dump.json", text.as_bytes()).finish();
        assert_eq!(whole.objects.len(), 2_000);
        let (dir, input) = file_with(text.as_bytes());
        let streamed = crate::load(&input, &ReadOptions::default());
        assert_eq!(streamed.errors, whole.errors);
        let name = input.to_string();
        assert_eq!(streamed.objects.len(), whole.objects.len());
        assert!(streamed.objects.iter().all(|o| *o.source.file == *name));
        // Same objects, positions and spans; only the file name differs.
        assert_eq!(summary(&streamed.objects), summary(&whole.objects));
        drop(dir);
    }

    #[test]
    fn a_streamed_dump_broken_at_the_end_yields_no_objects() {
        let mut text = dump(2_000);
        text.truncate(text.len() - 40);
        let whole = crate::load_bytes("x", text.as_bytes()).finish();
        let (_dir, input) = file_with(text.as_bytes());
        let streamed = crate::load(&input, &ReadOptions::default());
        assert!(whole.objects.is_empty() && streamed.objects.is_empty());
        let msgs = |l: &crate::Loaded| {
            l.errors
                .iter()
                .map(|e| (e.message.clone(), e.line, e.column))
                .collect::<Vec<_>>()
        };
        assert_eq!(msgs(&streamed), msgs(&whole));
        assert!(!streamed.errors.is_empty());
        // Binary data at the end: the whole input is refused, as in memory.
        let mut bin = dump(2_000).into_bytes();
        bin.extend_from_slice(b"\n\0");
        let whole = crate::load_bytes("x", &bin).finish();
        let (_dir, input) = file_with(&bin);
        let streamed = crate::load(&input, &ReadOptions::default());
        assert!(streamed.objects.is_empty());
        assert_eq!(msgs(&streamed), msgs(&whole));
    }

    #[test]
    fn a_large_yaml_list_is_read_item_by_item() {
        let mut text = String::from("apiVersion: v1\nkind: PodList\nitems:\n");
        for i in 0..5_000 {
            text.push_str(&format!(
                "- metadata:\n    name: p{i}\n    namespace: ns\n  spec:\n    containers:\n    - name: c\n      image: nginx:1.{i}\n"
            ));
        }
        assert!(text.len() as u64 > text::WHOLE_UP_TO);
        let whole = crate::load_bytes("dump.json", text.as_bytes()).finish();
        let (_dir, input) = file_with(text.as_bytes());
        let streamed = crate::load(&input, &ReadOptions::default());
        assert!(
            whole.errors.is_empty() && streamed.errors.is_empty(),
            "{:?}",
            streamed.errors
        );
        assert_eq!(streamed.objects.len(), 5_000);
        assert_eq!(streamed.objects[4_999].kind, "Pod");
        assert_eq!(summary(&streamed.objects), summary(&whole.objects));
    }

    #[test]
    fn a_list_far_above_the_node_budget_is_read_but_an_item_bomb_is_not() {
        let limits = Limits {
            max_nodes: 2_000,
            max_depth: 64,
        };
        let text = dump(1_000);
        let l = crate::load_bytes("x", text.as_bytes())
            .with_limits(limits)
            .finish();
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert_eq!(l.objects.len(), 1_000);
        let mut bomb =
            String::from("kind: List\nitems:\n- a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..6 {
            let prev = format!("*a{}", i - 1);
            bomb.push_str(&format!(
                "  a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        let l = crate::load_bytes("x", bomb.as_bytes())
            .with_limits(limits)
            .finish();
        assert!(l.objects.is_empty());
        assert!(l.errors[0].message.contains("alias bomb"), "{:?}", l.errors);
    }

    #[test]
    fn documents_and_items_above_the_size_limit_are_refused() {
        let text = dump(2_000);
        let (_dir, input) = file_with(text.as_bytes());
        let opts = ReadOptions {
            max_file_size: 1_000,
            ..Default::default()
        };
        // Every item is below 1,000 bytes: the list is read.
        let l = crate::load(&input, &opts);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert_eq!(l.objects.len(), 2_000);
        let opts = ReadOptions {
            max_file_size: 100,
            ..Default::default()
        };
        let l = crate::load(&input, &opts);
        assert!(l.objects.is_empty());
        assert!(
            l.errors[0].message.contains("100-byte limit"),
            "{:?}",
            l.errors
        );
    }
}
