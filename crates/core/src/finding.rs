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
}

impl Finding {
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
