//! `eksguard controls`.

use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    /// table or json.
    #[arg(short, long, default_value = "table")]
    format: String,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    let controls: Vec<_> = eksguard_controls::all().iter().map(|c| c.meta()).collect();
    match args.format.as_str() {
        "json" => {
            let items: Vec<_> = controls
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.id,
                        "name": c.name,
                        "title": c.title,
                        "severity": c.severity,
                        "pillar": c.pillar,
                        "responsibility": c.responsibility,
                        "verified": (!c.verified.is_empty()).then_some(c.verified),
                        "references": c.section("References").map(|r| r.lines().map(|l| l.trim_start_matches("- ").to_owned()).collect::<Vec<_>>()),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &items)?;
            writeln!(out)?;
        }
        "table" => {
            // IDs run from IMG-001 to NETPOL-101: size the column to them.
            let w = controls.iter().map(|c| c.id.len()).max().unwrap_or(2);
            writeln!(
                out,
                "{:<w$} {:<9} {:<26} {:<12} TITLE",
                "ID", "SEVERITY", "PILLAR", "OWNER"
            )?;
            for c in controls {
                writeln!(
                    out,
                    "{:<w$} {:<9} {:<26} {:<12} {}",
                    c.id,
                    c.severity.as_str(),
                    c.pillar.as_str(),
                    c.responsibility.as_str(),
                    c.title
                )?;
            }
        }
        other => anyhow::bail!("unknown format `{other}` (expected table or json)"),
    }
    Ok(crate::exit::OK)
}
