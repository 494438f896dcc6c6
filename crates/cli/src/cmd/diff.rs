//! `eksguard diff OLD.json NEW.json`: what appeared, what was fixed and what
//! changed status between two JSON reports.

use eksguard_core::Severity;
use eksguard_report::baseline::{Comparison, Entry, Snapshot, compare};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The earlier report (`eksguard scan --format json`).
    #[arg(value_name = "OLD.json")]
    old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW.json")]
    new: PathBuf,
    /// table, json or markdown.
    #[arg(short, long, default_value = "table")]
    format: String,
    /// Exit 1 when a new finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    fail_on: Severity,
}

fn read(path: &Path) -> anyhow::Result<Snapshot> {
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {name}: {e}"))?;
    Snapshot::read(&text, &name).map_err(anyhow::Error::msg)
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let old = read(&args.old)?;
    let new = read(&args.new)?;
    let c = compare(&old, &new);
    let mut out = std::io::stdout().lock();
    match args.format.as_str() {
        "json" => {
            serde_json::to_writer_pretty(&mut out, &c)?;
            writeln!(out)?;
        }
        "table" => table(&c, &mut out)?,
        "markdown" | "md" => markdown(&c, &mut out)?,
        other => anyhow::bail!("unknown format `{other}` (expected table, json or markdown)"),
    }
    Ok(if c.fails(args.fail_on) {
        crate::exit::FINDINGS
    } else {
        crate::exit::OK
    })
}

fn line(e: &Entry) -> String {
    let at = e.location.as_deref().unwrap_or(&e.object);
    format!(
        "{:<8} {:<10} {}  {}\n             {}",
        e.severity.as_str().to_uppercase(),
        e.control,
        e.object,
        at,
        e.message
    )
}

fn table(c: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
    for (title, entries, mark) in [("New", &c.new, "+"), ("Fixed", &c.fixed, "-")] {
        writeln!(out, "{title} ({})", entries.len())?;
        for e in entries {
            writeln!(out, "  {mark} {}", line(e))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "Changed ({})", c.changed.len())?;
    for ch in &c.changed {
        writeln!(
            out,
            "  ~ {:<10} {}  {} → {}",
            ch.control,
            if ch.object.is_empty() {
                "(whole scan)"
            } else {
                &ch.object
            },
            ch.from,
            ch.to
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} new, {} fixed, {} changed, {} unchanged",
        c.new.len(),
        c.fixed.len(),
        c.changed.len(),
        c.unchanged
    )
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(c: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "### eksguard diff: {} new, {} fixed, {} changed, {} unchanged\n",
        c.new.len(),
        c.fixed.len(),
        c.changed.len(),
        c.unchanged
    )?;
    for (title, entries) in [("New", &c.new), ("Fixed", &c.fixed)] {
        if entries.is_empty() {
            continue;
        }
        writeln!(out, "#### {title}\n")?;
        writeln!(out, "| Severity | Control | Object | Finding |")?;
        writeln!(out, "|---|---|---|---|")?;
        for e in entries {
            writeln!(
                out,
                "| {} | `{}` | `{}` | {} |",
                e.severity,
                e.control,
                cell(&e.object),
                cell(&e.message)
            )?;
        }
        writeln!(out)?;
    }
    if !c.changed.is_empty() {
        writeln!(out, "#### Changed\n")?;
        writeln!(out, "| Control | Object | From | To |")?;
        writeln!(out, "|---|---|---|---|")?;
        for ch in &c.changed {
            writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                ch.control,
                cell(&ch.object),
                ch.from,
                ch.to
            )?;
        }
    }
    Ok(())
}
