//! Renders a scan's findings and input errors.
//!
//! Every renderer takes the same [`Report`] and is deterministic: the same
//! input gives byte-identical output (findings are sorted before rendering;
//! the only clock value is [`Report::timestamp`], set by the caller).

pub mod baseline;
mod html;
mod json;
mod junit;
mod markdown;
mod policyreport;
pub mod sarif;
mod table;

use eksguard_core::{
    CheckResult, ControlMeta, ErrorLevel, Finding, Gap, InputError, Pillar, Responsibility,
    Severity, Status,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Output formats of `eksguard scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
    Markdown,
    PolicyReport,
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "table" => Format::Table,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "junit" => Format::Junit,
            "markdown" | "md" => Format::Markdown,
            "policyreport" => Format::PolicyReport,
            "html" => Format::Html,
            other => {
                return Err(format!(
                    "unknown format `{other}` (expected table, json, sarif, junit, markdown, policyreport or html)"
                ));
            }
        })
    }
}

/// What a scan produced, ready to render.
pub struct Report<'a> {
    /// All findings, suppressed ones included (they carry `suppressed`).
    pub findings: &'a [Finding],
    pub errors: &'a [InputError],
    /// The catalog, for rule metadata (SARIF, JUnit suite names).
    pub controls: &'a [&'static ControlMeta],
    /// One per control and subject (pass, fail, not checked, not
    /// applicable): what every output renders its verdict from.
    pub results: &'a [CheckResult],
    /// Inputs that were not collected.
    pub gaps: &'a [Gap],
    /// Whether the user accepted a partial scan (`--allow-partial`).
    pub allow_partial: bool,
    /// Compliance frameworks evaluated over the results.
    pub frameworks: &'a [eksguard_frameworks::FrameworkResult],
    /// The comparison with `--baseline`, when given.
    pub baseline: Option<&'a baseline::Comparison>,
    /// Table: list every finding after the verdict screen (`--details`).
    pub details: bool,
    pub objects: usize,
    pub inputs: usize,
    pub fail_on: Severity,
    /// Seconds since the Unix epoch of the scan.
    pub timestamp: u64,
}

/// Results per status. A `fail` that is an accepted risk (every finding
/// suppressed) counts under `suppressed`, not `fail`.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct StatusCounts {
    pub pass: usize,
    pub fail: usize,
    pub suppressed: usize,
    pub not_checked: usize,
    pub not_applicable: usize,
}

impl StatusCounts {
    pub fn add(&mut self, r: &CheckResult) {
        match r.status {
            Status::Pass => self.pass += 1,
            Status::Fail if r.suppressed => self.suppressed += 1,
            Status::Fail => self.fail += 1,
            Status::NotChecked => self.not_checked += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.suppressed + self.not_checked + self.not_applicable
    }
}

/// Counts every output shows.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub objects: usize,
    pub inputs: usize,
    pub findings: usize,
    pub suppressed: usize,
    pub errors: usize,
    pub warnings: usize,
    pub by_severity: BTreeMap<&'static str, usize>,
    pub by_pillar: BTreeMap<&'static str, usize>,
    pub by_responsibility: BTreeMap<&'static str, usize>,
    /// Results per status, then per pillar and per responsibility.
    pub results: StatusCounts,
    pub pillars: BTreeMap<&'static str, StatusCounts>,
    pub responsibilities: BTreeMap<&'static str, StatusCounts>,
    /// Results not checked because collecting their input failed.
    pub collection_failures: usize,
    /// Whether partial results were accepted (`--allow-partial`).
    pub allow_partial: bool,
    pub fail_on: Severity,
    /// Whether an active finding is at or above `fail_on`.
    pub failed: bool,
}

impl Report<'_> {
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    pub fn suppressed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_some())
    }

    pub fn summary(&self) -> Summary {
        let mut by_severity: BTreeMap<&'static str, usize> =
            Severity::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        let mut by_pillar = BTreeMap::new();
        let mut by_responsibility = BTreeMap::new();
        let mut findings = 0;
        for f in self.active() {
            findings += 1;
            *by_severity.entry(f.severity.as_str()).or_default() += 1;
            *by_pillar.entry(f.pillar.as_str()).or_default() += 1;
            *by_responsibility
                .entry(f.responsibility.as_str())
                .or_default() += 1;
        }
        let mut results = StatusCounts::default();
        let mut pillars: BTreeMap<&'static str, StatusCounts> = Pillar::ALL
            .iter()
            .map(|p| (p.as_str(), StatusCounts::default()))
            .collect();
        let mut responsibilities: BTreeMap<&'static str, StatusCounts> = Responsibility::ALL
            .iter()
            .map(|r| (r.as_str(), StatusCounts::default()))
            .collect();
        for r in self.results {
            results.add(r);
            pillars.entry(r.pillar.as_str()).or_default().add(r);
            responsibilities
                .entry(r.responsibility.as_str())
                .or_default()
                .add(r);
        }
        Summary {
            objects: self.objects,
            inputs: self.inputs,
            findings,
            suppressed: self.suppressed().count(),
            errors: self
                .errors
                .iter()
                .filter(|e| e.level == ErrorLevel::Error)
                .count(),
            warnings: self
                .errors
                .iter()
                .filter(|e| e.level == ErrorLevel::Warning)
                .count(),
            by_severity,
            by_pillar,
            by_responsibility,
            results,
            pillars,
            responsibilities,
            collection_failures: self
                .results
                .iter()
                .filter(|r| r.is_collection_failure())
                .count(),
            allow_partial: self.allow_partial,
            fail_on: self.fail_on,
            // With a baseline only new findings decide.
            failed: match self.baseline {
                Some(b) => b.fails(self.fail_on),
                None => self.active().any(|f| f.severity >= self.fail_on),
            },
        }
    }

    pub fn control(&self, id: &str) -> Option<&'static ControlMeta> {
        self.controls.iter().copied().find(|c| c.id == id)
    }
}

/// Renders `report` in `format`. `color` adds ANSI colours (table only).
pub fn render(format: Format, report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, out, color, report.details),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::PolicyReport => policyreport::render(report, out),
        Format::Html => html::render(report, out),
    }
}

/// Order in which pillars and responsibilities are shown.
pub(crate) fn pillar_order() -> [Pillar; 8] {
    Pillar::ALL
}

pub(crate) fn responsibility_order() -> [Responsibility; 3] {
    Responsibility::ALL
}

pub(crate) fn location_text(f: &Finding) -> String {
    match &f.location {
        Some(l) => format!("{}:{}:{}", l.file, l.line, l.column),
        None => f.object.arn.clone().unwrap_or_default(),
    }
}
