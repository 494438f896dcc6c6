//! `eksguard explain ID`.

#[derive(clap::Args)]
pub struct Args {
    /// Control ID (e.g. IAM-005) or name (e.g. host-network).
    id: String,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Some(c) = eksguard_controls::by_id(&args.id) else {
        anyhow::bail!(
            "no control `{}`; `eksguard controls` lists them",
            args.id
        );
    };
    let m = c.meta();
    println!("# {} {}: {}", m.id, m.name, m.title);
    println!();
    println!(
        "Severity: {} · Pillar: {} · Responsibility: {}",
        m.severity,
        m.pillar.title(),
        m.responsibility.title()
    );
    println!();
    println!("{}", m.docs());
    Ok(crate::exit::OK)
}
