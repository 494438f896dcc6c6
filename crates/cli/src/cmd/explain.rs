//! `eksguard explain ID`.

#[derive(clap::Args)]
pub struct Args {
    /// Control ID (e.g. IAM-005), control name (e.g. host-network) or
    /// audit rule ID (e.g. AUD-001).
    id: String,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Some(c) = eksguard_controls::by_id(&args.id) else {
        // Audit rules share the explain surface; control IDs win on a clash.
        if let Some(rule) = eksguard_audit::rules::find(&args.id) {
            print!("{}", rule.explain());
            return Ok(crate::exit::OK);
        }
        anyhow::bail!(
            "no control or audit rule `{}`; `eksguard controls` and `eksguard audit --list-rules` list them",
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
    if !m.verified.is_empty() {
        println!();
        println!(
            "AWS-managed under EKS Auto Mode. Verified means: {}.",
            m.verified
        );
    }
    println!();
    println!("{}", m.docs());
    Ok(crate::exit::OK)
}
