//! Findings and input errors: what every surface reports.

use crate::meta::{Pillar, Responsibility, Severity};
use crate::object::ObjectRef;
use serde::Serialize;

/// Where in a file a finding points.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// Why a finding is not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `annotation` (`eksguard.io/ignore` on the object) or `config` (an
    /// exception in `eksguard.yaml`).
    pub by: &'static str,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One violated control on one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub control: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub pillar: Pillar,
    pub responsibility: Responsibility,
    pub object: ObjectRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// JSON path of the offending field, e.g. `spec.template.spec.hostNetwork`.
    pub path: String,
    /// What is wrong, naming the exact field and value (never a secret value).
    pub message: String,
    /// How to fix it.
    pub remediation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// Stable identity across runs (control, object, source file, path; not
    /// the line), filled by the scan once findings are final. Baselines and
    /// SARIF `partialFingerprints` use it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// With `--baseline`: whether the finding is new since the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

/// A finding compared with a baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    New,
    Unchanged,
}

impl Finding {
    /// The parts of the fingerprint: editing an unrelated line moves the
    /// finding but keeps its identity.
    pub fn identity_key(&self) -> String {
        let o = &self.object;
        identity_key(
            self.control,
            [
                o.api_version.as_str(),
                o.kind.as_str(),
                o.namespace.as_deref().unwrap_or(""),
                o.name.as_str(),
                o.arn.as_deref().unwrap_or(""),
            ],
            self.location.as_ref().map_or("", |l| l.file.as_str()),
            &self.path,
        )
    }

    /// Stable order for reports: by file position, then control, then object.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.location.as_ref().map(|l| (&l.file, l.line, l.column)),
            self.control,
            &self.object,
            &self.path,
            &self.message,
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorLevel {
    Warning,
    Error,
}

/// A problem with an input (file, document, API call) rather than with the
/// cluster. Errors make the exit code 2; warnings are reported only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub level: ErrorLevel,
    pub input: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
}

impl InputError {
    pub fn error(input: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            level: ErrorLevel::Error,
            input: input.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn warning(input: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            level: ErrorLevel::Warning,
            ..InputError::error(input, message)
        }
    }

    #[must_use]
    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            ErrorLevel::Warning => "warning",
            ErrorLevel::Error => "error",
        };
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{level}: {}:{l}:{c}: {}", self.input, self.message),
            (Some(l), None) => write!(f, "{level}: {}:{l}: {}", self.input, self.message),
            _ => write!(f, "{level}: {}: {}", self.input, self.message),
        }
    }
}

/// Gives every finding its stable fingerprint: a hash of what identifies it
/// across runs ([`Finding::identity_key`]). Findings that share all of that
/// are told apart by their message.
pub fn fingerprint(findings: &mut [Finding]) {
    let keys: Vec<String> = findings.iter().map(Finding::identity_key).collect();
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    let prints = fingerprints(&keys, &messages);
    for (f, p) in findings.iter_mut().zip(prints) {
        f.fingerprint = p;
    }
}

/// The fingerprints of findings given their identity keys and messages (in
/// one report): also how a baseline written without fingerprints is read.
pub fn fingerprints(keys: &[String], messages: &[&str]) -> Vec<String> {
    use sha2::{Digest, Sha256};
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    for k in keys {
        *counts.entry(k.as_str()).or_default() += 1;
    }
    keys.iter()
        .zip(messages)
        .map(|(k, m)| {
            let mut h = Sha256::new();
            h.update(k.as_bytes());
            if counts[k.as_str()] > 1 {
                h.update([0x1f]);
                h.update(m.as_bytes());
            }
            h.finalize()[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect()
}

/// The identity of a finding from its parts: control, object (apiVersion,
/// kind, namespace, name, ARN), source file and JSON path.
pub fn identity_key(control: &str, object: [&str; 5], file: &str, path: &str) -> String {
    let mut k = String::from(control);
    for part in object.iter().chain([&file, &path]) {
        k.push('\u{1f}');
        k.push_str(part);
    }
    k
}
