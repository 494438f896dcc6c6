//! `eksguard iam blast-radius`: for each workload, the IAM roles it can
//! reach through its ServiceAccount (IRSA, EKS Pod Identity, or the node
//! role), what they may do, and the path from the pod to each granting
//! statement (engine: `eksguard-iam`, joined by the identity controls' view).

use crate::exit;
use eksguard_controls::identity::{RoleReach, WorkloadBlast};
use eksguard_core::{ErrorLevel, InputError, Inventory};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Per workload: the roles it can assume, the allowed actions by
    /// service, escalation and data-power actions, and the path Pod →
    /// ServiceAccount → IRSA / Pod Identity / node role → Role → Policy →
    /// Statement.
    BlastRadius(BlastArgs),
}

#[derive(clap::Args)]
pub struct BlastArgs {
    /// Manifests, directories (recursive) or `-`. A directory holding an AWS
    /// snapshot (such as `examples/insecure-cluster/aws`) supplies the AWS side.
    #[arg(value_name = "PATH", required_unless_present_any = ["aws", "aws_snapshot"])]
    paths: Vec<PathBuf>,
    /// Read the AWS side live with the AWS SDK (the EKS cluster named by --cluster).
    #[arg(long, requires = "cluster")]
    aws: bool,
    /// Read the AWS side from a snapshot directory [default: a snapshot found under PATH].
    #[arg(long, value_name = "DIR", conflicts_with = "aws")]
    aws_snapshot: Option<PathBuf>,
    #[command(flatten)]
    target: super::aws::Target,
    /// Only workloads of this namespace.
    #[arg(short, long, value_name = "NS")]
    namespace: Option<String>,
    /// Only this workload: NAME, NS/NAME or NS/NAME[Kind].
    #[arg(short, long, value_name = "NAME")]
    workload: Option<String>,
    /// table or json (an array with one item per workload).
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    format: String,
    /// Write the result to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(cmd: Command) -> anyhow::Result<u8> {
    match cmd {
        Command::BlastRadius(a) => blast(a),
    }
}

fn blast(a: BlastArgs) -> anyhow::Result<u8> {
    let today = eksguard_controls::config::Date::today();
    let (facts, mut errors) =
        super::aws::facts_for_scan(a.aws, &a.target, a.aws_snapshot.as_deref(), &a.paths, today)?;
    let Some(facts) = facts else {
        for e in &errors {
            eprintln!("{e}");
        }
        anyhow::bail!(
            "no AWS side to analyse: pass --aws-snapshot DIR or --aws --cluster NAME, or a directory holding an AWS snapshot"
        );
    };
    // Each object reduced as it is read (Secret and ConfigMap payloads,
    // status, managedFields): a dump is never held whole.
    let (objects, load_errors) =
        crate::pipeline::load_each(&a.paths, &Default::default(), &|mut o| {
            crate::pipeline::reduce(&mut o);
            o
        });
    errors.extend(load_errors);
    let mut inv = Inventory::new(objects);
    inv.aws = Some(facts);
    let Some(view) = eksguard_controls::identity::identity(&inv) else {
        anyhow::bail!("no AWS side to analyse");
    };
    if view.cluster.is_none() {
        errors.push(InputError::warning(
            a.aws_snapshot
                .as_deref()
                .map_or_else(|| "AWS facts".to_owned(), |p| p.display().to_string()),
            "the EKS cluster or its OIDC issuer is unknown: IRSA and Pod Identity bindings are taken as working",
        ));
    }
    let selected: Vec<&WorkloadBlast> = view
        .blast()
        .iter()
        .filter(|w| selected(w, a.namespace.as_deref(), a.workload.as_deref()))
        .collect();
    let mut out = super::output(a.output.as_deref())?;
    if a.format == "json" {
        serde_json::to_writer_pretty(&mut out, &selected)?;
        writeln!(out)?;
    } else {
        table(&mut out, &selected)?;
    }
    out.flush()?;
    for e in &errors {
        eprintln!("{e}");
    }
    if errors.iter().any(|e| e.level == ErrorLevel::Error) {
        return Ok(exit::ERROR);
    }
    if a.workload.is_some() && selected.is_empty() {
        eprintln!("no workload matches --workload (expected NAME, NS/NAME or NS/NAME[Kind])");
        return Ok(exit::ERROR);
    }
    Ok(exit::OK)
}

/// `--namespace` / `--workload` filter. `--workload` takes `NAME`,
/// `NS/NAME` or the full `NS/NAME[Kind]`.
fn selected(w: &WorkloadBlast, namespace: Option<&str>, workload: Option<&str>) -> bool {
    let (ns, rest) = w.workload.split_once('/').unwrap_or(("", &w.workload));
    let name = rest.split_once('[').map_or(rest, |(n, _)| n);
    if namespace.is_some_and(|n| n != ns) {
        return false;
    }
    match workload {
        None => true,
        Some(q) => q == w.workload || q == name || q == format!("{ns}/{name}"),
    }
}

/// A human reading: one block per workload, one sub-block per role.
fn table(out: &mut dyn Write, items: &[&WorkloadBlast]) -> std::io::Result<()> {
    if items.is_empty() {
        return writeln!(out, "No workloads.");
    }
    for (i, w) in items.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let ns = w.workload.split_once('/').map_or("", |(n, _)| n);
        writeln!(
            out,
            "{}  (ServiceAccount {ns}/{})",
            w.workload, w.service_account
        )?;
        if w.roles.is_empty() {
            writeln!(out, "  no AWS role reachable")?;
        }
        for r in &w.roles {
            role_block(out, r)?;
        }
    }
    Ok(())
}

fn role_block(out: &mut dyn Write, r: &RoleReach) -> std::io::Result<()> {
    let mut tags = Vec::new();
    if r.default_credentials {
        tags.push("default credentials");
    }
    if !r.assumable {
        tags.push("NOT ASSUMABLE");
    }
    if r.assumable && r.access.admin_equivalent {
        tags.push("ADMIN-EQUIVALENT");
    }
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", tags.join(", "))
    };
    writeln!(out, "  {:<12} {}{tags}", r.via.as_str(), r.arn)?;
    writeln!(out, "    path: {}", r.path.join(" -> "))?;
    if let Some(note) = &r.note {
        writeln!(out, "    note: {note}")?;
    }
    if !r.assumable {
        return Ok(());
    }
    let a = &r.access;
    let allowed = a.allowed_actions();
    if allowed.is_empty() {
        writeln!(out, "    allowed: nothing catalogued")?;
    } else {
        writeln!(out, "    allowed ({} actions):", a.allowed_count)?;
        for (svc, acts) in allowed {
            const SHOWN: usize = 8;
            let more = if acts.len() > SHOWN {
                format!(", … {} more", acts.len() - SHOWN)
            } else {
                String::new()
            };
            let list: Vec<&str> = acts.iter().take(SHOWN).copied().collect();
            writeln!(out, "      {svc}: {}{more}", list.join(", "))?;
        }
    }
    for (label, hits) in [("escalation", &a.escalation), ("data power", &a.data_power)] {
        for h in hits.iter() {
            writeln!(
                out,
                "    {label} [{}] {}: {}",
                h.severity, h.rule, h.summary
            )?;
            for g in &h.grants {
                let cond = if g.conditional { " (conditional)" } else { "" };
                writeln!(
                    out,
                    "      {} on {}{cond}: {}",
                    g.action,
                    g.resources.join(", "),
                    r.full_path(g).join(" -> ")
                )?;
            }
        }
    }
    if !a.missing_policies.is_empty() {
        writeln!(
            out,
            "    missing from the AWS data: {}",
            a.missing_policies.join(", ")
        )?;
    }
    Ok(())
}
