//! `eksguard frameworks`: the compliance frameworks results map onto.

use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    /// Show one framework's requirements and the controls behind each.
    #[arg(value_name = "ID")]
    id: Option<String>,
    /// table or json.
    #[arg(short, long, default_value = "table")]
    format: String,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    let selected = match &args.id {
        Some(id) => super::scan::select_frameworks(std::slice::from_ref(id))?,
        None => eksguard_frameworks::all().iter().collect(),
    };
    match (args.format.as_str(), &args.id) {
        ("json", _) => {
            let items: Vec<_> = selected
                .iter()
                .map(|f| {
                    let mut v = serde_json::json!({
                        "id": f.id, "name": f.name, "version": f.version, "url": f.url,
                        "requirements": f.requirements.len(),
                    });
                    if args.id.is_some() {
                        v["requirements"] = serde_json::to_value(&f.requirements)?;
                    }
                    Ok(v)
                })
                .collect::<Result<_, serde_json::Error>>()?;
            serde_json::to_writer_pretty(&mut out, &items)?;
            writeln!(out)?;
        }
        ("table", None) => {
            writeln!(
                out,
                "{:<20} {:>5} {:>9} {:>6} {:>11}  NAME",
                "ID", "REQS", "AUTOMATED", "MANUAL", "AWS-MANAGED"
            )?;
            for f in selected {
                let n = |m: eksguard_frameworks::Mode| {
                    f.requirements.iter().filter(|r| r.mode == m).count()
                };
                writeln!(
                    out,
                    "{:<20} {:>5} {:>9} {:>6} {:>11}  {} {}",
                    f.id,
                    f.requirements.len(),
                    n(eksguard_frameworks::Mode::Automated),
                    n(eksguard_frameworks::Mode::Manual),
                    n(eksguard_frameworks::Mode::AwsManaged),
                    f.name,
                    f.version
                )?;
            }
            writeln!(
                out,
                "\n`cis-eks` names the newest CIS EKS benchmark shipped; `eksguard frameworks ID` lists a framework's requirements."
            )?;
        }
        ("table", Some(_)) => {
            for f in selected {
                writeln!(out, "{} — {} {}", f.id, f.name, f.version)?;
                let w = f.requirements.iter().map(|r| r.id.len()).max().unwrap_or(4);
                for r in &f.requirements {
                    writeln!(
                        out,
                        "  {:<w$}  {:<11}  {}{}",
                        r.id,
                        r.mode.as_str(),
                        r.title,
                        if r.controls.is_empty() {
                            String::new()
                        } else {
                            format!("  [{}]", r.controls.join(", "))
                        }
                    )?;
                }
            }
        }
        (other, _) => anyhow::bail!("unknown format `{other}` (expected table or json)"),
    }
    Ok(crate::exit::OK)
}
