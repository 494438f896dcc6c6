//! Reads Kubernetes manifests and `kubectl get -o json|yaml` dumps.
//!
//! Every object keeps its file, document index, line and column, and the
//! position of every field (see [`eksguard_core::Spans`]). Bad input never
//! stops the read: each problem becomes an [`InputError`] naming the input and
//! position, and the documents around it are still returned.
//!
//! ```no_run
//! let (inputs, errors) = eksguard_files::discover(&["manifests/".into()]);
//! for input in &inputs {
//!     let file = eksguard_files::load(input, &Default::default());
//!     println!("{}: {} objects, {} errors", input, file.objects.len(), file.errors.len());
//! }
//! ```

mod discover;
pub mod yaml;

pub use discover::{IMAGE_REPORTS_DIR, Input, discover};
pub use yaml::{Document, Limits, ParseIssue, Parsed};

use eksguard_core::{InputError, JsonPath, Object, Source, Spans};
use serde_json::Value;
use std::io::Read;
use std::sync::Arc;

/// Knobs for reading inputs.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Files larger than this are refused with an error.
    pub max_file_size: u64,
    pub limits: Limits,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_file_size: 64 * 1024 * 1024,
            limits: Limits::default(),
        }
    }
}

/// What one input yielded.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    pub errors: Vec<InputError>,
}

/// Reads one input: a file, stdin, or a kustomization rendered by kubectl.
pub fn load(input: &Input, opts: &ReadOptions) -> Loaded {
    let name = input.to_string();
    let bytes = match read_input(input, opts) {
        Ok(b) => b,
        Err(e) => {
            return Loaded {
                objects: Vec::new(),
                errors: vec![e],
            };
        }
    };
    load_bytes(&name, &bytes).with_limits(opts.limits).finish()
}

fn read_input(input: &Input, opts: &ReadOptions) -> Result<Vec<u8>, InputError> {
    let name = input.to_string();
    match input {
        Input::File(path) => {
            let meta = std::fs::metadata(path)
                .map_err(|e| InputError::error(&name, format!("cannot read: {e}")))?;
            if meta.len() > opts.max_file_size {
                return Err(InputError::error(
                    &name,
                    format!(
                        "file is {} bytes, above the {}-byte limit; split it or raise --max-file-size",
                        meta.len(),
                        opts.max_file_size
                    ),
                ));
            }
            std::fs::read(path).map_err(|e| InputError::error(&name, format!("cannot read: {e}")))
        }
        Input::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .take(opts.max_file_size + 1)
                .read_to_end(&mut buf)
                .map_err(|e| InputError::error(&name, format!("cannot read stdin: {e}")))?;
            if buf.len() as u64 > opts.max_file_size {
                return Err(InputError::error(
                    &name,
                    format!(
                        "stdin is above the {}-byte limit; raise --max-file-size",
                        opts.max_file_size
                    ),
                ));
            }
            Ok(buf)
        }
        Input::Kustomize(dir) => discover::render_kustomization(dir),
    }
}

/// Builder for parsing bytes already in memory (stdin, webhook bodies, tests).
pub struct BytesLoad<'a> {
    name: &'a str,
    bytes: &'a [u8],
    limits: Limits,
}

pub fn load_bytes<'a>(name: &'a str, bytes: &'a [u8]) -> BytesLoad<'a> {
    BytesLoad {
        name,
        bytes,
        limits: Limits::default(),
    }
}

impl BytesLoad<'_> {
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn finish(self) -> Loaded {
        let mut out = Loaded::default();
        let text = match decode_text(self.name, self.bytes) {
            Ok(t) => t,
            Err(e) => {
                out.errors.push(e);
                return out;
            }
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
        let parsed = yaml::parse(text, self.limits);
        let file: Arc<str> = Arc::from(self.name);
        for issue in parsed.issues {
            out.errors.push(
                InputError::error(self.name, issue.message).at(issue.pos.line, issue.pos.column),
            );
        }
        for doc in parsed.documents {
            documents_to_objects(&file, doc, &mut out);
        }
        out
    }
}

/// Checks the bytes are text: no NUL (binary junk), valid UTF-8, BOM removed.
fn decode_text<'b>(name: &str, bytes: &'b [u8]) -> Result<&'b str, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let (line, col) = line_col(&bytes[..at]);
        return Err(InputError::error(
            name,
            format!("binary data (NUL byte at offset {at}); expected YAML or JSON text"),
        )
        .at(line, col));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let (line, col) = line_col(&bytes[..at]);
        InputError::error(
            name,
            format!("not UTF-8 text (invalid byte at offset {at}); expected YAML or JSON"),
        )
        .at(line, col)
    })
}

fn line_col(prefix: &[u8]) -> (u32, u32) {
    let line = prefix.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let col = prefix.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
    (line, col)
}

fn documents_to_objects(file: &Arc<str>, doc: Document, out: &mut Loaded) {
    let root = doc.spans.root().unwrap_or_default();
    let source = Source {
        file: file.clone(),
        document: doc.index,
        item: None,
        line: root.line,
        column: root.column,
    };
    match &doc.value {
        Value::Null => {}
        Value::Object(m) if is_list(m) => {
            let list_api = m
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("v1")
                .to_owned();
            let list_kind = m
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("List")
                .to_owned();
            // Items are contiguous in pre-order: walk them once, in order.
            let mut offset =
                Spans::offset_of(&doc.value, &JsonPath::keys(&["items"])).map(|o| o + 1);
            let Value::Object(mut map) = doc.value else {
                return;
            };
            let Some(Value::Array(items)) = map.remove("items") else {
                return;
            };
            for (i, mut item) in items.into_iter().enumerate() {
                let n = eksguard_core::node_count(&item);
                let ispans = offset.and_then(|o| doc.spans.slice(o, n));
                offset = offset.map(|o| o + n);
                let pos = ispans.as_ref().and_then(Spans::root).unwrap_or(root);
                // Raw API lists omit each item's apiVersion/kind.
                if let Value::Object(im) = &mut item {
                    if !im.contains_key("apiVersion") {
                        im.insert("apiVersion".into(), Value::String(list_api.clone()));
                    }
                    if !im.contains_key("kind") && list_kind != "List" {
                        let k = list_kind.trim_end_matches("List").to_owned();
                        im.insert("kind".into(), Value::String(k));
                    }
                }
                let src = Source {
                    item: Some(i as u32),
                    line: pos.line,
                    column: pos.column,
                    ..source.clone()
                };
                push_object(file, item, ispans, src, out);
            }
        }
        _ => push_object(file, doc.value, Some(doc.spans), source, out),
    }
}

fn push_object(
    file: &Arc<str>,
    value: Value,
    spans: Option<Spans>,
    source: Source,
    out: &mut Loaded,
) {
    let (line, col) = (source.line, source.column);
    let no_identity = value
        .as_object()
        .is_some_and(|m| !m.contains_key("apiVersion") && !m.contains_key("kind"));
    match Object::from_value(value, spans, source) {
        Ok(o) => out.objects.push(o),
        Err(msg) if no_identity => out.errors.push(
            InputError::warning(
                file.as_ref(),
                format!("skipped: {msg} (not a Kubernetes object)"),
            )
            .at(line, col),
        ),
        Err(msg) => out
            .errors
            .push(InputError::error(file.as_ref(), msg).at(line, col)),
    }
}

fn is_list(m: &serde_json::Map<String, Value>) -> bool {
    let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
    kind.ends_with("List") && m.get("items").is_some_and(Value::is_array)
}
