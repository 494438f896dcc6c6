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
    /// Send every AWS call to this endpoint (an emulator such as moto):
    /// an http:// or https:// URL.
    #[arg(long, value_name = "URL", value_parser = parse_endpoint_url)]
    pub endpoint_url: Option<String>,
    /// Give up connecting to an AWS endpoint after this many seconds.
    #[arg(long, value_name = "SECS", value_parser = parse_timeout, default_value = "3")]
    pub connect_timeout: Option<std::time::Duration>,
}

/// An endpoint URL as the SDK needs it: `http://` or `https://` and a host.
pub fn parse_endpoint_url(s: &str) -> Result<String, String> {
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(format!(
            "`{s}` has no scheme: give a URL such as http://{s} or https://{s}"
        ));
    };
    if !matches!(scheme, "http" | "https") {
        return Err(format!(
            "`{s}`: the scheme must be http or https, not {scheme}"
        ));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_only = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let name = if host_only.starts_with('[') {
        host_only
            .split(']')
            .next()
            .unwrap_or("")
            .trim_start_matches('[')
    } else {
        host_only.split(':').next().unwrap_or("")
    };
    if name.is_empty() {
        return Err(format!("`{s}` has no host"));
    }
    if let Some(port) = host_only
        .rsplit_once(':')
        .map(|(_, p)| p)
        .filter(|p| !p.ends_with(']'))
        && !host_only.ends_with(']')
        && port.parse::<u16>().is_err()
    {
        return Err(format!("`{s}`: `{port}` is not a port number"));
    }
    Ok(s.to_owned())
}

/// Seconds, more than zero (fractions allowed).
fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    match s.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs.is_finite() && secs <= 3600.0 => {
            Ok(std::time::Duration::from_secs_f64(secs))
        }
        _ => Err(format!(
            "`{s}` is not a number of seconds between 0 and 3600"
        )),
    }
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
    /// Directory to write (created if missing). A previous snapshot there is
    /// replaced as a whole, atomically; any other non-empty directory is
    /// refused.
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
    // Refuse before collecting: a wrong --out should not cost a collection.
    if a.out.is_dir()
        && std::fs::read_dir(&a.out).is_ok_and(|mut d| d.next().is_some())
        && !eksguard_aws::is_eksguard_snapshot(&a.out)
    {
        anyhow::bail!(
            "{} is not empty and is not an eksguard snapshot (no {}): refusing to replace it; choose a new or empty directory",
            a.out.display(),
            eksguard_aws::INDEX
        );
    }
    let target = live_target(&a.target)?;
    let docs = eksguard_aws::live::collect_blocking(&target)?;
    let region = docs_region(&docs).or(docs.region.clone());
    print_identity(docs.identity().as_ref(), region.as_deref(), "collecting as");
    let replaced = eksguard_aws::is_eksguard_snapshot(&a.out);
    eksguard_aws::write_snapshot(&a.out, &docs, &target.cluster, region.as_deref())
        .with_context(|| format!("cannot write snapshot to {}", a.out.display()))?;
    for g in &docs.gaps {
        eprintln!("warning: could not collect {}: {}", g.what, g.summary());
    }
    eprintln!(
        "wrote {} files to {}{}",
        docs.docs.len() + 1,
        a.out.display(),
        if replaced {
            " (replacing the previous snapshot)"
        } else {
            ""
        }
    );
    Ok(crate::exit::OK)
}

/// Says on stderr which principal the AWS side was read as.
fn print_identity(
    id: Option<&eksguard_core::aws::CallerIdentity>,
    region: Option<&str>,
    verb: &str,
) {
    let Some(id) = id else { return };
    eprintln!(
        "AWS: {verb} {} (account {}{})",
        id.arn.as_deref().unwrap_or("an unknown principal"),
        id.account.as_deref().unwrap_or("?"),
        region.map(|r| format!(", region {r}")).unwrap_or_default()
    );
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
        connect_timeout: t.connect_timeout,
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
                    print_identity(
                        facts.identity.as_ref(),
                        facts.region.as_deref(),
                        &format!("snapshot {} was collected as", dir.display()),
                    );
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
    let facts = docs.to_facts(true).0;
    print_identity(
        facts.identity.as_ref(),
        facts.region.as_deref().or(docs.region.as_deref()),
        "scanning as",
    );
    Ok(facts)
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
