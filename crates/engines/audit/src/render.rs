//! Output renderers: `jsonl` (streams), `json` and `table` (buffer), plus
//! the human summary for stderr. SARIF is rendered by the shared report
//! crate from the same [`Detection`]s.

use crate::detection::{Detection, Summary};
use serde::Serialize;
use std::io::{self, Write};

/// `--format` values this crate renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Jsonl,
    Json,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(OutputFormat::Table),
            "jsonl" => Ok(OutputFormat::Jsonl),
            "json" => Ok(OutputFormat::Json),
            other => Err(format!(
                "unknown output format `{other}` (expected table, jsonl or json)"
            )),
        }
    }
}

/// Writes one detection as a JSON line.
pub fn write_jsonl(w: &mut impl Write, d: &Detection) -> io::Result<()> {
    serde_json::to_writer(&mut *w, d)?;
    w.write_all(b"\n")
}

/// Writes `{"detections": [...], "summary": {...}}`.
pub fn write_json(
    w: &mut impl Write,
    detections: &[Detection],
    summary: &Summary,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Report<'a> {
        detections: &'a [Detection],
        summary: &'a Summary,
    }
    serde_json::to_writer_pretty(
        &mut *w,
        &Report {
            detections,
            summary,
        },
    )?;
    w.write_all(b"\n")
}

/// Writes an aligned text table, one detection per row.
pub fn write_table(w: &mut impl Write, detections: &[Detection]) -> io::Result<()> {
    if detections.is_empty() {
        return writeln!(w, "No detections.");
    }
    let header = [
        "SEVERITY",
        "RULE",
        "TIME",
        "USER",
        "SOURCE IP",
        "VERB",
        "OBJECT",
        "MESSAGE",
    ];
    let rows: Vec<[String; 8]> = detections
        .iter()
        .map(|d| {
            [
                d.severity.to_string(),
                d.rule.to_string(),
                d.timestamp.clone(),
                d.user.clone(),
                d.source_ip.clone(),
                d.verb.clone(),
                d.object.clone(),
                d.message.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (i, c) in r.iter().enumerate().take(7) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |w: &mut dyn Write, cells: [&str; 8]| -> io::Result<()> {
        for (i, c) in cells.iter().enumerate().take(7) {
            write!(w, "{c:<width$}  ", width = widths[i])?;
        }
        writeln!(w, "{}", cells[7])
    };
    line(w, header)?;
    for r in &rows {
        line(
            w,
            [&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6], &r[7]].map(|s| s.as_str()),
        )?;
    }
    Ok(())
}

/// The human summary printed on stderr at the end of a run.
pub fn write_summary(w: &mut impl Write, s: &Summary) -> io::Result<()> {
    write!(
        w,
        "audit: {} input(s), {} records, {} events ({} judged), {} duplicates skipped, {} truncated, {} unparseable, {} control messages\n  stages:",
        s.inputs,
        s.records,
        s.events,
        s.evaluated,
        s.duplicates,
        s.truncated,
        s.unparseable,
        s.control_messages
    )?;
    for (stage, n) in &s.stages {
        write!(w, " {stage}={n}")?;
    }
    write!(w, "\n  detections: {}", s.total_detections())?;
    for sev in eksguard_core::Severity::ALL {
        if let Some(n) = s.detections.get(&sev) {
            write!(w, " {sev}={n}")?;
        }
    }
    writeln!(w)?;
    for i in s.truncated_samples.iter().chain(&s.unparseable_samples) {
        writeln!(w, "  {}: {}: {}", i.input, i.position, i.reason)?;
    }
    Ok(())
}

/// Streams detections in the chosen format: `jsonl` is written as it
/// arrives, `table` and `json` at [`Renderer::finish`].
pub struct Renderer<W: Write> {
    format: OutputFormat,
    out: W,
    held: Vec<Detection>,
}

impl<W: Write> Renderer<W> {
    pub fn new(format: OutputFormat, out: W) -> Self {
        Renderer {
            format,
            out,
            held: Vec::new(),
        }
    }

    pub fn push(&mut self, d: Detection) -> io::Result<()> {
        match self.format {
            OutputFormat::Jsonl => write_jsonl(&mut self.out, &d),
            _ => {
                self.held.push(d);
                Ok(())
            }
        }
    }

    pub fn finish(mut self, summary: &Summary) -> io::Result<W> {
        match self.format {
            OutputFormat::Jsonl => {}
            OutputFormat::Json => write_json(&mut self.out, &self.held, summary)?,
            OutputFormat::Table => write_table(&mut self.out, &self.held)?,
        }
        self.out.flush()?;
        Ok(self.out)
    }
}
