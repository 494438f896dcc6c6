//! `eksguard images gate`: the image vulnerability gate on scan reports, for
//! CI; and the `--image-reports` loader `scan` and the webhook share.

use crate::exit;
use eksguard_core::InputError;
use eksguard_images::{ImageIndex, ImageScan, VulnSeverity, read_reports};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Scan reports larger than this are refused (Trivy's JSON for a large
/// image with every language package is a few MB).
const MAX_REPORT_BYTES: u64 = 256 << 20;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Decide which images pass the vulnerability gate, from Trivy
    /// (`trivy image -f json`), Grype (`grype -o json`) or Amazon ECR
    /// (`aws ecr describe-image-scan-findings`) reports. Exit 1 when an
    /// image has vulnerabilities at or above the gate, 2 when a report
    /// cannot be read.
    Gate(GateArgs),
}

#[derive(clap::Args)]
pub struct GateArgs {
    /// Report files, or directories of `*.json` reports.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
    /// Block vulnerabilities at or above this severity [default: high, or
    /// images.vulnerabilities.fail_on in the config].
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<VulnSeverity>,
    /// Skip vulnerabilities that no released version fixes.
    #[arg(long)]
    ignore_unfixed: bool,
    /// table (default) or json.
    #[arg(short, long, value_name = "FORMAT", default_value = "table")]
    format: GateFormat,
    /// Configuration file (images.vulnerabilities: ignores with reasons and expiry).
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum GateFormat {
    Table,
    Json,
}

pub fn run(c: Command) -> anyhow::Result<u8> {
    match c {
        Command::Gate(a) => gate(a),
    }
}

/// `image-reports/` directories under the scanned paths: used when
/// `--image-reports` is not given, as AWS snapshots found there are.
pub fn find_under(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        dirs.sort();
        for d in dirs {
            if d.file_name()
                .is_some_and(|n| n == eksguard_files::IMAGE_REPORTS_DIR)
            {
                found.push(d);
            } else {
                walk(&d, found);
            }
        }
    }
    let mut found = Vec::new();
    for p in paths.iter().filter(|p| p.is_dir()) {
        if p.file_name()
            .is_some_and(|n| n == eksguard_files::IMAGE_REPORTS_DIR)
        {
            found.push(p.clone());
        } else {
            walk(p, &mut found);
        }
    }
    found
}

/// Reads `--image-reports`: the index, and an input error per unreadable
/// report (the scan goes on without it and exits 2).
pub fn load(paths: &[PathBuf]) -> (Option<ImageIndex>, Vec<InputError>) {
    load_with(paths, None)
}

/// [`load`], with scans read elsewhere (live ECR findings) added as if they
/// were report files; `Some` enables the gate even when there are none
/// (every ECR image the workloads run was asked about).
pub fn load_with(
    paths: &[PathBuf],
    live: Option<(Vec<ImageScan>, Vec<InputError>)>,
) -> (Option<ImageIndex>, Vec<InputError>) {
    if paths.is_empty() && live.is_none() {
        return (None, Vec::new());
    }
    let (mut scans, errors) = read_reports(paths, MAX_REPORT_BYTES);
    let mut errors: Vec<InputError> = errors.into_iter().map(input_error).collect();
    if let Some((more, more_errors)) = live {
        scans.extend(more);
        errors.extend(more_errors);
    }
    (Some(ImageIndex::new(scans)), errors)
}

/// Reads live ECR scan documents (`aws ecr describe-image-scan-findings`
/// shaped) as reports named by their pseudo file names.
#[cfg_attr(not(feature = "aws-live"), allow(dead_code))]
pub fn parse_documents(
    docs: Vec<(String, serde_json::Value)>,
) -> (Vec<ImageScan>, Vec<InputError>) {
    let mut scans = Vec::new();
    let mut errors = Vec::new();
    for (name, doc) in docs {
        let bytes = serde_json::to_vec(&doc).unwrap_or_default();
        match eksguard_images::report::parse_report(&name, &bytes) {
            Ok(s) => scans.push(s),
            Err(e) => errors.push(input_error(e)),
        }
    }
    (scans, errors)
}

/// The ECR images (deduplicated, sorted) the workloads among `objects` run.
pub fn ecr_images<'a>(
    objects: impl IntoIterator<Item = &'a eksguard_core::Object>,
) -> Vec<eksguard_images::EcrImage> {
    let mut out = std::collections::BTreeSet::new();
    for obj in objects {
        let Some(pod) = obj.pod_spec() else { continue };
        for c in pod.containers() {
            if let Some(l) = c
                .value
                .get("image")
                .and_then(|i| i.as_str())
                .and_then(eksguard_images::ecr_location)
            {
                out.insert(l);
            }
        }
    }
    out.into_iter().collect()
}

/// The ECR images the workloads in the files under `paths` run: a cheap
/// pre-pass, so the image index exists before the scan checks objects
/// while loading them. Standard input is not read here (it can be read
/// once only): ECR images given on stdin are not asked about.
pub fn ecr_images_in_files(
    paths: &[PathBuf],
    read: &eksguard_files::ReadOptions,
) -> Vec<eksguard_images::EcrImage> {
    use rayon::prelude::*;
    let (inputs, _) = eksguard_files::discover(paths);
    let found: Vec<Vec<eksguard_images::EcrImage>> = inputs
        .par_iter()
        .filter(|i| !matches!(i, eksguard_files::Input::Stdin))
        // Each object's images as it is read: a dump is never held whole.
        .map(|i| {
            let l = eksguard_files::load_with(i, read, &|o| ecr_images(std::slice::from_ref(&o)));
            l.items.into_iter().flatten().collect()
        })
        .collect();
    let mut all: Vec<_> = found.into_iter().flatten().collect();
    all.sort();
    all.dedup();
    all
}

pub(crate) fn input_error(e: eksguard_images::ReportError) -> InputError {
    let err = InputError::error(&e.file, &e.message);
    if e.line > 0 {
        err.at(e.line as u32, e.column as u32)
    } else {
        err
    }
}

fn gate(a: GateArgs) -> anyhow::Result<u8> {
    let loaded = crate::config::load(a.config.as_deref())?;
    let mut gate = loaded.config.vulnerability_gate().clone();
    if let Some(f) = a.fail_on {
        gate.fail_on = f;
    }
    gate.ignore_unfixed |= a.ignore_unfixed;
    let (scans, errors) = read_reports(&a.reports, MAX_REPORT_BYTES);
    let today = eksguard_controls::config::Date::today().to_string();
    let mut failed = false;
    let mut rows = Vec::new();
    for s in &scans {
        let r = gate.evaluate(&[s], &s.gate_names(), &today);
        failed |= !r.passed();
        rows.push((s, r));
    }
    let mut w = std::io::stdout().lock();
    match a.format {
        GateFormat::Json => {
            let images: Vec<_> = rows
                .iter()
                .map(|(s, r)| {
                    json!({
                        "image": s.image,
                        "report": s.file,
                        "format": s.format,
                        "passed": r.passed(),
                        "counts": counts(r),
                        "blocking": r.blocking,
                        "ignored": r.ignored.iter().map(|(v, i)| json!({
                            "id": v.id, "package": v.package, "reason": gate.ignore[*i].reason,
                            "expires": gate.ignore[*i].expires,
                        })).collect::<Vec<_>>(),
                        "expired_ignores": r.expired.iter().map(|&i| &gate.ignore[i].id).collect::<Vec<_>>(),
                        "skipped_unfixed": r.unfixed,
                    })
                })
                .collect();
            let doc = json!({
                "schema": "eksguard.images-gate/v1",
                "fail_on": gate.fail_on,
                "ignore_unfixed": gate.ignore_unfixed,
                "passed": !failed && errors.is_empty(),
                "images": images,
                "errors": errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut w, &doc)?;
            writeln!(w)?;
        }
        GateFormat::Table => table(&mut w, &rows, &gate)?,
    }
    for e in &errors {
        eprintln!("error: {e}");
    }
    Ok(if !errors.is_empty() {
        exit::ERROR
    } else if failed {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn counts(r: &eksguard_images::GateResult) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for s in VulnSeverity::ALL {
        m.insert(s.as_str().into(), r.counts[s as usize].into());
    }
    m.into()
}

fn table(
    w: &mut impl Write,
    rows: &[(&ImageScan, eksguard_images::GateResult)],
    gate: &eksguard_images::Gate,
) -> std::io::Result<()> {
    for (s, r) in rows {
        let verdict = if r.passed() { "PASS" } else { "FAIL" };
        let c = |s: VulnSeverity| r.counts[s as usize];
        writeln!(
            w,
            "{verdict}  {}  ({}: {} critical, {} high, {} medium, {} low)",
            s.image,
            short(&s.file),
            c(VulnSeverity::Critical),
            c(VulnSeverity::High),
            c(VulnSeverity::Medium),
            c(VulnSeverity::Low),
        )?;
        for v in &r.blocking {
            let fix = v.fix_summary();
            writeln!(
                w,
                "      {:<9} {:<22} {} {} ({fix})",
                v.severity.as_str(),
                v.id,
                v.package,
                v.installed
            )?;
        }
        for (v, i) in &r.ignored {
            writeln!(
                w,
                "      ignored   {:<22} {}: {}",
                v.id, v.package, gate.ignore[*i].reason
            )?;
        }
        for &i in &r.expired {
            let ig = &gate.ignore[i];
            writeln!(
                w,
                "      expired ignore of {} ({}) on {}: it blocks again",
                ig.id,
                ig.reason,
                ig.expires.as_deref().unwrap_or("?")
            )?;
        }
        if r.unfixed > 0 {
            writeln!(
                w,
                "      {} without a fix skipped (--ignore-unfixed)",
                r.unfixed
            )?;
        }
    }
    let failed = rows.iter().filter(|(_, r)| !r.passed()).count();
    writeln!(
        w,
        "{} image(s), {failed} blocked at {} and above",
        rows.len(),
        gate.fail_on
    )
}

fn short(file: &str) -> &str {
    Path::new(file)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or(file)
}
