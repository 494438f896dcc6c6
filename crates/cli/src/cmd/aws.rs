//! `eksguard aws snapshot`, and the AWS side of `eksguard scan`.

use eksguard_controls::config::Date;
use eksguard_core::InputError;
use eksguard_core::aws::AwsFacts;
use std::path::{Path, PathBuf};

/// Which account and cluster to read live.
#[derive(clap::Args, Clone, Default)]
pub struct Target {
    /// EKS cluster name (live AWS collection).
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// AWS region [default: from the AWS config/environment].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Named profile from the AWS config files.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (an emulator such as moto).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Collect the AWS side of a cluster into a snapshot directory (the JSON
    /// the `aws` CLI prints), to scan later with `scan --aws-snapshot DIR`.
    Snapshot(SnapshotArgs),
}

#[derive(clap::Args)]
struct SnapshotArgs {
    #[command(flatten)]
    target: Target,
    /// Directory to write (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::Snapshot(a) => snapshot(a),
    }
}

#[cfg(feature = "aws-live")]
fn snapshot(a: SnapshotArgs) -> anyhow::Result<u8> {
    use anyhow::Context;
    let target = live_target(&a.target)?;
    let docs = eksguard_aws::live::collect_blocking(&target)?;
    eksguard_aws::write_snapshot(
        &a.out,
        &docs,
        &target.cluster,
        docs_region(&docs).as_deref(),
    )
    .with_context(|| format!("cannot write snapshot to {}", a.out.display()))?;
    for g in &docs.gaps {
        eprintln!(
            "warning: could not check {}: {} ({})",
            g.what, g.action, g.code
        );
    }
    eprintln!("wrote {} files to {}", docs.docs.len() + 1, a.out.display());
    Ok(crate::exit::OK)
}

#[cfg(not(feature = "aws-live"))]
fn snapshot(_: SnapshotArgs) -> anyhow::Result<u8> {
    anyhow::bail!("this eksguard was built without live AWS support (feature aws-live)")
}

#[cfg(feature = "aws-live")]
fn docs_region(docs: &eksguard_aws::Documents) -> Option<String> {
    docs.to_facts(true).0.region
}

#[cfg(feature = "aws-live")]
fn live_target(t: &Target) -> anyhow::Result<eksguard_aws::live::Target> {
    let cluster = t
        .cluster
        .clone()
        .ok_or_else(|| anyhow::anyhow!("--cluster NAME is required for live AWS collection"))?;
    Ok(eksguard_aws::live::Target {
        cluster,
        region: t.region.clone(),
        profile: t.profile.clone(),
        endpoint_url: t.endpoint_url.clone(),
    })
}

/// The AWS facts for `scan`: live (`--aws`), an explicit snapshot
/// (`--aws-snapshot`), or the first snapshot directory found under the
/// scanned paths. Problems become input errors naming the file.
pub fn facts_for_scan(
    live: bool,
    target: &Target,
    snapshot: Option<&Path>,
    paths: &[PathBuf],
    today: Date,
) -> anyhow::Result<(Option<AwsFacts>, Vec<InputError>)> {
    let mut errors = Vec::new();
    let facts = if live {
        Some(live_facts(target)?)
    } else {
        let dirs = match snapshot {
            Some(d) => vec![d.to_path_buf()],
            None => eksguard_aws::find_snapshots(paths),
        };
        if dirs.len() > 1 {
            errors.push(InputError::warning(
                dirs[1].display().to_string(),
                format!("several AWS snapshots found; using {} only (pass --aws-snapshot DIR to choose)", dirs[0].display()),
            ));
        }
        match dirs.first() {
            None => None,
            Some(dir) => match eksguard_aws::read_snapshot(dir) {
                Ok((facts, problems)) => {
                    errors.extend(
                        problems
                            .iter()
                            .map(|p| InputError::error(p.input(), p.to_string())),
                    );
                    Some(facts)
                }
                Err(e) => {
                    errors.push(InputError::error(e.input(), e.to_string()));
                    None
                }
            },
        }
    };
    Ok((
        facts.map(|mut f| {
            // Support-calendar checks are evaluated at the scan date.
            f.as_of = Some(today.to_string());
            f
        }),
        errors,
    ))
}

#[cfg(feature = "aws-live")]
fn live_facts(target: &Target) -> anyhow::Result<AwsFacts> {
    let docs = eksguard_aws::live::collect_blocking(&live_target(target)?)?;
    Ok(docs.to_facts(true).0)
}

#[cfg(not(feature = "aws-live"))]
fn live_facts(_: &Target) -> anyhow::Result<AwsFacts> {
    anyhow::bail!(
        "this eksguard was built without live AWS support (feature aws-live); use --aws-snapshot DIR"
    )
}

/// Live Amazon ECR scan findings of `images` (for `scan --aws`), read as
/// the `aws ecr describe-image-scan-findings` documents they are.
#[cfg(feature = "aws-live")]
pub fn ecr_scans(
    target: &Target,
    images: &[eksguard_images::EcrImage],
) -> anyhow::Result<(Vec<eksguard_images::ImageScan>, Vec<InputError>)> {
    let (docs, mut errors) =
        eksguard_aws::live::ecr_scan_findings_blocking(&live_target(target)?, images)?;
    let (scans, more) = super::images::parse_documents(docs);
    errors.extend(more);
    Ok((scans, errors))
}

#[cfg(not(feature = "aws-live"))]
pub fn ecr_scans(
    _: &Target,
    _: &[eksguard_images::EcrImage],
) -> anyhow::Result<(Vec<eksguard_images::ImageScan>, Vec<InputError>)> {
    anyhow::bail!("this eksguard was built without live AWS support (feature aws-live)")
}
