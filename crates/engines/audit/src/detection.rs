//! What the engine reports: detections and a run summary.

use crate::input::Position;
use eksguard_core::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

/// One detection. The first nine fields are the `jsonl` contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// Rule ID, e.g. `AUD-001`.
    pub rule: &'static str,
    pub severity: Severity,
    /// `requestReceivedTimestamp` of the triggering event.
    pub timestamp: String,
    /// The triggering event's auditID last, earlier related events first.
    pub audit_ids: Vec<String>,
    /// The authenticated user; ` (as X)` appended when impersonating.
    pub user: String,
    /// The last `sourceIPs` entry (the only one the server vouches for).
    pub source_ip: String,
    pub verb: String,
    /// `resource/namespace/name/subresource`, or the request URI.
    pub object: String,
    /// Why it was reported. Never contains secret values.
    pub message: String,
    pub title: &'static str,
    /// MITRE ATT&CK technique ID.
    pub technique: &'static str,
    /// Input name and position of the triggering event.
    pub input: String,
    pub position: Position,
}

/// An input problem kept as a sample for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub input: String,
    pub position: Position,
    pub reason: String,
}

/// Counters for the final report. Deterministic: maps are ordered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub inputs: u64,
    /// Event texts seen (including ones that failed to parse).
    pub records: u64,
    /// Records parsed as audit events.
    pub events: u64,
    /// Events per audit stage.
    pub stages: BTreeMap<&'static str, u64>,
    /// Events the rules judged (one stage per request).
    pub evaluated: u64,
    /// Same auditID and stage seen again (overlapping exports, retries).
    pub duplicates: u64,
    /// Messages CloudWatch cut (`[Truncated...]`); never parsed.
    pub truncated: u64,
    /// Lines or messages that were not valid audit events.
    pub unparseable: u64,
    /// CloudWatch `CONTROL_MESSAGE` payloads skipped.
    pub control_messages: u64,
    pub detections: BTreeMap<Severity, u64>,
    pub detections_by_rule: BTreeMap<&'static str, u64>,
    /// First few unparseable records, with position and reason.
    pub unparseable_samples: Vec<Issue>,
    /// First few truncated records' positions.
    pub truncated_samples: Vec<Issue>,
}

pub(crate) const MAX_SAMPLES: usize = 20;

impl Summary {
    pub fn total_detections(&self) -> u64 {
        self.detections.values().sum()
    }

    /// The highest severity detected, for `--fail-on`.
    pub fn max_severity(&self) -> Option<Severity> {
        self.detections.keys().next_back().copied()
    }

    pub(crate) fn count_detection(&mut self, d: &Detection) {
        *self.detections.entry(d.severity).or_default() += 1;
        *self.detections_by_rule.entry(d.rule).or_default() += 1;
    }

    pub(crate) fn add_unparseable(&mut self, input: &str, position: Position, reason: String) {
        self.unparseable += 1;
        if self.unparseable_samples.len() < MAX_SAMPLES {
            self.unparseable_samples.push(Issue {
                input: input.to_string(),
                position,
                reason,
            });
        }
    }

    pub(crate) fn add_truncated(&mut self, input: &str, position: Position) {
        self.truncated += 1;
        if self.truncated_samples.len() < MAX_SAMPLES {
            self.truncated_samples.push(Issue {
                input: input.to_string(),
                position,
                reason: "message truncated by CloudWatch Logs".to_string(),
            });
        }
    }
}
