//! `eksguard netpol reach` and `eksguard netpol why`: who can talk to whom under
//! the NetworkPolicies in the input, and why one connection is allowed or not
//! (engine: `eksguard-netpol`).

use crate::exit;
use eksguard_core::{ErrorLevel, InputError, Object};
use eksguard_netpol::{Cluster, Endpoint, Format, Protocol, Warning};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Allowed connections between every pair of workloads and external
    /// address ranges.
    Reach(ReachArgs),
    /// Which policies and rules allow or block one connection; exit 1 when
    /// it is blocked.
    Why(WhyArgs),
}

#[derive(clap::Args)]
pub struct ReachArgs {
    /// Files, directories or `-`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// txt (np-guard netpol-analyzer lines), json, csv or dot. Host-network
    /// workloads are marked: `[host-network]` after the kind in txt, the
    /// `src_host_network`/`dst_host_network` fields in json and csv, dashed
    /// orange nodes in dot.
    #[arg(short, long, default_value = "txt", value_parser = parse_format)]
    format: Format,
    /// Write the result to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct WhyArgs {
    /// Source: NAMESPACE/NAME, NAMESPACE/NAME[Kind] or an IP address.
    #[arg(long, value_name = "NS/NAME", value_parser = parse_endpoint)]
    from: String,
    /// Destination: NAMESPACE/NAME, NAMESPACE/NAME[Kind] or an IP address.
    #[arg(long, value_name = "NS/NAME", value_parser = parse_endpoint)]
    to: String,
    /// Ask about one port, e.g. TCP/8080 [default: any connection].
    #[arg(long, value_name = "PROTO/PORT", value_parser = parse_port)]
    port: Option<(Protocol, u16)>,
    /// Files, directories or `-`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| format!("`{s}` is not a format (txt, json, csv, dot)"))
}

/// Checked here so a typo is a usage error before any file is read; the
/// engine parses the string again.
fn parse_endpoint(s: &str) -> Result<String, String> {
    Endpoint::parse(s)
        .map(|_| s.to_owned())
        .map_err(|e| e.to_string())
}

fn parse_port(s: &str) -> Result<(Protocol, u16), String> {
    eksguard_netpol::parse_port(s).map_err(|e| e.to_string())
}

pub fn run(cmd: Command) -> anyhow::Result<u8> {
    match cmd {
        Command::Reach(a) => reach(a),
        Command::Why(a) => why(a),
    }
}

/// Builds the model and prints its warnings, located at the object's file
/// and line (the engine only knows the object's position in the input).
fn cluster(objects: &[Object]) -> Cluster {
    let (cluster, warnings) = Cluster::from_objects(objects.iter().map(|o| &o.raw));
    for w in &warnings {
        eprintln!("{}", located(objects, w));
    }
    cluster
}

fn located(objects: &[Object], w: &Warning) -> String {
    match objects.get(w.index) {
        Some(o) => format!(
            "warning: {}:{}:{}: {} at {}: {}",
            o.source.file, o.source.line, o.source.column, w.object, w.path, w.message
        ),
        None => format!("warning: {w}"),
    }
}

/// Input errors to stderr; true if any is an error (not a warning).
fn report_errors(errors: &[InputError]) -> bool {
    for e in errors {
        eprintln!("{e}");
    }
    errors.iter().any(|e| e.level == ErrorLevel::Error)
}

/// The objects the engine reads, without what it never reads (`status`,
/// `managedFields`, last-applied copies), kept as they are read: a dump is
/// never held whole.
fn load(paths: &[std::path::PathBuf]) -> (Vec<Object>, Vec<InputError>) {
    let (kept, errors) = crate::pipeline::load_each(paths, &Default::default(), &|mut o| {
        eksguard_controls::netpol::reads(&o).then(|| {
            o.reduce();
            o
        })
    });
    (kept.into_iter().flatten().collect(), errors)
}

fn reach(args: ReachArgs) -> anyhow::Result<u8> {
    let (objects, errors) = load(&args.paths);
    let cluster = cluster(&objects);
    let reach = cluster.reachability();
    let text = eksguard_netpol::render(&reach, args.format);
    let mut out = super::output(args.output.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    let failed = report_errors(&errors);
    eprintln!(
        "{} workloads ({} on the host network), {} allowed connections, {} input errors",
        reach.workloads().len(),
        reach.host_network().count(),
        reach.len(),
        errors.len()
    );
    Ok(if failed { exit::ERROR } else { exit::OK })
}

fn why(args: WhyArgs) -> anyhow::Result<u8> {
    let (objects, errors) = load(&args.paths);
    let cluster = cluster(&objects);
    let failed = report_errors(&errors);
    let explanation = match eksguard_netpol::explain(&cluster, &args.from, &args.to, args.port) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::ERROR);
        }
    };
    let mut out = super::output(None)?;
    write!(out, "{explanation}")?;
    out.flush()?;
    Ok(if failed {
        exit::ERROR
    } else if explanation.is_allowed() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}
