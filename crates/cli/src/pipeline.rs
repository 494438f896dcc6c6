//! The scan pipeline: inputs → objects → controls → findings.
//!
//! Files are parsed and object controls run in parallel, one file per task;
//! objects collected elsewhere (a live cluster, one batch per resource) go
//! through the same [`check`]; inventory controls run once all objects are
//! in. Output order is fixed by sorting, not by scheduling.

use eksguard_controls::config::Date;
use eksguard_controls::{Config, Context, Sink};
use eksguard_core::{
    AwsData, CheckResult, Finding, Gap, GapKind, InputError, Inventory, Location, Need, Object,
    ObjectRef,
};
use eksguard_files::{Input, ReadOptions};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct ScanOutput {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    /// One per control and subject: what was verified, what failed, what
    /// could not be checked.
    pub results: Vec<CheckResult>,
    /// Inputs that were not collected.
    pub gaps: Vec<Gap>,
    pub inventory: Inventory,
    pub inputs: usize,
}

pub struct ScanOptions<'a> {
    pub read: ReadOptions,
    pub config: &'a Config,
    pub config_path: Option<&'a Path>,
    pub today: Date,
    /// Cluster Kubernetes minor version (`--k8s-version`).
    pub k8s_minor: Option<u64>,
    /// Image vulnerability scan results (`--image-reports`).
    pub images: Option<&'a eksguard_images::ImageIndex>,
    /// The AWS side (`--aws`, `--aws-snapshot`, or a snapshot found under the
    /// paths), checked beside the Kubernetes objects.
    pub aws: Option<eksguard_core::aws::AwsFacts>,
}

/// The objects of one input with their object-control findings.
pub struct Batch {
    objects: Vec<Object>,
    errors: Vec<InputError>,
    findings: Vec<Finding>,
    /// (control, object) pairs the object checks ran on.
    evaluated: Vec<(u16, Arc<ObjectRef>)>,
}

/// What controls read besides the objects; one place, so files and live
/// inputs are checked alike.
fn context<'a>(opts: &'a ScanOptions) -> Context<'a> {
    Context {
        config: opts.config,
        k8s_minor: opts.k8s_minor,
        images: opts.images,
        today: opts.today,
    }
}

/// Runs the object controls on the objects of one input, then drops the
/// payloads no inventory control reads (Secret values among them), so they
/// do not stay in memory for the rest of the scan.
pub fn check(objects: Vec<Object>, mut errors: Vec<InputError>, opts: &ScanOptions) -> Batch {
    let ctx = context(opts);
    let mut sink = Sink::new();
    for obj in &objects {
        eksguard_controls::check_object(obj, &ctx, &mut sink);
    }
    let mut objects = objects;
    for obj in objects.iter_mut().filter(|o| !needed_whole(o)) {
        obj.shrink();
    }
    let (findings, mut check_errors, evaluated) = sink.into_all();
    errors.append(&mut check_errors);
    Batch {
        objects,
        errors,
        findings,
        evaluated,
    }
}

/// Scans `paths` together with inputs already collected and [`check`]ed
/// elsewhere (one batch per input, in a deterministic order); `gaps` are
/// the inputs collectors could not read.
pub fn scan(
    paths: &[PathBuf],
    collected: Vec<Batch>,
    mut gaps: Vec<Gap>,
    opts: &ScanOptions,
) -> ScanOutput {
    let (inputs, mut errors) = eksguard_files::discover(paths);
    let ctx = context(opts);
    let mut results: Vec<Batch> = inputs
        .par_iter()
        .map(|input: &Input| {
            let loaded = eksguard_files::load(input, &opts.read);
            check(loaded.objects, loaded.errors, opts)
        })
        .collect();
    let input_count = inputs.len() + collected.len();
    results.extend(collected);
    let mut objects = Vec::new();
    let mut findings = Vec::new();
    let mut evaluated = Vec::new();
    for r in results {
        objects.extend(r.objects);
        errors.extend(r.errors);
        findings.extend(r.findings);
        evaluated.extend(r.evaluated);
    }
    let mut inventory = Inventory::new(objects);
    inventory.aws = opts.aws.clone();
    if let Some(aws) = &opts.aws {
        gaps.extend(aws_gaps(aws));
    }
    let mut sink = Sink::new();
    eksguard_controls::check_inventory(&inventory, &ctx, &mut sink);
    let (more, check_errors) = sink.into_parts();
    findings.extend(more);
    errors.extend(check_errors);
    // Several controls may fail to read the same object: report it once.
    errors.sort_by(|a, b| {
        (&a.input, a.line, a.column, &a.message).cmp(&(&b.input, b.line, b.column, &b.message))
    });
    errors.dedup();
    apply_exceptions(&mut findings, opts);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    eksguard_core::fingerprint(&mut findings);
    let results = eksguard_controls::results(
        &inventory,
        &ctx,
        &findings,
        &eksguard_controls::ResultOptions {
            evaluated: &evaluated,
            gaps: &gaps,
        },
    );
    ScanOutput {
        findings,
        errors,
        results,
        gaps,
        inventory,
        inputs: input_count,
    }
}

/// The AWS calls that failed, as gaps of the data they collect.
fn aws_gaps(aws: &eksguard_core::aws::AwsFacts) -> Vec<Gap> {
    aws.gaps
        .iter()
        .map(|g| Gap {
            need: Need::aws(AwsData::for_action(&g.action)),
            input: g.action.clone(),
            reason: if g.is_permission() {
                format!("{}: {} denied ({})", g.what, g.action, g.code)
            } else {
                format!("{}: {} failed: {} {}", g.what, g.action, g.code, g.message)
                    .trim_end()
                    .to_owned()
            },
            kind: GapKind::CollectionFailed,
        })
        .collect()
}

/// Whether inventory controls may read more than an object's metadata.
/// CRD schemas and ConfigMap/Secret payloads are read by object controls
/// only, except the kube-system ConfigMaps EKS configures through.
fn needed_whole(obj: &Object) -> bool {
    match (obj.group(), obj.kind.as_str()) {
        ("apiextensions.k8s.io", "CustomResourceDefinition") => false,
        ("", "Secret") => false,
        ("", "ConfigMap") => {
            obj.namespace.as_deref() == Some("kube-system")
                && matches!(obj.name.as_str(), "aws-auth" | "amazon-vpc-cni")
        }
        _ => true,
    }
}

/// Applies config exceptions; an expired exception that still matches is
/// reported as a CFG-001 finding pointing at its line in the config file.
fn apply_exceptions(findings: &mut Vec<Finding>, opts: &ScanOptions) {
    let expired: Vec<Finding> = opts
        .config
        .apply_exceptions(findings, opts.today)
        .into_iter()
        .map(|(i, e)| {
            let meta = eksguard_controls::expired_exception();
            let file = opts
                .config_path
                .map_or_else(|| "eksguard.yaml".to_owned(), |p| p.display().to_string());
            Finding {
                control: meta.id,
                title: meta.title,
                severity: meta.severity,
                pillar: meta.pillar,
                responsibility: meta.responsibility,
                object: ObjectRef {
                    api_version: "eksguard.io/v1".into(),
                    kind: "Config".into(),
                    namespace: None,
                    name: file.clone(),
                    arn: None,
                },
                location: Some(Location {
                    file,
                    line: e.line.max(1),
                    column: 1,
                }),
                path: format!("exceptions[{i}].expires"),
                message: format!(
                    "exception for {} (reason: \"{}\") expired on {}; the findings it covered are reported again",
                    e.control,
                    e.reason,
                    e.expires.as_deref().unwrap_or("?")
                ),
                remediation: "Fix the findings and delete the exception, or re-approve the risk and extend `expires`.".into(),
                suppressed: None,
                fingerprint: String::new(),
            baseline: None,
            }
        })
        .collect();
    findings.extend(expired);
}

/// Every object under `paths` (read in parallel, input order kept) and the
/// input errors met reading them, for the commands that need the objects
/// rather than a scan (`pss check`, `netpol`, `iam`). AWS snapshot and
/// image-report directories are not manifests: discovery skips them.
pub fn load_all(paths: &[PathBuf], read: &ReadOptions) -> (Vec<Object>, Vec<InputError>) {
    let (inputs, mut errors) = eksguard_files::discover(paths);
    let loaded: Vec<_> = inputs
        .par_iter()
        .map(|i| eksguard_files::load(i, read))
        .collect();
    let mut objects = Vec::new();
    for l in loaded {
        objects.extend(l.objects);
        errors.extend(l.errors);
    }
    (objects, errors)
}
