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

/// What reading one object gave.
enum Seen {
    Namespace(Object),
    /// A verdict, at the policy of a namespace without a Namespace object
    /// unless `--level` was given; with the object (compact JSON) to judge
    /// again once the namespace's policy is known to differ.
    Verdict(Verdict, Option<Box<[u8]>>),
    Error(InputError),
    Other,
}

/// The verdict on one object at `lv`, or why it cannot be judged.
fn judge(
    obj: &Object,
    raw: &serde_json::Value,
    lv: LevelVersion,
    evaluator: &Evaluator,
) -> Result<Option<Verdict>, InputError> {
    let target = match eksguard_pss::pod_target(&obj.api_version, &obj.kind, raw) {
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
}

/// Objects are judged as they are read (a dump is never held whole): at
/// `--level`, or at the policy of a namespace the input has no Namespace
/// object for. Namespace objects may come after their pods, so each judged
/// object is kept as compact JSON until the end, and judged again if its
/// namespace turns out to have another enforce level.
pub fn run(cmd: Command) -> anyhow::Result<u8> {
    let Command::Check(args) = cmd;
    if !matches!(args.format.as_str(), "text" | "json") {
        anyhow::bail!("unknown format `{}` (expected text or json)", args.format);
    }
    let config = crate::config::load(args.config.as_deref())?.config;
    let evaluator = Evaluator::new(args.k8s_version);
    let fixed = args
        .level
        .map(|level| LevelVersion::new(level, args.version));
    let default_lv = eksguard_controls::pss::namespace_policy(None, &config)
        .0
        .enforce;
    let see = |obj: Object| -> Seen {
        if obj.is("", "Namespace") {
            let mut obj = obj;
            obj.reduce();
            return Seen::Namespace(obj);
        }
        let lv = fixed.unwrap_or(default_lv);
        match judge(&obj, &obj.raw, lv, &evaluator) {
            Ok(Some(v)) => {
                let keep = fixed
                    .is_none()
                    .then(|| serde_json::to_vec(&obj.raw).ok().map(Vec::into_boxed_slice))
                    .flatten();
                Seen::Verdict(v, keep)
            }
            Ok(None) => Seen::Other,
            Err(e) => Seen::Error(e),
        }
    };
    let progress = crate::progress::Progress::start("pss check");
    let (seen, mut errors) =
        crate::pipeline::load_each(&args.paths, &eksguard_files::ReadOptions::default(), &|o| {
            crate::progress::object_done();
            see(o)
        });
    progress.finish();
    let mut namespaces: std::collections::HashMap<String, Object> = Default::default();
    let mut pending = Vec::new();
    for s in seen {
        match s {
            Seen::Namespace(o) => {
                namespaces.insert(o.name.clone(), o);
            }
            Seen::Verdict(v, raw) => pending.push((v, raw)),
            Seen::Error(e) => errors.push(e),
            Seen::Other => {}
        }
    }
    let results: Vec<Result<Option<Verdict>, InputError>> = pending
        .into_par_iter()
        .map(|(v, raw)| {
            let Some(raw) = raw else { return Ok(Some(v)) };
            let ns = v.obj.2.as_deref().unwrap_or("default");
            let lv = eksguard_controls::pss::namespace_policy(namespaces.get(ns), &config)
                .0
                .enforce;
            if lv == v.lv {
                return Ok(Some(v));
            }
            let value: serde_json::Value = serde_json::from_slice(&raw)
                .map_err(|e| InputError::error(v.file.clone(), e.to_string()))?;
            let source = eksguard_core::Source {
                file: std::sync::Arc::from(v.file.as_str()),
                document: 0,
                item: None,
                line: v.line,
                column: 1,
            };
            let obj = Object::from_value(value, None, source)
                .map_err(|e| InputError::error(v.file.clone(), e))?;
            judge(&obj, &obj.raw, lv, &evaluator)
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
