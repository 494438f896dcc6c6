//! Input decoding: from bytes (plain, gzip or base64) to event texts.
//!
//! Every format ends up as a sequence of [`Rec`]ords, one per audit event
//! text, each with its position, so the pipeline treats a JSON-lines file and
//! a CloudWatch export alike. JSON lines stream with a per-line cap; the
//! document formats (EventList, `filter-log-events` output, subscription
//! payloads) are read whole up to a document cap, as they are by nature.

use crate::error::Error;
use flate2::read::MultiGzDecoder;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};

/// How an input is encoded. `Auto` sniffs the first bytes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum InputFormat {
    #[default]
    Auto,
    /// One `audit.k8s.io/v1` `Event` per line (the API server's log file).
    JsonLines,
    /// One `EventList` document (or a bare JSON array of events).
    EventList,
    /// `aws logs filter-log-events` output: `{"events":[{"message":...}]}`,
    /// one or more pages.
    FilterLogEvents,
    /// CloudWatch Logs subscription payloads: JSON documents with
    /// `logEvents[].message`, optionally gzip and/or base64 encoded; several
    /// may be concatenated (`}{`) or one per line, as Firehose writes them
    /// to S3.
    Subscription,
    /// CloudWatch Logs subscription events as Lambda receives them (a saved
    /// test event): `{"awslogs":{"data":"<base64 of gzip of the
    /// subscription payload>"}}`, one or more. Undecodable data fails the
    /// input with the event's line, never reads as empty.
    LambdaEvent,
}

impl std::str::FromStr for InputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "auto" => InputFormat::Auto,
            "jsonl" | "json-lines" => InputFormat::JsonLines,
            "eventlist" | "event-list" => InputFormat::EventList,
            "filter-log-events" | "cloudwatch" => InputFormat::FilterLogEvents,
            "subscription" | "firehose" => InputFormat::Subscription,
            "lambda-event" | "lambda" => InputFormat::LambdaEvent,
            other => {
                return Err(format!(
                    "unknown input format `{other}` (expected auto, jsonl, eventlist, filter-log-events, subscription or lambda-event)"
                ));
            }
        })
    }
}

/// Size caps that keep one bad input from exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longer JSON lines are counted as unparseable and skipped.
    pub max_line_bytes: usize,
    /// Larger whole documents (after decompression) fail the input.
    pub max_document_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 4 << 20,
            max_document_bytes: 512 << 20,
        }
    }
}

/// Where a record came from: the line it starts on (1-based, 0 when
/// unknown) and, inside a document, the index of the event in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<u64>,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.item {
            Some(i) if self.line > 0 => write!(f, "line {} event {}", self.line, i),
            Some(i) => write!(f, "event {i}"),
            None => write!(f, "line {}", self.line),
        }
    }
}

pub(crate) enum Rec<'t> {
    Text(&'t str, Position),
    Bad(Position, String),
    Control,
}

/// Where decoded records go. JSON lines are read straight into the
/// consumer's buffer (no intermediate copy; UTF-8 is checked later, in
/// parallel); other formats hand over [`Rec`]s.
pub(crate) trait Records {
    fn rec(&mut self, rec: Rec<'_>);
    /// The buffer the next line is appended to.
    fn buffer(&mut self) -> &mut Vec<u8>;
    /// The bytes appended to [`Records::buffer`] from `start` on are one
    /// line (untrimmed, possibly empty).
    fn line(&mut self, start: usize, pos: Position);
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decodes `reader` and hands each record to `emit`. Returns the format
/// used (useful when it was sniffed).
pub(crate) fn decode(
    name: &str,
    reader: impl Read,
    format: InputFormat,
    limits: Limits,
    out: &mut dyn Records,
) -> Result<InputFormat, Error> {
    let io = |source| Error::Io {
        input: name.to_string(),
        line: 0,
        source,
    };
    let mut r = BufReader::with_capacity(256 << 10, reader);
    let head = r.fill_buf().map_err(io)?;
    if head.starts_with(&GZIP_MAGIC) {
        let gz = BufReader::with_capacity(256 << 10, MultiGzDecoder::new(r));
        return decode_plain(name, gz, format, limits, out);
    }
    decode_plain(name, r, format, limits, out)
}

fn decode_plain(
    name: &str,
    mut r: impl BufRead,
    format: InputFormat,
    limits: Limits,
    out: &mut dyn Records,
) -> Result<InputFormat, Error> {
    let emit = &mut |rec: Rec<'_>| out.rec(rec);
    let format = match format {
        InputFormat::Auto => {
            let head = r.fill_buf().map_err(|source| Error::Io {
                input: name.to_string(),
                line: 0,
                source,
            })?;
            sniff(head)
        }
        f => f,
    };
    match format {
        InputFormat::Auto | InputFormat::JsonLines => json_lines(name, r, limits, out)?,
        InputFormat::EventList => {
            let doc = read_whole(name, r, limits)?;
            event_list(&doc, emit);
        }
        InputFormat::FilterLogEvents => {
            let doc = read_whole(name, r, limits)?;
            filter_log_events(&doc, emit);
        }
        InputFormat::Subscription => {
            let doc = read_whole(name, r, limits)?;
            let doc = unwrap_payload(name, doc, limits)?;
            if sniff(&doc) == InputFormat::LambdaEvent {
                // The Lambda envelope around a payload: not zero events.
                lambda_events(name, &doc, limits, emit)?;
            } else {
                subscription_docs(&doc, emit);
            }
        }
        InputFormat::LambdaEvent => {
            let doc = read_whole(name, r, limits)?;
            lambda_events(name, &doc, limits, emit)?;
        }
    }
    Ok(format)
}

/// Guesses the format from the first buffered bytes.
pub(crate) fn sniff(head: &[u8]) -> InputFormat {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 << 10)]);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') {
        return InputFormat::EventList;
    }
    if !t.starts_with('{') {
        // A base64 subscription payload: gzip's magic encodes as `H4sI`.
        if t.starts_with("H4sI") || t.starts_with("eyJ") {
            return InputFormat::Subscription;
        }
        return InputFormat::JsonLines;
    }
    let first_key = t[1..].trim_start();
    if first_key.starts_with("\"events\"") {
        return InputFormat::FilterLogEvents;
    }
    if first_key.starts_with("\"awslogs\"") {
        return InputFormat::LambdaEvent;
    }
    let first_line = t.lines().next().unwrap_or("");
    let compact = |s: &str| s.replace([' ', '\n', '\r', '\t'], "");
    let probe = compact(&t[..t.len().min(4096)]);
    if probe.contains("\"logEvents\":") || probe.contains("\"messageType\":") {
        return InputFormat::Subscription;
    }
    if probe.contains("\"kind\":\"EventList\"")
        && !compact(first_line).contains("\"kind\":\"Event\"")
    {
        return InputFormat::EventList;
    }
    InputFormat::JsonLines
}

fn json_lines(
    name: &str,
    mut r: impl BufRead,
    limits: Limits,
    out: &mut dyn Records,
) -> Result<(), Error> {
    let mut line = 0u64;
    loop {
        line += 1;
        let cap = limits.max_line_bytes as u64 + 1;
        let buf = out.buffer();
        let start = buf.len();
        let n = (&mut r)
            .take(cap)
            .read_until(b'\n', buf)
            .map_err(|source| Error::Io {
                input: name.to_string(),
                line,
                source,
            })?;
        if n == 0 {
            return Ok(());
        }
        let pos = Position { line, item: None };
        if buf.last() != Some(&b'\n') && n as u64 == cap {
            // Over the cap: drop what was read and skip to the end of the
            // line without buffering it.
            buf.truncate(start);
            r.skip_until(b'\n').map_err(|source| Error::Io {
                input: name.to_string(),
                line,
                source,
            })?;
            out.rec(Rec::Bad(
                pos,
                format!("line longer than {} bytes", limits.max_line_bytes),
            ));
            continue;
        }
        out.line(start, pos);
    }
}

fn read_whole(name: &str, r: impl Read, limits: Limits) -> Result<Vec<u8>, Error> {
    let mut doc = Vec::new();
    r.take(limits.max_document_bytes as u64 + 1)
        .read_to_end(&mut doc)
        .map_err(|source| Error::Io {
            input: name.to_string(),
            line: 0,
            source,
        })?;
    if doc.len() > limits.max_document_bytes {
        return Err(Error::TooLarge {
            input: name.to_string(),
            limit: limits.max_document_bytes,
        });
    }
    Ok(doc)
}

/// Maps byte offsets to 1-based line numbers, counting newlines only once
/// for offsets that move forward (they do, as documents are read in order).
struct Lines<'d> {
    doc: &'d [u8],
    pos: usize,
    line: u64,
}

impl<'d> Lines<'d> {
    fn new(doc: &'d [u8]) -> Self {
        Lines {
            doc,
            pos: 0,
            line: 1,
        }
    }
    fn at(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.doc.len());
        if offset < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.doc[self.pos..offset]).count() as u64;
        self.pos = offset;
        self.line
    }
}

/// Runs `each` over the JSON documents in `doc` (concatenated, newline- or
/// whitespace-separated). After a syntax error it resumes at the next line
/// so one bad document does not hide the rest.
fn documents<'d, T: Deserialize<'d>>(
    doc: &'d [u8],
    emit: &mut dyn FnMut(Rec<'_>),
    mut each: impl FnMut(T, u64, &mut dyn FnMut(Rec<'_>)),
) {
    let mut lines = Lines::new(doc);
    let mut start = 0;
    while start < doc.len() {
        let mut stream = serde_json::Deserializer::from_slice(&doc[start..]).into_iter::<T>();
        let mut doc_start = start;
        loop {
            match stream.next() {
                None => return,
                Some(Ok(v)) => {
                    let line = lines.at(doc_start + skip_ws(&doc[doc_start..]));
                    each(v, line, emit);
                    doc_start = start + stream.byte_offset();
                }
                Some(Err(e)) => {
                    let at = doc_start + skip_ws(&doc[doc_start..]);
                    emit(Rec::Bad(
                        Position {
                            line: lines.at(at),
                            item: None,
                        },
                        format!("invalid document: {e}"),
                    ));
                    // Resume after the line the bad document starts on.
                    match memchr::memchr(b'\n', &doc[at..]) {
                        Some(nl) => start = at + nl + 1,
                        None => return,
                    }
                    break;
                }
            }
        }
    }
}

fn skip_ws(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_whitespace()).count()
}

fn event_list(doc: &[u8], emit: &mut dyn FnMut(Rec<'_>)) {
    // Untagged enums cannot hold RawValues, so look at the first byte.
    #[derive(Deserialize)]
    struct List<'a> {
        #[serde(borrow, default)]
        items: Vec<&'a RawValue>,
    }
    documents::<&RawValue>(doc, emit, |raw, line, emit| {
        let text = raw.get();
        let items: Result<Vec<&RawValue>, _> = if text.starts_with('[') {
            serde_json::from_str(text)
        } else {
            serde_json::from_str::<List<'_>>(text).map(|l| l.items)
        };
        match items {
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    emit(Rec::Text(
                        item.get(),
                        Position {
                            line,
                            item: Some(i as u64),
                        },
                    ));
                }
            }
            Err(e) => emit(Rec::Bad(
                Position { line, item: None },
                format!("not an EventList: {e}"),
            )),
        }
    });
}

#[derive(Deserialize)]
struct CwEvent<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    message: Option<Cow<'a, str>>,
}

fn filter_log_events(doc: &[u8], emit: &mut dyn FnMut(Rec<'_>)) {
    #[derive(Deserialize)]
    struct Page<'a> {
        #[serde(borrow, default)]
        events: Vec<CwEvent<'a>>,
    }
    documents::<Page<'_>>(doc, emit, |page, line, emit| {
        emit_messages(page.events, line, emit);
    });
}

fn emit_messages(events: Vec<CwEvent<'_>>, line: u64, emit: &mut dyn FnMut(Rec<'_>)) {
    for (i, e) in events.into_iter().enumerate() {
        let pos = Position {
            line,
            item: Some(i as u64),
        };
        match e.message {
            Some(m) => emit(Rec::Text(m.trim(), pos)),
            None => emit(Rec::Bad(pos, "log event without a message".to_string())),
        }
    }
}

fn subscription_docs(doc: &[u8], emit: &mut dyn FnMut(Rec<'_>)) {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload<'a> {
        #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
        message_type: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        log_events: Vec<CwEvent<'a>>,
    }
    documents::<Payload<'_>>(doc, emit, |p, line, emit| {
        if p.message_type.as_deref() == Some("CONTROL_MESSAGE") {
            // CloudWatch's reachability probe, not log data.
            emit(Rec::Control);
            return;
        }
        emit_messages(p.log_events, line, emit);
    });
}

/// Strips base64 and gzip layers from a subscription payload.
pub(crate) fn unwrap_payload(name: &str, doc: Vec<u8>, limits: Limits) -> Result<Vec<u8>, Error> {
    unwrap_layers(doc, limits).map_err(|e| match e {
        Layer::Base64(offset) => Error::Base64 {
            input: name.to_string(),
            offset,
        },
        Layer::Gzip(source) => Error::Io {
            input: name.to_string(),
            line: 0,
            source,
        },
        Layer::TooLarge => Error::TooLarge {
            input: name.to_string(),
            limit: limits.max_document_bytes,
        },
    })
}

/// Why a payload's encoding layers could not be removed.
enum Layer {
    /// Invalid base64 at this byte offset.
    Base64(usize),
    Gzip(std::io::Error),
    TooLarge,
}

/// Base64 (unless the data already is JSON or gzip), then gzip when the
/// bytes start with its magic: the encoding of `awslogs.data` and of
/// payloads saved from it.
fn unwrap_layers(doc: Vec<u8>, limits: Limits) -> Result<Vec<u8>, Layer> {
    let trimmed = doc.trim_ascii();
    let doc = if !trimmed.is_empty()
        && !matches!(trimmed[0], b'{' | b'[')
        && !trimmed.starts_with(&GZIP_MAGIC)
    {
        base64_decode(trimmed).map_err(Layer::Base64)?
    } else {
        doc
    };
    if doc.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::new();
        MultiGzDecoder::new(&doc[..])
            .take(limits.max_document_bytes as u64 + 1)
            .read_to_end(&mut out)
            .map_err(Layer::Gzip)?;
        if out.len() > limits.max_document_bytes {
            return Err(Layer::TooLarge);
        }
        return Ok(out);
    }
    Ok(doc)
}

/// Reads Lambda subscription events: each `awslogs.data` is decoded as
/// [`crate::handle_subscription_payload`] decodes it, and its log events
/// are emitted with the Lambda event's line. Anything that is not such an
/// event, or data that does not decode (truncated, not base64, not gzip),
/// fails the input naming the event's line: a saved event that reads as
/// nothing would hide the whole delivery.
fn lambda_events(
    name: &str,
    doc: &[u8],
    limits: Limits,
    emit: &mut dyn FnMut(Rec<'_>),
) -> Result<(), Error> {
    #[derive(Deserialize)]
    struct AwsLogs<'a> {
        #[serde(borrow)]
        data: Cow<'a, str>,
    }
    #[derive(Deserialize)]
    struct LambdaEvent<'a> {
        #[serde(borrow)]
        awslogs: AwsLogs<'a>,
    }
    let fail = |line: u64, reason: String| Error::LambdaEvent {
        input: name.to_string(),
        line,
        reason,
    };
    let mut lines = Lines::new(doc);
    let mut stream = serde_json::Deserializer::from_slice(doc).into_iter::<LambdaEvent<'_>>();
    let mut start = 0;
    let mut events = 0;
    loop {
        let event = match stream.next() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) => {
                // serde's message ends with the position; keep it once.
                let text = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                let reason = text.strip_suffix(&suffix).unwrap_or(&text);
                return Err(fail(
                    e.line() as u64,
                    format!("{reason} (column {})", e.column()),
                ));
            }
        };
        events += 1;
        let line = lines.at(start + skip_ws(&doc[start..]));
        start = stream.byte_offset();
        let data = event.awslogs.data.as_bytes();
        let payload = unwrap_layers(data.to_vec(), limits).map_err(|e| {
            let reason = match e {
                Layer::Base64(offset) => {
                    format!("awslogs.data is not base64 (invalid byte at offset {offset})")
                }
                Layer::Gzip(e) => format!("awslogs.data is not complete gzip data: {e}"),
                Layer::TooLarge => format!(
                    "awslogs.data decodes to more than the {}-byte limit",
                    limits.max_document_bytes
                ),
            };
            fail(line, reason)
        })?;
        if !payload.trim_ascii_start().starts_with(b"{") {
            let what = if data.trim_ascii().is_empty() {
                "awslogs.data is empty"
            } else {
                "awslogs.data is neither gzip nor a JSON subscription payload"
            };
            return Err(fail(line, what.to_string()));
        }
        subscription_docs(&payload, &mut |rec| {
            let at = |p: Position| Position { line, item: p.item };
            match rec {
                Rec::Text(text, p) => emit(Rec::Text(text, at(p))),
                Rec::Bad(p, reason) => emit(Rec::Bad(at(p), reason)),
                Rec::Control => emit(Rec::Control),
            }
        });
    }
    if events == 0 {
        return Err(fail(0, "no Lambda event in the input".to_string()));
    }
    Ok(())
}

/// Standard or URL-safe base64, padding optional, whitespace ignored.
/// Returns the offset of the first invalid byte on error.
pub(crate) fn base64_decode(input: &[u8]) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding = false;
    for (i, &c) in input.iter().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            c if c.is_ascii_whitespace() => continue,
            _ => return Err(i),
        };
        if padding {
            return Err(i);
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        // "hello world" in base64 (RFC 4648 alphabet).
        assert_eq!(base64_decode(b"aGVsbG8gd29ybGQ=").unwrap(), b"hello world");
        assert_eq!(base64_decode(b"aGVsbG8gd29ybGQ").unwrap(), b"hello world");
        assert_eq!(base64_decode(b"aGVs\nbG8="), Ok(b"hello".to_vec()));
        assert_eq!(base64_decode(b"aGV*"), Err(3));
    }

    #[test]
    fn sniffing() {
        assert_eq!(
            sniff(br#"{"kind":"Event","auditID":"x"}"#),
            InputFormat::JsonLines
        );
        assert_eq!(sniff(b"{\n  \"events\": [\n"), InputFormat::FilterLogEvents);
        assert_eq!(
            sniff(br#"{"messageType":"DATA_MESSAGE","owner":"1","logEvents":[]}"#),
            InputFormat::Subscription
        );
        assert_eq!(
            sniff(b"{\"kind\": \"EventList\", \"apiVersion\": \"audit.k8s.io/v1\", \"items\": []}"),
            InputFormat::EventList
        );
        assert_eq!(sniff(b"H4sIAAAAAAAA"), InputFormat::Subscription);
        assert_eq!(
            sniff(b"{\n  \"awslogs\": {\n    \"data\": \"H4sI"),
            InputFormat::LambdaEvent
        );
        // An audit event mentioning awslogs in a body is still an event.
        assert_eq!(
            sniff(br#"{"kind":"Event","requestObject":{"data":{"awslogs":{}}}}"#),
            InputFormat::JsonLines
        );
    }
}
