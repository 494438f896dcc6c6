//! `eksguard audit`: threat detection over Kubernetes audit logs, from files
//! (JSON lines, EventList, CloudWatch exports and subscription payloads,
//! plain or gzip) or live from the cluster's CloudWatch log group.
//!
//! Exit codes follow the rest of the CLI: 1 when a detection is at or above
//! `--fail-on`, 2 when an input could not be read (that wins, but the
//! detections found before the error are still written).

use crate::exit;
use anyhow::Context;
use eksguard_audit::{AuditConfig, Detection, InputFormat, Pipeline, RULES, Summary};
use eksguard_cloudwatch::{Connect, FollowOptions, Follower, LogSource, PollStats};
use eksguard_core::Severity;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Audit log files (plain or gzip), or `-` for stdin. Inputs are read in
    /// the order given and correlated as one log.
    #[arg(value_name = "FILE", required_unless_present_any = ["aws", "list_rules"], conflicts_with = "aws")]
    files: Vec<PathBuf>,
    /// auto (sniffed per input), jsonl, eventlist, filter-log-events, subscription or
    /// lambda-event (a saved `{"awslogs": {"data": …}}` Lambda event).
    #[arg(long, value_name = "FORMAT", default_value = "auto")]
    input_format: InputFormat,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write detections to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a detection is at or above this severity [default: high, or fail_on in the config].
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// Configuration file; its `audit:` section configures the rules
    /// [default: ./eksguard.yaml if present].
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// List the audit rules and exit.
    #[arg(long)]
    list_rules: bool,

    /// Read live from CloudWatch Logs: log group /aws/eks/CLUSTER/cluster,
    /// streams kube-apiserver-audit-*.
    #[arg(long, requires = "cluster", help_heading = "Live (CloudWatch Logs)")]
    aws: bool,
    /// EKS cluster name.
    #[arg(
        long,
        value_name = "NAME",
        requires = "aws",
        help_heading = "Live (CloudWatch Logs)"
    )]
    cluster: Option<String>,
    /// AWS region [default: from the environment or profile].
    #[arg(
        long,
        value_name = "REGION",
        requires = "aws",
        help_heading = "Live (CloudWatch Logs)"
    )]
    region: Option<String>,
    /// AWS shared-config profile.
    #[arg(
        long,
        value_name = "PROFILE",
        requires = "aws",
        help_heading = "Live (CloudWatch Logs)"
    )]
    profile: Option<String>,
    /// CloudWatch Logs endpoint (VPC endpoint, test server).
    #[arg(
        long,
        value_name = "URL",
        requires = "aws",
        help_heading = "Live (CloudWatch Logs)"
    )]
    endpoint_url: Option<String>,
    /// Without a saved checkpoint, start this far back (e.g. 30m, 1h, 2d).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration, help_heading = "Live (CloudWatch Logs)")]
    since: Duration,
    /// Keep polling for new events until interrupted (Ctrl-C).
    #[arg(long, requires = "aws", help_heading = "Live (CloudWatch Logs)")]
    follow: bool,
    /// Keep the resume checkpoint in FILE, so a restart neither loses nor
    /// repeats events.
    #[arg(
        long,
        value_name = "FILE",
        requires = "aws",
        help_heading = "Live (CloudWatch Logs)"
    )]
    state_file: Option<PathBuf>,
    /// Time between polls with --follow.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration, help_heading = "Live (CloudWatch Logs)")]
    poll_interval: Duration,
    /// How late an event may reach CloudWatch and still be read; each poll
    /// re-reads this window (filtered by event ID).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration, help_heading = "Live (CloudWatch Logs)")]
    lag: Duration,
    /// Stop --follow after this many polls (for tests and cron-like runs).
    #[arg(long, value_name = "N", hide = true)]
    max_polls: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Jsonl,
    Json,
    Sarif,
}

/// Parses `90s`, `15m`, `1h`, `2d` (or plain seconds).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 30s, 15m, 1h or 2d"))?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{s}`: unknown unit `{unit}` (expected s, m, h or d)"
            ));
        }
    };
    n.checked_mul(secs)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{s}` is too long"))
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.list_rules {
        list_rules()?;
        return Ok(exit::OK);
    }
    // clap's `requires` counts the `--aws` flag's default as present.
    let live_only = args.cluster.is_some()
        || args.region.is_some()
        || args.profile.is_some()
        || args.endpoint_url.is_some()
        || args.follow
        || args.state_file.is_some();
    if live_only && !args.aws {
        anyhow::bail!(
            "--cluster, --region, --profile, --endpoint-url, --follow and --state-file apply to --aws only"
        );
    }
    let loaded = crate::config::load(args.config.as_deref())?;
    let config_name = loaded.path.as_ref().map_or_else(
        || "the configuration".to_string(),
        |p| p.display().to_string(),
    );
    let audit_config: AuditConfig = match &loaded.config.audit {
        Some(v) => serde_json::from_value(v.clone())
            .with_context(|| format!("invalid `audit:` section in {config_name}"))?,
        None => AuditConfig::default(),
    };
    let mut pipeline = Pipeline::new(&audit_config)
        .with_context(|| format!("invalid `audit:` section in {config_name}"))?;
    let fail_on = args
        .fail_on
        .or(loaded.config.fail_on)
        .unwrap_or(Severity::High);

    let live = args.aws;
    let mut sink = Sink::new(args.format, super::output(args.output.as_deref())?, live);
    let mut errors: Vec<String> = Vec::new();
    if live {
        if let Err(e) = read_live(&args, &mut pipeline, &mut sink) {
            errors.push(format!("{e:#}"));
        }
    } else {
        read_files(&args, &mut pipeline, &mut sink, &mut errors);
    }
    let mut summary = pipeline.finish(&mut |d| sink.push(d));
    if live {
        // Messages pushed one by one are not counted as inputs by the
        // engine; the log group is the one input.
        summary.inputs = 1;
    }
    sink.finish(&summary, &errors)
        .context("cannot write the report")?;

    let mut stderr = std::io::stderr().lock();
    eksguard_audit::write_summary(&mut stderr, &summary)?;
    for e in &errors {
        writeln!(stderr, "error: {e}")?;
    }
    if !errors.is_empty() {
        return Ok(exit::ERROR);
    }
    Ok(match summary.max_severity() {
        Some(s) if s >= fail_on => exit::FINDINGS,
        _ => exit::OK,
    })
}

fn read_files(args: &Args, pipeline: &mut Pipeline, sink: &mut Sink, errors: &mut Vec<String>) {
    for path in &args.files {
        let name = path.display().to_string();
        let result = if name == "-" {
            pipeline.read(&name, std::io::stdin(), args.input_format, &mut |d| {
                sink.push(d)
            })
        } else {
            match std::fs::File::open(path) {
                Ok(f) => pipeline.read(&name, f, args.input_format, &mut |d| sink.push(d)),
                Err(e) => {
                    errors.push(format!("cannot read {name}: {e}"));
                    continue;
                }
            }
        };
        if let Err(e) = result {
            errors.push(e.to_string());
        }
    }
}

fn read_live(args: &Args, pipeline: &mut Pipeline, sink: &mut Sink) -> anyhow::Result<()> {
    let cluster = args.cluster.clone().context("--aws needs --cluster NAME")?;
    let source = LogSource::connect(&Connect {
        cluster,
        region: args.region.clone(),
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
    })?;
    let options = FollowOptions {
        since: args.since,
        lag: args.lag,
        state_file: args.state_file.clone(),
    };
    let mut follower = Follower::new(source, options)?;
    let mut total = PollStats::default();
    let mut polls = 0u64;
    let result = if args.follow {
        let max = args.max_polls.unwrap_or(u64::MAX);
        // jsonl detections are flushed as they come (`Sink::push`); the
        // other formats are one document, written when the follow ends.
        let mut after_poll = |s: &PollStats| {
            add(&mut total, s);
            polls += 1;
            polls < max
        };
        follower.follow(
            pipeline,
            &mut |d| sink.push(d),
            args.poll_interval,
            &mut after_poll,
        )
    } else {
        follower.poll(pipeline, &mut |d| sink.push(d)).map(|s| {
            add(&mut total, &s);
            polls += 1;
        })
    };
    eprintln!(
        "cloudwatch: {}: {} poll(s), {} page(s), {} audit events read, {} new, {} already seen",
        follower.log_group(),
        polls,
        total.read.pages,
        total.read.events,
        total.new_events,
        total.already_seen
    );
    Ok(result?)
}

fn add(total: &mut PollStats, s: &PollStats) {
    total.read.pages += s.read.pages;
    total.read.events += s.read.events;
    total.read.other_streams += s.read.other_streams;
    total.new_events += s.new_events;
    total.already_seen += s.already_seen;
}

fn list_rules() -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<8} {:<9} {:<10} {:<8} TITLE",
        "ID", "SEVERITY", "TECHNIQUE", "DEFAULT"
    )?;
    for r in RULES {
        writeln!(
            out,
            "{:<8} {:<9} {:<10} {:<8} {}",
            r.id,
            r.severity.as_str(),
            r.technique.id,
            if r.default_enabled { "on" } else { "off" },
            r.title
        )?;
    }
    Ok(())
}

/// Where detections go: `jsonl` is written as they come (and flushed each
/// time when following a live log), the other formats are one document
/// written at the end. Write errors are kept and reported once.
struct Sink {
    format: Format,
    out: Box<dyn Write>,
    held: Vec<Detection>,
    live: bool,
    error: Option<std::io::Error>,
}

impl Sink {
    fn new(format: Format, out: Box<dyn Write>, live: bool) -> Sink {
        Sink {
            format,
            out,
            held: Vec::new(),
            live,
            error: None,
        }
    }

    fn push(&mut self, d: Detection) {
        if self.format != Format::Jsonl {
            self.held.push(d);
            return;
        }
        let mut written = eksguard_audit::write_jsonl(&mut self.out, &d);
        if written.is_ok() && self.live {
            written = self.out.flush();
        }
        if let Err(e) = written {
            self.error.get_or_insert(e);
        }
    }

    fn finish(mut self, summary: &Summary, errors: &[String]) -> std::io::Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let out = &mut self.out;
        match self.format {
            Format::Jsonl => {}
            Format::Table => eksguard_audit::write_table(out, &self.held)?,
            Format::Json => eksguard_audit::write_json(out, &self.held, summary)?,
            Format::Sarif => {
                let doc = sarif::render(&self.held, summary, errors, self.live);
                serde_json::to_writer_pretty(&mut *out, &doc)?;
                writeln!(out)?;
            }
        }
        out.flush()
    }
}

/// SARIF 2.1.0 for detections, with the conventions of `eksguard scan`'s
/// SARIF (levels, `security-severity`, relative URIs, fingerprints) so both
/// reports look alike in GitHub code scanning.
mod sarif {
    use eksguard_audit::{Detection, RULES, Summary};
    use serde_json::{Value, json};

    // Levels, security-severity and URIs exactly as `scan`'s SARIF.
    use eksguard_report::sarif::{document, level, security_severity, uri};

    fn result(d: &Detection, live: bool) -> Value {
        let mut logical = vec![
            json!({"name": d.object, "fullyQualifiedName": d.object, "kind": "resource"}),
            json!({"name": d.user, "fullyQualifiedName": format!("user/{}", d.user), "kind": "user"}),
        ];
        for id in &d.audit_ids {
            logical.push(json!({
                "name": id,
                "fullyQualifiedName": format!("auditID/{id}"),
                "kind": "auditEvent",
            }));
        }
        let mut location = json!({"logicalLocations": logical});
        // A file position; live CloudWatch events have none.
        if !live && d.input != "-" && d.position.line > 0 {
            location["physicalLocation"] = json!({
                "artifactLocation": {"uri": uri(&d.input)},
                "region": {"startLine": d.position.line},
            });
        }
        let mut r = json!({
            "ruleId": d.rule,
            "level": level(d.severity),
            "message": {"text": format!("{}: {}", d.title, d.message)},
            "locations": [location],
            "partialFingerprints": {
                "eksguard-audit/v1": format!("{}|{}", d.rule, d.audit_ids.join(",")),
            },
            "properties": {
                "severity": d.severity,
                "timestamp": d.timestamp,
                "auditIDs": d.audit_ids,
                "user": d.user,
                "sourceIP": d.source_ip,
                "verb": d.verb,
                "object": d.object,
                "technique": d.technique,
            },
        });
        if let Some(i) = RULES.iter().position(|rule| rule.id == d.rule) {
            r["ruleIndex"] = json!(i);
        }
        r
    }

    pub fn render(
        detections: &[Detection],
        summary: &Summary,
        errors: &[String],
        live: bool,
    ) -> Value {
        let rules: Vec<Value> = RULES
            .iter()
            .map(|r| {
                let help = r.explain();
                json!({
                    "id": r.id,
                    "name": r.title,
                    "shortDescription": {"text": r.title},
                    "fullDescription": {"text": r.doc.what},
                    "help": {"text": help, "markdown": help},
                    "helpUri": r.technique.url(),
                    "defaultConfiguration": {"level": level(r.severity), "enabled": r.default_enabled},
                    "properties": {
                        "tags": ["security", "audit-log", r.technique.id],
                        "security-severity": security_severity(r.severity),
                        "precision": "medium",
                    },
                })
            })
            .collect();
        let results: Vec<Value> = detections.iter().map(|d| result(d, live)).collect();
        let mut notifications: Vec<Value> = errors
            .iter()
            .map(|e| json!({"level": "error", "message": {"text": e}}))
            .collect();
        for issue in summary
            .truncated_samples
            .iter()
            .chain(&summary.unparseable_samples)
        {
            let mut n = json!({
                "level": "warning",
                "message": {"text": format!("{}: {}: {}", issue.input, issue.position, issue.reason)},
            });
            if !live && issue.input != "-" && issue.position.line > 0 {
                n["locations"] = json!([{"physicalLocation": {
                    "artifactLocation": {"uri": uri(&issue.input)},
                    "region": {"startLine": issue.position.line},
                }}]);
            }
            notifications.push(n);
        }
        let invocation = json!({
            "executionSuccessful": errors.is_empty(),
            "toolExecutionNotifications": notifications,
            "properties": {"summary": summary},
        });
        document(rules, invocation, results)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }
}
