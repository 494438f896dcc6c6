//! `--format json`: the versioned report schema (docs/report-schema.md).

use crate::Report;
use serde_json::json;
use std::io::{self, Write};

/// Bumped on any incompatible change to the JSON shape.
pub const SCHEMA_VERSION: u32 = 1;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let active: Vec<_> = report.active().collect();
    let suppressed: Vec<_> = report.suppressed().collect();
    let doc = json!({
        "schema": format!("eksguard.report/v{SCHEMA_VERSION}"),
        "tool": {"name": "eksguard", "version": env!("CARGO_PKG_VERSION")},
        "summary": report.summary(),
        "findings": active,
        "suppressed": suppressed,
        "errors": report.errors,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
