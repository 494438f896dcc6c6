//! `eksguard scan`.

use crate::exit;
use crate::pipeline::{self, ScanOptions};
use eksguard_controls::config::{Date, parse_date};
use eksguard_core::{ErrorLevel, Severity};
use eksguard_report::{Format, Report};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Files, directories (recursive) or `-` for stdin. Directories with a
    /// kustomization are rendered with `kubectl kustomize`.
    #[arg(required_unless_present_any = ["aws", "aws_snapshot", "kube"], value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// table (default), json, sarif, junit, markdown, policyreport, html.
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<Format>,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity [default: high, or fail_on in the config].
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// Configuration file [default: ./eksguard.yaml if present].
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Refuse input files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    max_file_size: u64,
    /// The cluster's Kubernetes version (e.g. 1.31): what PSS `latest` means
    /// [default: the newest version eksguard knows].
    #[arg(long, value_name = "1.N", value_parser = parse_k8s_version)]
    k8s_version: Option<u64>,
    /// Evaluate dates (exception expiry) as of this day, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = parse_now)]
    now: Option<Date>,
    /// Also check the AWS side live with the AWS SDK (default credential
    /// chain): the EKS cluster named by --cluster, its IAM, EC2 and KMS.
    #[arg(long, requires = "cluster")]
    aws: bool,
    /// Read the AWS side from a snapshot directory (`eksguard aws snapshot`
    /// or `aws` CLI output) [default: a snapshot found under PATH].
    #[arg(long, value_name = "DIR", conflicts_with = "aws")]
    aws_snapshot: Option<PathBuf>,
    /// Image vulnerability scan reports (Trivy, Grype or ECR JSON; files or
    /// directories): enables the vulnerability gate IMG-010 and IMG-011
    /// [default: `image-reports/` directories found under PATH].
    #[arg(long, value_name = "REPORT")]
    image_reports: Vec<PathBuf>,
    #[command(flatten)]
    target: super::aws::Target,
    #[command(flatten)]
    kube: super::cluster::KubeArgs,
}

/// Parses `1.31` or `v1.31` into the minor version.
pub fn parse_k8s_version(s: &str) -> Result<u64, String> {
    s.trim_start_matches('v')
        .strip_prefix("1.")
        .and_then(|m| m.split('.').next())
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| format!("`{s}` is not a Kubernetes version like 1.31"))
}

fn parse_now(s: &str) -> Result<Date, String> {
    parse_date(s).ok_or_else(|| format!("`{s}` is not a YYYY-MM-DD date"))
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let loaded = crate::config::load(args.config.as_deref())?;
    let config = loaded.config;
    let today = args.now.unwrap_or_else(Date::today);
    let live = super::cluster::Live::start(&args.kube)?;
    let (aws, aws_errors) = super::aws::facts_for_scan(
        args.aws,
        &args.target,
        args.aws_snapshot.as_deref(),
        &args.paths,
        today,
    )?;
    let report_paths = if args.image_reports.is_empty() {
        super::images::find_under(&args.paths)
    } else {
        args.image_reports.clone()
    };
    let read = eksguard_files::ReadOptions {
        max_file_size: args.max_file_size,
        ..Default::default()
    };
    let k8s_minor = args
        .k8s_version
        .or(live.as_ref().and_then(|l| l.k8s_minor()));
    // With live AWS, the ECR scan findings of the images the workloads run
    // join the reports; the index must exist before objects are checked, so
    // the files' images are read in a pre-pass and the live cluster is
    // listed before it is checked.
    let mut live = live;
    let mut unchecked = None;
    let ecr = if args.aws {
        let mut ecr_images = super::images::ecr_images_in_files(&args.paths, &read);
        if let Some(l) = live.take() {
            let (batches, errors) = l.collect_unchecked();
            ecr_images.extend(super::images::ecr_images(
                batches.iter().flat_map(|b| &b.objects),
            ));
            unchecked = Some((batches, errors));
        }
        ecr_images.sort();
        ecr_images.dedup();
        if ecr_images.is_empty() {
            None
        } else {
            Some(super::aws::ecr_scans(&args.target, &ecr_images)?)
        }
    } else {
        None
    };
    let (images, image_errors) = super::images::load_with(&report_paths, ecr);
    let opts = ScanOptions {
        read,
        config: &config,
        config_path: loaded.path.as_deref(),
        today,
        k8s_minor,
        images: images.as_ref(),
        aws,
    };
    let (batches, live_errors) = match (live, unchecked) {
        (Some(l), _) => l.collect(&opts),
        (None, Some((batches, errors))) => (
            batches
                .into_iter()
                .map(|b| pipeline::check(b.objects, b.errors, &opts))
                .collect(),
            errors,
        ),
        (None, None) => Default::default(),
    };
    let mut out = pipeline::scan(&args.paths, batches, &opts);
    out.errors.extend(aws_errors);
    out.errors.extend(image_errors);
    out.errors.extend(live_errors);
    let format = args.format.unwrap_or(Format::Table);
    let evaluated = if matches!(format, Format::Junit | Format::PolicyReport) {
        pipeline::evaluated(&out.inventory, &opts)
    } else {
        Vec::new()
    };
    let controls: Vec<_> = eksguard_controls::all().iter().map(|c| c.meta()).collect();
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(Severity::High);
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let report = Report {
        findings: &out.findings,
        errors: &out.errors,
        controls: &controls,
        evaluated: &evaluated,
        objects: out.inventory.objects().len(),
        inputs: out.inputs,
        fail_on,
        timestamp,
    };
    let mut w = super::output(args.output.as_deref())?;
    eksguard_report::render(
        format,
        &report,
        &mut w,
        super::use_color(args.output.is_some()),
    )?;
    w.flush()?;
    // On a terminal the table already lists input errors; otherwise tell stderr.
    if format != Format::Table || args.output.is_some() {
        for e in &out.errors {
            eprintln!("{e}");
        }
    }
    if out.errors.iter().any(|e| e.level == ErrorLevel::Error) {
        return Ok(exit::ERROR);
    }
    Ok(if report.summary().failed {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

use std::io::Write;
