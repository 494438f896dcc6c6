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
    /// kustomization are rendered with `kubectl kustomize`, Helm charts
    /// (`Chart.yaml`) with `helm template`.
    #[arg(required_unless_present_any = ["aws", "aws_snapshot", "kube"], value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// table (default), json, sarif, junit, markdown, policyreport, html.
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<Format>,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity [default: high, or fail_on in the config].
    /// With --baseline, only new findings count.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// Accept a partial scan: controls whose input could not be collected
    /// (a denied AWS call, a forbidden list) are reported not checked, and
    /// the exit code is 0 or 1 instead of 2 [default: allow_partial in the config].
    #[arg(long)]
    allow_partial: bool,
    /// Compliance framework to map the results onto (repeatable; `eksguard
    /// frameworks` lists them) [default: all].
    #[arg(long = "framework", value_name = "ID")]
    frameworks: Vec<String>,
    /// Table: list every finding with its location and fix after the
    /// verdict screen.
    #[arg(long)]
    details: bool,
    /// An earlier JSON report: mark findings new or unchanged, list the
    /// fixed ones, and apply --fail-on to new findings only.
    #[arg(long, value_name = "OLD.json")]
    baseline: Option<PathBuf>,
    /// Configuration file [default: ./eksguard.yaml if present].
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Values file for the Helm charts found under PATH, after each chart's
    /// own values.yaml (repeatable; `helm template --values`).
    #[arg(long, value_name = "FILE")]
    helm_values: Vec<PathBuf>,
    /// A value for the Helm charts found under PATH (repeatable; `helm
    /// template --set`).
    #[arg(long, value_name = "K=V")]
    helm_set: Vec<String>,
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

/// The frameworks `ids` name (all when empty), or an error naming the
/// unknown ID and the known ones.
pub fn select_frameworks(
    ids: &[String],
) -> anyhow::Result<Vec<&'static eksguard_frameworks::Framework>> {
    if ids.is_empty() {
        return Ok(eksguard_frameworks::all().iter().collect());
    }
    let mut out: Vec<&'static eksguard_frameworks::Framework> = Vec::new();
    for id in ids {
        let fw = eksguard_frameworks::by_id(id).ok_or_else(|| {
            let known: Vec<&str> = eksguard_frameworks::all()
                .iter()
                .map(|f| f.id.as_str())
                .collect();
            anyhow::anyhow!(
                "unknown framework `{id}` (known: {}, and cis-eks for the newest CIS EKS benchmark)",
                known.join(", ")
            )
        })?;
        if !out.iter().any(|f| f.id == fw.id) {
            out.push(fw);
        }
    }
    Ok(out)
}

/// Maps results onto each framework's requirements.
pub fn evaluate_frameworks(
    frameworks: &[&eksguard_frameworks::Framework],
    results: &[eksguard_core::CheckResult],
) -> Vec<eksguard_frameworks::FrameworkResult> {
    use eksguard_core::Status;
    use eksguard_frameworks::{ReqInput, ResultView};
    frameworks
        .iter()
        .map(|fw| {
            let views = results.iter().enumerate().map(|(index, r)| ResultView {
                index,
                control: r.control,
                status: match r.status {
                    Status::Pass => ReqInput::Pass,
                    Status::Fail => ReqInput::Fail,
                    Status::NotChecked => ReqInput::NotChecked,
                    Status::NotApplicable => ReqInput::NotApplicable,
                },
                suppressed: r.suppressed,
            });
            eksguard_frameworks::evaluate(fw, views)
        })
        .collect()
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let loaded = crate::config::load(args.config.as_deref())?;
    let config = loaded.config;
    let framework_ids = if args.frameworks.is_empty() {
        config.frameworks.clone().unwrap_or_default()
    } else {
        args.frameworks.clone()
    };
    let frameworks = select_frameworks(&framework_ids)?;
    let allow_partial = args.allow_partial || config.allow_partial;
    // Read the baseline first: a wrong file should fail before a long scan.
    let baseline = match &args.baseline {
        Some(p) => {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read baseline {name}: {e}"))?;
            Some(
                eksguard_report::baseline::Snapshot::read(&text, &name)
                    .map_err(anyhow::Error::msg)?,
            )
        }
        None => None,
    };
    let today = args.now.unwrap_or_else(Date::today);
    crate::pipeline::phase("start");
    let progress = crate::progress::Progress::start("scan");
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
        helm: eksguard_files::HelmOptions {
            values: args.helm_values.clone(),
            set: args.helm_set.clone(),
        },
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
    let mut gaps = Vec::new();
    let ecr = if args.aws {
        let mut ecr_images = super::images::ecr_images_in_files(&args.paths, &read);
        if let Some(l) = live.take() {
            let (batches, errors, live_gaps) = l.collect_packed();
            ecr_images.extend(batches.iter().flat_map(|b| b.ecr_images.iter().cloned()));
            unchecked = Some((batches, errors));
            gaps.extend(live_gaps);
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
        (Some(l), _) => {
            let (batches, errors, live_gaps) = l.collect(&opts);
            gaps.extend(live_gaps);
            (batches, errors)
        }
        (None, Some((batches, errors))) => (
            batches
                .into_iter()
                .map(|b| {
                    let (objects, errors) = b.objects();
                    pipeline::check(objects, errors, &opts)
                })
                .collect(),
            errors,
        ),
        (None, None) => Default::default(),
    };
    let mut out = pipeline::scan(&args.paths, batches, gaps, &opts);
    progress.finish();
    out.errors.extend(aws_errors);
    out.errors.extend(image_errors);
    out.errors.extend(live_errors);
    let format = args.format.unwrap_or(Format::Table);
    let controls: Vec<_> = eksguard_controls::all().iter().map(|c| c.meta()).collect();
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(Severity::High);
    let framework_results = evaluate_frameworks(&frameworks, &out.results);
    let comparison = baseline.as_ref().map(|old| {
        let new = eksguard_report::baseline::Snapshot::of(&out.findings, &out.results);
        let c = eksguard_report::baseline::compare(old, &new);
        let new_prints: std::collections::HashSet<&str> =
            c.new.iter().map(|e| e.fingerprint.as_str()).collect();
        for f in &mut out.findings {
            f.baseline = Some(if new_prints.contains(f.fingerprint.as_str()) {
                eksguard_core::BaselineState::New
            } else {
                eksguard_core::BaselineState::Unchanged
            });
        }
        c
    });
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let report = Report {
        findings: &out.findings,
        errors: &out.errors,
        controls: &controls,
        results: &out.results,
        gaps: &out.gaps,
        allow_partial,
        frameworks: &framework_results,
        baseline: comparison.as_ref(),
        details: args.details,
        objects: out.inventory.objects().len(),
        inputs: out.inputs,
        fail_on,
        timestamp,
    };
    crate::pipeline::phase("frameworks, baseline");
    let mut w = super::output(args.output.as_deref())?;
    eksguard_report::render(
        format,
        &report,
        &mut w,
        super::use_color(args.output.is_some()),
    )?;
    w.flush()?;
    crate::pipeline::phase("report written");
    // On a terminal the table already lists input errors; otherwise tell stderr.
    if format != Format::Table || args.output.is_some() {
        for e in &out.errors {
            eprintln!("{e}");
        }
        for g in &out.gaps {
            let level = match g.kind {
                eksguard_core::GapKind::CollectionFailed => "error",
                eksguard_core::GapKind::NotCollected => "warning",
            };
            eprintln!(
                "{level}: {}: {} not collected: {}",
                g.input,
                g.need.describe(),
                g.reason
            );
        }
    }
    let summary = report.summary();
    if out.errors.iter().any(|e| e.level == ErrorLevel::Error) {
        return Ok(exit::ERROR);
    }
    // A check that could not run is never a pass: a scan whose collection
    // failed is an error unless the user accepted a partial scan.
    if summary.collection_failures > 0 {
        if !allow_partial {
            eprintln!(
                "error: {} results were not checked because collection failed (see \"Not checked\"); fix access and scan again, or accept a partial scan with --allow-partial",
                summary.collection_failures
            );
            return Ok(exit::ERROR);
        }
        eprintln!(
            "warning: partial scan: {} results were not checked because collection failed",
            summary.collection_failures
        );
    }
    Ok(if summary.failed {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

use std::io::Write;
