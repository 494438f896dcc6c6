//! `--format markdown`: a summary for a pull-request comment.

use crate::{Report, location_text};
use eksguard_core::Severity;
use std::io::{self, Write};

const MAX_ROWS: usize = 50;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary();
    let icon = if s.failed { "❌" } else { "✅" };
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            let n = s.by_severity.get(sev.as_str()).copied().unwrap_or(0);
            (n > 0).then(|| format!("**{n}** {sev}"))
        })
        .collect();
    writeln!(out, "### {icon} eksguard: {} findings", s.findings)?;
    writeln!(out)?;
    if counts.is_empty() {
        writeln!(out, "No findings. ")?;
    } else {
        writeln!(out, "{}. ", counts.join(", "))?;
    }
    writeln!(
        out,
        "Fails at **{}**; {} suppressed; {} objects from {} inputs; {} input errors.",
        s.fail_on, s.suppressed, s.objects, s.inputs, s.errors
    )?;
    writeln!(out)?;
    let mut active: Vec<_> = report.active().collect();
    active.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    if !active.is_empty() {
        writeln!(
            out,
            "| Severity | Control | Pillar | Owner | Object | Location | Finding |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for f in active.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "| {} | `{}` | {} | {} | `{}` | {} | {} |",
                f.severity,
                f.control,
                f.pillar.title(),
                f.responsibility.title(),
                cell(&f.object.short()),
                cell(&location_text(f)),
                cell(&f.message)
            )?;
        }
        if active.len() > MAX_ROWS {
            writeln!(out)?;
            writeln!(
                out,
                "…and {} more (see the full report).",
                active.len() - MAX_ROWS
            )?;
        }
        writeln!(out)?;
    }
    let suppressed: Vec<_> = report.suppressed().collect();
    if !suppressed.is_empty() {
        writeln!(
            out,
            "<details><summary>{} suppressed</summary>",
            suppressed.len()
        )?;
        writeln!(out)?;
        for f in suppressed.iter().take(MAX_ROWS) {
            let reason = f.suppressed.as_ref().map_or("", |s| s.reason.as_str());
            writeln!(
                out,
                "- `{}` `{}`: {}",
                f.control,
                cell(&f.object.short()),
                cell(reason)
            )?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
        writeln!(out)?;
    }
    if !report.errors.is_empty() {
        writeln!(
            out,
            "<details><summary>{} input problems</summary>",
            report.errors.len()
        )?;
        writeln!(out)?;
        for e in report.errors.iter().take(MAX_ROWS) {
            writeln!(out, "- {}", cell(&e.to_string()))?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    Ok(())
}
