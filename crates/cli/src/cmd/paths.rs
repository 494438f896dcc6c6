//! `eksguard paths`: attack paths across layers (engine: `eksguard-paths`),
//! from the same inputs as `scan` — manifests, a live cluster, the AWS side —
//! joined through the identity controls' view.

use crate::exit;
use eksguard_core::{ErrorLevel, InputError, Inventory, Severity};
use eksguard_paths::{Filter, NetpolMode, TargetKind};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Files, directories (recursive) or `-`. A directory holding an AWS
    /// snapshot (such as `examples/insecure-cluster/aws`) supplies the AWS side.
    #[arg(value_name = "PATH", required_unless_present_any = ["aws", "aws_snapshot", "kube"])]
    paths: Vec<PathBuf>,
    /// Read the AWS side live with the AWS SDK (the EKS cluster named by --cluster).
    #[arg(long, requires = "cluster")]
    aws: bool,
    /// Read the AWS side from a snapshot directory [default: a snapshot found under PATH].
    #[arg(long, value_name = "DIR", conflicts_with = "aws")]
    aws_snapshot: Option<PathBuf>,
    #[command(flatten)]
    target: super::aws::Target,
    #[command(flatten)]
    kube: super::cluster::KubeArgs,
    /// Only paths from here: `internet`, NS/WORKLOAD or NS/WORKLOAD[Kind].
    #[arg(long, value_name = "SOURCE")]
    from: Option<String>,
    /// Only paths to this target: aws-admin, aws-data, cluster-admin,
    /// cluster-secrets, node-takeover.
    #[arg(long = "to", value_name = "TARGET", value_parser = parse_target)]
    to_target: Option<TargetKind>,
    /// table, json, dot or mermaid.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json", "dot", "mermaid"])]
    format: String,
    /// Write the result to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a path at or above this severity exists.
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    fail_on: Severity,
    /// auto (as the input says: not enforced when kube-system/amazon-vpc-cni
    /// turns the network policy controller off), enforced (what remains once
    /// it is on), or not-enforced.
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = parse_mode)]
    netpol_enforcement: NetpolMode,
    /// The cluster's Kubernetes version (what Pod Security `latest` means).
    #[arg(long, value_name = "1.N", value_parser = super::scan::parse_k8s_version)]
    k8s_version: Option<u64>,
    /// Configuration file (Pod Security defaults and exemptions) [default: ./eksguard.yaml if present].
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Table: list every cut, not only the first ten.
    #[arg(long)]
    all_cuts: bool,
}

fn parse_target(s: &str) -> Result<TargetKind, String> {
    TargetKind::parse(s).ok_or_else(|| {
        format!("`{s}` is not a target (aws-admin, aws-data, cluster-admin, cluster-secrets, node-takeover)")
    })
}

fn parse_mode(s: &str) -> Result<NetpolMode, String> {
    NetpolMode::parse(s)
        .ok_or_else(|| format!("`{s}` is not a mode (auto, enforced, not-enforced)"))
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let loaded = crate::config::load(a.config.as_deref())?;
    let config = loaded.config;
    let today = eksguard_controls::config::Date::today();
    let live = super::cluster::Live::start(&a.kube)?;
    let (facts, mut errors) =
        super::aws::facts_for_scan(a.aws, &a.target, a.aws_snapshot.as_deref(), &a.paths, today)?;
    let (mut objects, load_errors) = crate::pipeline::load_all(&a.paths, &Default::default());
    errors.extend(load_errors);
    let mut k8s_minor = a.k8s_version;
    if let Some(l) = live {
        k8s_minor = k8s_minor.or(l.k8s_minor());
        let (batches, live_errors, gaps) = l.collect_unchecked();
        for b in batches {
            objects.extend(b.objects);
            errors.extend(b.errors);
        }
        errors.extend(live_errors);
        for g in gaps {
            errors.push(InputError::warning(
                g.input.clone(),
                format!("{} not collected: {}", g.need.describe(), g.reason),
            ));
        }
    }
    let mut inv = Inventory::new(objects);
    inv.aws = facts;
    let view = eksguard_controls::identity::identity(&inv);
    if inv.aws.is_none() {
        errors.push(InputError::warning(
            "AWS side",
            "no AWS side (pass --aws-snapshot DIR or --aws --cluster NAME): paths stop at the Kubernetes targets",
        ));
    } else if view.as_ref().is_some_and(|v| v.cluster.is_none()) {
        errors.push(InputError::warning(
            "AWS facts",
            "the EKS cluster or its OIDC issuer is unknown: IRSA and Pod Identity bindings are taken as working",
        ));
    }
    let origins = view
        .as_deref()
        .map(eksguard_controls::paths::binding_origins)
        .unwrap_or_default();
    let mut ctx = eksguard_controls::Context::new(&config);
    ctx.k8s_minor = k8s_minor;
    let mut options = eksguard_controls::paths::options(&ctx);
    options.netpol = a.netpol_enforcement;
    let input = eksguard_controls::paths::input(&inv, view.as_deref(), &origins, options);
    let filter = Filter {
        from: a.from.clone(),
        to: a.to_target,
    };
    if let Some(f) = a.from.as_deref().filter(|f| *f != "internet") {
        let known = inv.objects().iter().any(|o| {
            o.is_workload() && {
                let ns = o.namespace.as_deref().unwrap_or("default");
                f == format!("{ns}/{}", o.name) || f == format!("{ns}/{}[{}]", o.name, o.kind)
            }
        });
        if !known {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!(
                "no workload matches --from {f} (expected internet, NS/NAME or NS/NAME[Kind])"
            );
            return Ok(exit::ERROR);
        }
    }
    let analysis = eksguard_paths::analyze(&input, &filter);
    let mut out = super::output(a.output.as_deref())?;
    match a.format.as_str() {
        "json" => {
            serde_json::to_writer_pretty(&mut out, &analysis.to_json(&input))?;
            writeln!(out)?;
        }
        "dot" => write!(out, "{}", analysis.to_dot())?,
        "mermaid" => write!(out, "{}", analysis.to_mermaid())?,
        _ => write!(out, "{}", analysis.to_table(&input, a.all_cuts))?,
    }
    out.flush()?;
    for e in &errors {
        eprintln!("{e}");
    }
    if errors.iter().any(|e| e.level == ErrorLevel::Error) {
        return Ok(exit::ERROR);
    }
    Ok(
        if eksguard_paths::render::at_or_above(&analysis, a.fail_on) {
            exit::FINDINGS
        } else {
            exit::OK
        },
    )
}
