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

/// One object after its object controls, reduced to what the inventory
/// controls read.
pub struct Checked {
    object: Object,
    findings: Vec<Finding>,
    errors: Vec<InputError>,
    evaluated: Vec<(u16, Arc<ObjectRef>)>,
}

/// Runs the object controls on one object, then drops what no inventory
/// control reads: the payloads of Secrets, ConfigMaps and CRDs (Secret
/// values among them, so they do not stay in memory for the rest of the
/// scan), and `status`, `managedFields` and the last-applied copy of
/// everything else ([`Object::reduce`]).
pub fn check_one(mut obj: Object, opts: &ScanOptions) -> Checked {
    let ctx = context(opts);
    let mut sink = Sink::new();
    eksguard_controls::check_object(&obj, &ctx, &mut sink);
    reduce(&mut obj);
    let (findings, errors, evaluated) = sink.into_all();
    crate::progress::object_done();
    Checked {
        object: obj,
        findings,
        errors,
        evaluated,
    }
}

impl Batch {
    /// The checked objects of one input and its input errors.
    pub fn of(checked: Vec<Checked>, mut errors: Vec<InputError>) -> Batch {
        let mut objects = Vec::with_capacity(checked.len());
        let mut findings = Vec::new();
        let mut evaluated = Vec::new();
        let mut check_errors = Vec::new();
        for c in checked {
            objects.push(c.object);
            findings.extend(c.findings);
            check_errors.extend(c.errors);
            evaluated.extend(c.evaluated);
        }
        errors.append(&mut check_errors);
        Batch {
            objects,
            errors,
            findings,
            evaluated,
        }
    }
}

/// Runs the object controls on the objects of one input (see [`check_one`]).
pub fn check(objects: Vec<Object>, errors: Vec<InputError>, opts: &ScanOptions) -> Batch {
    let checked = objects.into_iter().map(|o| check_one(o, opts)).collect();
    Batch::of(checked, errors)
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
    // Kustomizations and charts are rendered together first: few renderer
    // runs, and an object several render identically is checked once.
    let rendered = eksguard_files::render(&inputs, &opts.read);
    let mut results: Vec<Batch> = inputs
        .par_iter()
        .zip(rendered)
        .map(|(input, rendered): (&Input, _)| {
            let batch = match rendered {
                Some(loaded) => check(loaded.objects, loaded.errors, opts),
                // Read as a stream: each object is checked and reduced as
                // soon as it is read.
                None => {
                    let l = eksguard_files::load_with(input, &opts.read, &|o| check_one(o, opts));
                    Batch::of(l.items, l.errors)
                }
            };
            crate::progress::input_done();
            batch
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
    phase("objects read and checked");
    let mut inventory = Inventory::new(objects);
    inventory.aws = opts.aws.clone();
    if let Some(aws) = &opts.aws {
        gaps.extend(aws_gaps(aws));
    }
    let mut sink = Sink::new();
    if std::env::var_os("EKSGUARD_DEBUG_TIMING").is_some() {
        // The same as `check_inventory`, timing each control.
        for c in eksguard_controls::all() {
            if ctx.config.is_enabled(c.meta().id) {
                let t = std::time::Instant::now();
                c.check_inventory(&inventory, &ctx, &mut sink);
                let s = t.elapsed().as_secs_f64();
                if s > 0.05 {
                    eprintln!("timing:   {s:>8.3} s  {}", c.meta().id);
                }
            }
        }
    } else {
        eksguard_controls::check_inventory(&inventory, &ctx, &mut sink);
    }
    phase("inventory controls");
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
    phase("results");
    ScanOutput {
        findings,
        errors,
        results,
        gaps,
        inventory,
        inputs: input_count,
    }
}

/// The AWS calls that failed, as gaps of the data they collect, in AWS's
/// words (HTTP status, error code, message, request ID). Data a snapshot
/// never held (an older eksguard) is not collected rather than failed.
fn aws_gaps(aws: &eksguard_core::aws::AwsFacts) -> Vec<Gap> {
    aws.gaps
        .iter()
        .map(|g| Gap {
            need: Need::aws(AwsData::for_action(&g.action)),
            input: g.action.clone(),
            reason: format!("{}: {}", g.what, g.summary()),
            kind: if g.class == eksguard_core::aws::FailureClass::NotCollected {
                GapKind::NotCollected
            } else {
                GapKind::CollectionFailed
            },
        })
        .collect()
}

/// Drops what no inventory control reads: all but the metadata of the
/// kinds [`needed_whole`] says are not, `status`, `managedFields` and the
/// last-applied copy of the others.
pub fn reduce(obj: &mut Object) {
    if needed_whole(obj) {
        obj.reduce();
    } else {
        obj.shrink();
    }
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
    load_each(paths, read, &|o| o)
}

/// [`load_all`], each object turned into `each(object)` as soon as it is
/// read: a command keeps what it needs of a dump, never the dump.
pub fn load_each<T: Send>(
    paths: &[PathBuf],
    read: &ReadOptions,
    each: &(dyn Fn(Object) -> T + Sync),
) -> (Vec<T>, Vec<InputError>) {
    let (inputs, mut errors) = eksguard_files::discover(paths);
    let rendered = eksguard_files::render(&inputs, read);
    let loaded: Vec<_> = inputs
        .par_iter()
        .zip(rendered)
        .map(|(i, r)| {
            let l = match r {
                Some(l) => eksguard_files::LoadedWith {
                    items: l.objects.into_iter().map(each).collect(),
                    errors: l.errors,
                },
                None => eksguard_files::load_with(i, read, each),
            };
            crate::progress::input_done();
            l
        })
        .collect();
    let mut out = Vec::new();
    for l in loaded {
        out.extend(l.items);
        errors.extend(l.errors);
    }
    (out, errors)
}

/// With `EKSGUARD_DEBUG_TIMING` set, prints the time since start and the
/// resident memory at each phase of a scan to stderr.
pub fn phase(what: &str) {
    use std::sync::OnceLock;
    static START: OnceLock<Option<std::time::Instant>> = OnceLock::new();
    let Some(start) = START.get_or_init(|| {
        std::env::var_os("EKSGUARD_DEBUG_TIMING").map(|_| std::time::Instant::now())
    }) else {
        return;
    };
    // Resident pages from /proc (Linux); peak RSS is what the benchmarks report.
    let rss_mb = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024);
    eprintln!(
        "timing: {:>8.3} s {rss_mb:>6} MB  {what}",
        start.elapsed().as_secs_f64()
    );
}
