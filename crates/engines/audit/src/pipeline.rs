//! The streaming pipeline: decode → (parallel) parse + single-event rules →
//! (sequential, input order) stage selection, de-duplication, correlation.

use crate::config::{AuditConfig, Compiled};
use crate::controller_pods::{self, Anchor, Group, Grouped};
use crate::correlate::{Correlator, Facts, Hit};
use crate::detection::{Detection, Summary};
use crate::error::{ConfigError, Error};
use crate::event::{Event, Stage};
use crate::input::{self, InputFormat, Limits, Position, Rec};
use crate::rules::{self, RULES};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::io::Read;
use std::ops::Range;
use std::sync::mpsc;

/// Tuning knobs; the defaults suit files and live streams alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Records parsed in parallel per batch. Bounds memory (one batch of
    /// text is held at a time) and latency in follow mode.
    pub batch_records: usize,
    /// Parse batches on rayon's thread pool; `false` runs on the caller's
    /// thread only (Lambda, single-core benchmarks).
    pub parallel: bool,
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            batch_records: 4096,
            parallel: true,
            limits: Limits::default(),
        }
    }
}

/// A streaming audit-log analyser. Feed it inputs in time order with
/// [`Pipeline::read`] (or single messages with [`Pipeline::push_message`]),
/// then call [`Pipeline::finish`]. Detections go to the sink in input order,
/// except the per-owner reports of controller-created pods: those come when
/// their window has passed on the event clock, or from `finish` (see "Pods
/// created by controllers" in the crate docs). Correlation state persists
/// across inputs, so a log split in many files correlates as one.
pub struct Pipeline {
    cfg: Compiled,
    enabled: Vec<bool>,
    options: Options,
    correlator: Correlator,
    /// Open per-owner groups of controller-created pods.
    pods: controller_pods::State,
    dedupe: Dedupe,
    summary: Summary,
    batch: Batch,
    inputs: Vec<String>,
    /// Per-stage counts of the current batch, folded into the summary after
    /// it (a map update per event would show in profiles).
    stage_counts: [u64; 5],
}

#[derive(Default)]
struct Batch {
    /// Raw record bytes, back to back; validated as UTF-8 when judged.
    data: Vec<u8>,
    items: Vec<Item>,
}

impl Batch {
    /// Registers `data[start..]`, trimmed, as a record; drops it if blank.
    fn commit(&mut self, start: usize, input: u32, position: Position) {
        let data = &self.data[start..];
        let lead = data.len() - data.trim_ascii_start().len();
        let end = start + lead + data[lead..].trim_ascii_end().len();
        if end == start + lead {
            self.data.truncate(start);
            return;
        }
        self.items.push(Item {
            range: start + lead..end,
            input,
            position,
        });
    }

    fn clear(&mut self) {
        self.data.clear();
        self.items.clear();
    }
}

struct Item {
    range: Range<usize>,
    input: u32,
    position: Position,
}

// Nearly every record is an Event; boxing it would add an allocation per
// event on the hot path to shrink the rare variants.
#[allow(clippy::large_enum_variant)]
enum Outcome<'a> {
    Unparseable(String),
    Truncated,
    Event(Judged<'a>),
}

struct Judged<'a> {
    event: Event<'a>,
    time: Option<i64>,
    /// The principal is on the global allow-list.
    allowed: bool,
    /// The stage this request is judged at (one per request).
    selected: bool,
    hits: Vec<(u16, String)>,
    /// Findings in a controller-created pod, to group by its owner.
    grouped: Option<Box<Grouped>>,
    facts: Facts,
}

const TRUNCATED_MARK: &str = "[Truncated...]";

impl Pipeline {
    pub fn new(config: &AuditConfig) -> Result<Pipeline, ConfigError> {
        Pipeline::with_options(config, Options::default())
    }

    pub fn with_options(config: &AuditConfig, options: Options) -> Result<Pipeline, ConfigError> {
        let cfg = Compiled::new(config)?;
        let on = |r: &rules::Rule| {
            !config.disabled_rules.contains(r.id)
                && (r.default_enabled || config.enabled_rules.contains(r.id))
        };
        let enabled = RULES.iter().map(on).collect();
        let correlator = Correlator::new(&cfg, |id| rules::find(id).is_some_and(on));
        Ok(Pipeline {
            correlator,
            pods: controller_pods::State::new(&cfg),
            dedupe: Dedupe::new(config.max_state_entries),
            cfg,
            enabled,
            options: Options {
                batch_records: options.batch_records.max(1),
                ..options
            },
            summary: Summary::default(),
            batch: Batch::default(),
            inputs: Vec::new(),
            stage_counts: [0; 5],
        })
    }

    /// Whether a rule runs with this configuration.
    pub fn is_enabled(&self, rule_id: &str) -> bool {
        RULES
            .iter()
            .position(|r| r.id == rule_id)
            .is_some_and(|i| self.enabled[i])
    }

    /// Entries currently held by the correlation tables and the duplicate
    /// filter; bounded by `max_state_entries` per table.
    pub fn state_entries(&self) -> usize {
        self.correlator.entries() + self.pods.len() + self.dedupe.cur.len() + self.dedupe.prev.len()
    }

    /// Counters so far (batches still pending, and controller-pod groups
    /// still open, are not included).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Reads one input to its end. Bad records are counted, not fatal; an
    /// `Err` means the input could not be read at all (what was decoded
    /// before the error has been processed). Returns the format used.
    ///
    /// With [`Options::parallel`], decoding (decompression, line splitting)
    /// runs on its own thread, overlapped with the parallel parse and the
    /// in-order correlation of the previous batches.
    pub fn read(
        &mut self,
        name: &str,
        reader: impl Read + Send,
        format: InputFormat,
        sink: &mut dyn FnMut(Detection),
    ) -> Result<InputFormat, Error> {
        self.summary.inputs += 1;
        let input = self.input_id(name);
        let limits = self.options.limits;
        if !self.options.parallel {
            let mut feeder = Feeder {
                pipeline: self,
                input,
                sink,
            };
            let result = input::decode(name, reader, format, limits, &mut feeder);
            self.flush(sink);
            return result;
        }
        // Messages pushed earlier come first.
        self.flush(sink);
        let per_batch = self.options.batch_records;
        std::thread::scope(|scope| {
            // Two batches in flight at most: memory stays bounded.
            let (tx, rx) = mpsc::sync_channel::<Decoded>(2);
            let (back_tx, back_rx) = mpsc::channel::<Batch>();
            let decoder = scope.spawn(move || {
                let mut out = Sender {
                    batch: Batch::default(),
                    input,
                    per_batch,
                    tx,
                    back: back_rx,
                };
                let result = input::decode(name, reader, format, limits, &mut out);
                out.send_batch();
                result
            });
            for msg in rx {
                match msg {
                    Decoded::Batch(mut batch) => {
                        self.process(&batch, sink);
                        batch.clear();
                        let _ = back_tx.send(batch);
                    }
                    Decoded::Bad(position, reason) => {
                        self.summary.records += 1;
                        let name = &self.inputs[input as usize];
                        self.summary.add_unparseable(name, position, reason);
                    }
                    Decoded::Control => self.summary.control_messages += 1,
                }
            }
            decoder.join().unwrap_or_else(|_| {
                Err(Error::Io {
                    input: name.to_string(),
                    line: 0,
                    source: std::io::Error::other("decoder thread failed"),
                })
            })
        })
    }

    /// Adds one event text (for example a CloudWatch message from the live
    /// reader). Processed when the batch fills or on [`Pipeline::flush`].
    pub fn push_message(
        &mut self,
        input: &str,
        text: &str,
        position: Position,
        sink: &mut dyn FnMut(Detection),
    ) {
        let id = self.input_id(input);
        self.push_rec(id, Rec::Text(text, position), sink);
    }

    /// Records an undecodable payload against `input` (used by the Lambda
    /// handler, where a bad payload must not fail the invocation).
    pub(crate) fn note_unparseable(&mut self, input: &str, reason: String) {
        self.summary
            .add_unparseable(input, Position::default(), reason);
    }

    /// Processes the pending batch.
    pub fn flush(&mut self, sink: &mut dyn FnMut(Detection)) {
        if self.batch.items.is_empty() {
            return;
        }
        let mut batch = std::mem::take(&mut self.batch);
        self.process(&batch, sink);
        batch.clear();
        self.batch = batch;
    }

    /// Flushes, reports the controller-pod groups still open, and returns
    /// the final summary.
    pub fn finish(mut self, sink: &mut dyn FnMut(Detection)) -> Summary {
        self.flush(sink);
        let mut closed = Vec::new();
        self.pods.close_all(&mut closed);
        self.report_groups(closed, sink);
        self.summary
    }

    fn report_groups(&mut self, closed: Vec<Group>, sink: &mut dyn FnMut(Detection)) {
        for g in closed {
            let rule = &RULES[g.rule as usize];
            let d = Detection {
                rule: rule.id,
                severity: rule.severity,
                timestamp: g.last.timestamp.clone(),
                message: g.message(),
                user: g.user,
                source_ip: g.last.source_ip,
                verb: "create".to_string(),
                object: g.object,
                audit_ids: g.audit_ids,
                title: rule.title,
                technique: rule.technique.id,
                input: self.inputs[g.last.input as usize].clone(),
                position: g.last.position,
            };
            self.summary.count_detection(&d);
            sink(d);
        }
    }

    fn input_id(&mut self, name: &str) -> u32 {
        match self.inputs.iter().position(|n| n == name) {
            Some(i) => i as u32,
            None => {
                self.inputs.push(name.to_string());
                (self.inputs.len() - 1) as u32
            }
        }
    }

    fn push_rec(&mut self, input: u32, rec: Rec<'_>, sink: &mut dyn FnMut(Detection)) {
        match rec {
            Rec::Control => self.summary.control_messages += 1,
            Rec::Bad(position, reason) => {
                self.summary.records += 1;
                let name = self.inputs[input as usize].clone();
                self.summary.add_unparseable(&name, position, reason);
            }
            Rec::Text(text, position) => {
                let start = self.batch.data.len();
                self.batch.data.extend_from_slice(text.as_bytes());
                self.push_item(input, start, position, sink);
            }
        }
    }

    /// Registers `batch.data[start..]` as a record, flushing a full batch.
    fn push_item(
        &mut self,
        input: u32,
        start: usize,
        position: Position,
        sink: &mut dyn FnMut(Detection),
    ) {
        self.batch.commit(start, input, position);
        if self.batch.items.len() >= self.options.batch_records {
            self.flush(sink);
        }
    }

    fn process(&mut self, batch: &Batch, sink: &mut dyn FnMut(Detection)) {
        let mut hits: Vec<Hit> = Vec::new();
        if self.options.parallel && batch.items.len() > 64 {
            let (cfg, enabled) = (&self.cfg, &self.enabled);
            let outcomes: Vec<Outcome<'_>> = batch
                .items
                .par_iter()
                .with_min_len(64)
                .map(|it| judge(&batch.data[it.range.clone()], cfg, enabled))
                .collect();
            for (item, outcome) in batch.items.iter().zip(outcomes) {
                self.settle(item, outcome, &mut hits, sink);
            }
        } else {
            // No intermediate vector on one thread: judge and settle each
            // record in turn.
            for item in &batch.items {
                let outcome = judge(&batch.data[item.range.clone()], &self.cfg, &self.enabled);
                self.settle(item, outcome, &mut hits, sink);
            }
        }
        for (i, n) in self.stage_counts.iter_mut().enumerate() {
            if *n > 0 {
                *self
                    .summary
                    .stages
                    .entry(Stage::ALL[i].as_str())
                    .or_default() += *n;
                *n = 0;
            }
        }
    }

    /// The sequential half: counters, stage selection, de-duplication,
    /// detections of single-event rules, then correlation.
    fn settle(
        &mut self,
        item: &Item,
        outcome: Outcome<'_>,
        hits: &mut Vec<Hit>,
        sink: &mut dyn FnMut(Detection),
    ) {
        self.summary.records += 1;
        let judged = match outcome {
            Outcome::Unparseable(reason) => {
                let name = &self.inputs[item.input as usize];
                self.summary.add_unparseable(name, item.position, reason);
                return;
            }
            Outcome::Truncated => {
                let name = &self.inputs[item.input as usize];
                self.summary.add_truncated(name, item.position);
                return;
            }
            Outcome::Event(j) => j,
        };
        let ev = &judged.event;
        self.summary.events += 1;
        self.stage_counts[ev.stage.index()] += 1;
        if !judged.selected {
            return;
        }
        match self.dedupe.check(ev) {
            Seen::Duplicate => {
                self.summary.duplicates += 1;
                return;
            }
            Seen::OtherStage => return,
            Seen::New => {}
        }
        self.summary.evaluated += 1;
        // Groups whose window ended before this event come first.
        let mut closed = Vec::new();
        self.pods.tick(judged.time, &mut closed);
        self.report_groups(std::mem::take(&mut closed), sink);
        for (rule, message) in judged.hits {
            if let Some(workload) = &judged.facts.workload
                && rules::pod_check(RULES[rule as usize].id).is_some()
            {
                self.pods.reported(rule, workload.clone());
            }
            let d = self.detection(&RULES[rule as usize], ev, message, Vec::new(), item);
            self.summary.count_detection(&d);
            sink(d);
        }
        if let Some(grouped) = judged.grouped {
            let anchor = Anchor {
                timestamp: ev.timestamp().to_string(),
                source_ip: ev.source_ip.as_deref().unwrap_or("").to_string(),
                input: item.input,
                position: item.position,
            };
            self.pods.add(ev, *grouped, anchor, &mut closed);
            self.report_groups(closed, sink);
        }
        hits.clear();
        self.correlator.observe(
            ev,
            (judged.time, judged.allowed),
            &judged.facts,
            &self.cfg,
            hits,
        );
        for hit in hits.drain(..) {
            if let Some(rule) = rules::find(hit.rule) {
                let d = self.detection(rule, ev, hit.message, hit.related, item);
                self.summary.count_detection(&d);
                sink(d);
            }
        }
    }

    fn detection(
        &self,
        rule: &'static rules::Rule,
        ev: &Event<'_>,
        message: String,
        mut audit_ids: Vec<String>,
        item: &Item,
    ) -> Detection {
        if let Some(id) = ev.audit_id.as_deref() {
            audit_ids.push(id.to_string());
        }
        let mut user = ev.username().to_string();
        if let Some(imp) = ev
            .impersonated_user
            .as_ref()
            .and_then(|u| u.username.as_deref())
        {
            user.push_str(" (as ");
            user.push_str(imp);
            user.push(')');
        }
        Detection {
            rule: rule.id,
            severity: rule.severity,
            timestamp: ev.timestamp().to_string(),
            audit_ids,
            user,
            source_ip: ev.source_ip.as_deref().unwrap_or("").to_string(),
            verb: ev.verb().to_string(),
            object: ev.object_display(),
            message,
            title: rule.title,
            technique: rule.technique.id,
            input: self.inputs[item.input as usize].clone(),
            position: item.position,
        }
    }
}

/// Parse, pick the stage, run single-event rules and extract correlation
/// facts: everything that needs no state, so it runs in parallel.
fn judge<'a>(bytes: &'a [u8], cfg: &Compiled, enabled: &[bool]) -> Outcome<'a> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Outcome::Unparseable(format!("invalid UTF-8 at byte {}", e.valid_up_to()));
        }
    };
    if text.trim_end().ends_with(TRUNCATED_MARK) {
        return Outcome::Truncated;
    }
    let event = match Event::parse(text) {
        Ok(e) => e,
        Err(e) => return Outcome::Unparseable(format!("not an audit event: {e}")),
    };
    let selected = match event.stage {
        Stage::ResponseComplete => true,
        // exec/attach/port-forward are judged when the session starts; their
        // ResponseComplete arrives at its end (and is then a second stage of
        // an already-judged request).
        Stage::ResponseStarted => event.is_streaming_subresource(),
        _ => false,
    };
    let mut hits = Vec::new();
    let mut grouped = None;
    let mut facts = Facts::default();
    let mut allowed = false;
    if selected {
        let cx = rules::Ctx::new(&event, cfg);
        allowed = cfg.allowed.matches(event.username());
        grouped = rules::evaluate(&cx, allowed, enabled, &mut hits);
        facts = Facts::extract(&cx);
    }
    Outcome::Event(Judged {
        time: event.time_micros(),
        allowed,
        event,
        selected,
        hits,
        grouped,
        facts,
    })
}

/// Connects the decoder to the pipeline's batch.
struct Feeder<'p, 's> {
    pipeline: &'p mut Pipeline,
    input: u32,
    sink: &'s mut dyn FnMut(Detection),
}

impl input::Records for Feeder<'_, '_> {
    fn rec(&mut self, rec: Rec<'_>) {
        self.pipeline.push_rec(self.input, rec, self.sink);
    }
    fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.pipeline.batch.data
    }
    fn line(&mut self, start: usize, pos: Position) {
        self.pipeline.push_item(self.input, start, pos, self.sink);
    }
}

/// What the decoder thread sends to the processing thread, in order.
enum Decoded {
    Batch(Batch),
    Bad(Position, String),
    Control,
}

/// The decoder thread's end: fills batches and sends them when full,
/// reusing the buffers the processing thread sends back.
struct Sender {
    batch: Batch,
    input: u32,
    per_batch: usize,
    tx: mpsc::SyncSender<Decoded>,
    back: mpsc::Receiver<Batch>,
}

impl Sender {
    fn send_batch(&mut self) {
        if self.batch.items.is_empty() {
            return;
        }
        let fresh = self.back.try_recv().unwrap_or_default();
        let full = std::mem::replace(&mut self.batch, fresh);
        // A closed channel means the receiver is gone; nothing to do.
        let _ = self.tx.send(Decoded::Batch(full));
    }

    fn after_commit(&mut self) {
        if self.batch.items.len() >= self.per_batch {
            self.send_batch();
        }
    }
}

impl input::Records for Sender {
    fn rec(&mut self, rec: Rec<'_>) {
        match rec {
            Rec::Text(text, position) => {
                let start = self.batch.data.len();
                self.batch.data.extend_from_slice(text.as_bytes());
                self.batch.commit(start, self.input, position);
                self.after_commit();
            }
            Rec::Bad(position, reason) => {
                // Keep the order of counts relative to earlier records.
                self.send_batch();
                let _ = self.tx.send(Decoded::Bad(position, reason));
            }
            Rec::Control => {
                let _ = self.tx.send(Decoded::Control);
            }
        }
    }
    fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.batch.data
    }
    fn line(&mut self, start: usize, pos: Position) {
        self.batch.commit(start, self.input, pos);
        self.after_commit();
    }
}

enum Seen {
    New,
    /// A second judged stage of a request already judged (the
    /// ResponseComplete of an exec): expected, not a duplicate.
    OtherStage,
    /// The same auditID and stage again.
    Duplicate,
}

/// Remembers which stages of which auditIDs were judged. Two generations of
/// at most `cap / 2` entries each: when the current one fills it becomes the
/// previous one and the oldest generation is dropped, so memory is bounded
/// and duplicates are caught as long as they are within about `cap / 2`
/// requests of each other (overlapping exports and retried deliveries are).
struct Dedupe {
    cur: IdMap,
    prev: IdMap,
    half: usize,
}

impl Dedupe {
    fn new(cap: usize) -> Self {
        Dedupe {
            cur: IdMap::default(),
            prev: IdMap::default(),
            half: (cap / 2).max(1),
        }
    }

    fn check(&mut self, ev: &Event<'_>) -> Seen {
        let Some(id) = ev.audit_id.as_deref() else {
            return Seen::New;
        };
        let key = audit_key(id);
        let bit = 1u8 << ev.stage.index();
        let old = self
            .cur
            .get(&key)
            .or_else(|| self.prev.get(&key))
            .copied()
            .unwrap_or(0);
        if old & bit != 0 {
            return Seen::Duplicate;
        }
        if self.cur.len() >= self.half && !self.cur.contains_key(&key) {
            self.prev = std::mem::take(&mut self.cur);
        }
        self.cur.insert(key, old | bit);
        if old != 0 {
            Seen::OtherStage
        } else {
            Seen::New
        }
    }
}

/// auditIDs are random UUIDs (or hashed), so a multiply-fold is as good as
/// SipHash here and several times cheaper.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u128(&mut self, v: u128) {
        let folded = (v as u64) ^ ((v >> 64) as u64);
        self.0 = (folded ^ (folded >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    }
}

type IdMap = HashMap<u128, u8, BuildHasherDefault<IdHasher>>;

/// A UUID auditID packed into 128 bits; anything else hashed.
fn audit_key(id: &str) -> u128 {
    let mut v: u128 = 0;
    let mut digits = 0;
    for c in id.bytes() {
        match (c as char).to_digit(16) {
            Some(d) => {
                v = (v << 4) | u128::from(d);
                digits += 1;
            }
            None if c == b'-' => {}
            None => {
                digits = 0;
                break;
            }
        }
    }
    if digits == 32 && id.len() == 36 {
        return v;
    }
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    // The top bit keeps hashed keys apart from UUIDs of version < 8.
    (u128::from(h.finish()) << 64) | (1u128 << 63) | id.len() as u128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_keys_are_exact() {
        let a = audit_key("0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011");
        assert_eq!(a, 0x0f1e2d3c_4b5a_6978_8a9b_acbdcedf0011);
        assert_ne!(audit_key("abc"), audit_key("abd"));
    }
}
