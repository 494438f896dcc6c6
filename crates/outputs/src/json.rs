//! `--format json`: the versioned report schema (docs/report-schema.md).

use crate::Report;
use serde_json::json;
use std::io::{self, Write};

/// Bumped on any incompatible change to the JSON shape. v2 added
/// `results`, `frameworks`, `gaps` and per-status summary counts.
pub const SCHEMA_VERSION: u32 = 2;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let active: Vec<_> = report.active().collect();
    let suppressed: Vec<_> = report.suppressed().collect();
    let mut doc = json!({
        "schema": format!("eksguard.report/v{SCHEMA_VERSION}"),
        "tool": {"name": "eksguard", "version": env!("CARGO_PKG_VERSION")},
        "summary": report.summary(),
        "results": report.results,
        "frameworks": report.frameworks,
        "findings": active,
        "suppressed": suppressed,
        "gaps": report.gaps,
        "errors": report.errors,
    });
    if let Some(b) = report.baseline {
        doc["baseline"] = serde_json::to_value(b).map_err(io::Error::other)?;
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
