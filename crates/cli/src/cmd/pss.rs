//! `eksguard pss check`: Pod Security Standards as the cluster's PodSecurity
//! admission would decide, for every pod and pod template.

use crate::exit;
use eksguard_core::{ErrorLevel, InputError, Object};
use eksguard_pss::{Evaluator, Level, LevelVersion, TargetKind, Version};
use rayon::prelude::*;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Evaluate pods and pod templates; exit 1 if any would be denied.
    Check(CheckArgs),
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Files, directories or `-`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Level to check at; without it, each object is checked at its
    /// namespace's enforce level (from Namespace objects in the input).
    #[arg(long, value_parser = parse_level)]
    level: Option<Level>,
    /// Policy version with --level: v1.N or latest.
    #[arg(long, default_value = "latest", value_parser = parse_version)]
    version: Version,
    /// The cluster's Kubernetes version: what `latest` means [default: newest known].
    #[arg(long, value_name = "1.N", value_parser = super::scan::parse_k8s_version)]
    k8s_version: Option<u64>,
    /// text or json (one JSON object per line).
    #[arg(short, long, default_value = "text")]
    format: String,
    /// Configuration file (pss.defaults and exemptions) [default: ./eksguard.yaml].
    #[arg(short, long)]
    config: Option<PathBuf>,
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a level (privileged, baseline, restricted)"))
}

fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a policy version (latest or v1.N)"))
}

struct Verdict {
    file: String,
    line: u32,
    obj: (String, String, Option<String>, String),
    lv: LevelVersion,
    kind: TargetKind,
    evaluation: eksguard_pss::Evaluation,
}

pub fn run(cmd: Command) -> anyhow::Result<u8> {
    let Command::Check(args) = cmd;
    if !matches!(args.format.as_str(), "text" | "json") {
        anyhow::bail!("unknown format `{}` (expected text or json)", args.format);
    }
    let config = crate::config::load(args.config.as_deref())?.config;
    let (objects, mut errors) =
        crate::pipeline::load_all(&args.paths, &eksguard_files::ReadOptions::default());
    let namespaces: std::collections::HashMap<&str, &Object> = objects
        .iter()
        .filter(|o| o.is("", "Namespace"))
        .map(|o| (o.name.as_str(), o))
        .collect();
    let evaluator = Evaluator::new(args.k8s_version);
    let results: Vec<Result<Option<Verdict>, InputError>> = objects
        .par_iter()
        .map(|obj| {
            let target = match eksguard_pss::pod_target(&obj.api_version, &obj.kind, &obj.raw) {
                Ok(Some(t)) => t,
                Ok(None) => return Ok(None),
                Err(e) => {
                    return Err(InputError::error(
                        obj.source.file.to_string(),
                        format!("{}: {e}", obj.obj_ref().short()),
                    )
                    .at(obj.source.line, obj.source.column));
                }
            };
            let lv = match args.level {
                Some(level) => LevelVersion::new(level, args.version),
                None => {
                    let ns = obj.namespace.as_deref().unwrap_or("default");
                    eksguard_controls::pss::namespace_policy(namespaces.get(ns).copied(), &config)
                        .0
                        .enforce
                }
            };
            let evaluation = evaluator.evaluate(lv, &target.metadata, &target.spec);
            Ok(Some(Verdict {
                file: obj.source.file.to_string(),
                line: obj.source.line,
                obj: (
                    obj.api_version.clone(),
                    obj.kind.clone(),
                    obj.namespace.clone(),
                    obj.name.clone(),
                ),
                lv,
                kind: target.kind,
                evaluation,
            }))
        })
        .collect();
    let mut verdicts = Vec::new();
    for r in results {
        match r {
            Ok(Some(v)) => verdicts.push(v),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    verdicts.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut denied = 0usize;
    for v in &verdicts {
        let (api, kind, ns, name) = &v.obj;
        let message = if v.evaluation.allowed {
            String::new()
        } else {
            v.evaluation.message(&v.lv)
        };
        if !v.evaluation.allowed {
            denied += 1;
        }
        if args.format == "json" {
            let forbidden: Vec<_> = v
                .evaluation
                .forbidden
                .iter()
                .map(|f| json!({"check": f.check, "reason": f.reason, "detail": f.detail}))
                .collect();
            // What admission does with it: Pods are denied; controllers are
            // admitted with a warning and their pods are denied later.
            let outcome = match (v.evaluation.allowed, v.kind) {
                (true, _) => "allow",
                (false, TargetKind::Pod) => "deny",
                (false, TargetKind::Controller) => "warn",
            };
            let line = json!({
                "file": v.file, "line": v.line, "apiVersion": api, "kind": kind,
                "namespace": ns, "name": name, "level": v.lv.level.as_str(),
                "version": v.lv.version.to_string(), "allowed": v.evaluation.allowed,
                "forbidden": forbidden, "message": message, "outcome": outcome,
            });
            writeln!(out, "{line}")?;
        } else {
            let who = match ns {
                Some(ns) => format!("{ns}/{name}[{kind}]"),
                None => format!("{name}[{kind}]"),
            };
            if v.evaluation.allowed {
                writeln!(out, "{}:{}: {who}: allowed by {}", v.file, v.line, v.lv)?;
            } else if v.kind == TargetKind::Controller {
                writeln!(
                    out,
                    "{}:{}: {who}: admitted with a warning, its pods denied: {message}",
                    v.file, v.line
                )?;
            } else {
                writeln!(out, "{}:{}: {who}: denied: {message}", v.file, v.line)?;
            }
        }
    }
    out.flush()?;
    for e in &errors {
        eprintln!("{e}");
    }
    eprintln!(
        "{} evaluated, {denied} denied, {} input errors",
        verdicts.len(),
        errors.len()
    );
    if errors.iter().any(|e| e.level == ErrorLevel::Error) {
        return Ok(exit::ERROR);
    }
    Ok(if denied > 0 { exit::FINDINGS } else { exit::OK })
}
