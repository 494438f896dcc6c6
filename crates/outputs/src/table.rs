//! `--format table`: the verdict first (who owns what, what was verified,
//! what failed, what could not be checked), then the top risks; with
//! `--details`, every finding grouped by pillar and owner.

use crate::{Report, StatusCounts, location_text, pillar_order, responsibility_order};
use eksguard_core::{ErrorLevel, Finding, Pillar, Responsibility, Severity, Status};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;35",
        Severity::High => "1;31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

/// The verdict screen: the shared-responsibility matrix, framework scores,
/// the top risks and what was not checked; with `details`, every finding
/// grouped by pillar and owner after it.
pub fn render(report: &Report, out: &mut dyn Write, color: bool, details: bool) -> io::Result<()> {
    posture(report, out, color)?;
    if details {
        findings(report, out, color)?;
    }
    footer(report, out, color, details)
}

/// Pillar × owner: verified / drifted / not checked for what AWS manages,
/// changed / action needed / not checked for weak AWS defaults, pass / fail
/// / not checked for the customer's own controls.
fn posture(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let mut cells: BTreeMap<(Pillar, Responsibility), StatusCounts> = BTreeMap::new();
    for r in report.results {
        cells
            .entry((r.pillar, r.responsibility))
            .or_default()
            .add(r);
    }
    writeln!(
        out,
        "{}",
        paint(
            color,
            "1;4",
            "Shared-responsibility posture (results per control and object)"
        )
    )?;
    let mut head = format!("{:<27}", "");
    let mut sub = format!("{:<27}", "Pillar");
    for resp in responsibility_order() {
        let (ok, bad) = resp.verdict_words();
        let cols = format!("{:>8} {:>8} {:>7}", short(ok), short(bad), "unchkd");
        head.push_str(&format!(" │ {:<25}", resp.short()));
        sub.push_str(&format!(" │ {cols}"));
    }
    writeln!(out, "{}", paint(color, "1", head.trim_end()))?;
    writeln!(out, "{}", paint(color, "2", &sub))?;
    let mut totals: BTreeMap<Responsibility, StatusCounts> = BTreeMap::new();
    for pillar in pillar_order() {
        let mut line = format!("{:<27}", pillar.title());
        for resp in responsibility_order() {
            let c = cells.get(&(pillar, resp)).copied().unwrap_or_default();
            let t = totals.entry(resp).or_default();
            t.pass += c.pass;
            t.fail += c.fail;
            t.not_checked += c.not_checked;
            line.push_str(&format!(" │ {}", triple(&c, color)));
        }
        writeln!(out, "{line}")?;
    }
    let mut line = format!("{:<27}", "Total");
    for resp in responsibility_order() {
        line.push_str(&format!(" │ {}", triple(&totals[&resp], color)));
    }
    writeln!(out, "{}", paint(color, "1", &line))?;
    writeln!(out)?;
    if !report.frameworks.is_empty() {
        writeln!(out, "{}", paint(color, "1;4", "Frameworks"))?;
        for fw in report.frameworks {
            let pct = fw.score.percent.unwrap_or(0.0);
            let filled = ((pct / 10.0).round() as usize).min(10);
            let bar = format!("{}{}", "█".repeat(filled), "░".repeat(10 - filled));
            writeln!(
                out,
                "  {:<22} {} {:>5}  {}/{} automated requirements pass{}",
                fw.id,
                bar,
                fw.score
                    .percent
                    .map_or("  n/a".to_owned(), |p| format!("{p:.0}%")),
                fw.score.passed,
                fw.score.total,
                framework_extra(fw)
            )?;
        }
        writeln!(out)?;
    }
    let mut top: Vec<&Finding> = report.active().collect();
    top.sort_by(|a, b| {
        (b.severity, a.control)
            .cmp(&(a.severity, b.control))
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    if !top.is_empty() {
        writeln!(
            out,
            "{}",
            paint(
                color,
                "1;4",
                &format!("Top risks ({} of {})", top.len().min(TOP), top.len())
            )
        )?;
        for f in top.iter().take(TOP) {
            let sev = format!("{:<8}", f.severity.as_str().to_uppercase());
            writeln!(
                out,
                "  {} {:<10} {}  {}",
                paint(color, severity_code(f.severity), &sev),
                f.control,
                f.object.short(),
                paint(color, "2", &location_text(f))
            )?;
            writeln!(out, "           {}", f.message)?;
            writeln!(
                out,
                "           {} {}",
                paint(color, "32", "fix:"),
                f.remediation
            )?;
        }
        writeln!(out)?;
    }
    let not_checked: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.status == Status::NotChecked)
        .collect();
    if !not_checked.is_empty() {
        // One line per reason: "12 controls: the AWS side was not scanned".
        let mut by_reason: BTreeMap<(bool, &str), BTreeSet<&str>> = BTreeMap::new();
        for r in &not_checked {
            by_reason
                .entry((
                    !r.is_collection_failure(),
                    r.reason.as_deref().unwrap_or(""),
                ))
                .or_default()
                .insert(r.control);
        }
        writeln!(
            out,
            "{}",
            paint(
                color,
                "1;4",
                &format!("Not checked ({} results)", not_checked.len())
            )
        )?;
        for ((chosen, reason), controls) in by_reason {
            let ids: Vec<&str> = controls.iter().copied().collect();
            let shown = if ids.len() > 8 {
                format!("{} … ({} controls)", ids[..8].join(", "), ids.len())
            } else {
                ids.join(", ")
            };
            let tag = if chosen {
                paint(color, "33", "skipped")
            } else {
                paint(color, "31", "FAILED ")
            };
            writeln!(out, "  {tag} {shown}")?;
            writeln!(out, "          {reason}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

const TOP: usize = 10;

fn short(word: &str) -> &str {
    match word {
        "action needed" => "action",
        w => w,
    }
}

fn triple(c: &StatusCounts, color: bool) -> String {
    let fail = format!("{:>8}", c.fail);
    let fail = if c.fail > 0 {
        paint(color, "31", &fail)
    } else {
        fail
    };
    let nc = format!("{:>7}", c.not_checked);
    let nc = if c.not_checked > 0 {
        paint(color, "33", &nc)
    } else {
        nc
    };
    format!("{:>8} {fail} {nc}", c.pass)
}

fn framework_extra(fw: &eksguard_frameworks::FrameworkResult) -> String {
    let c = &fw.counts;
    let mut parts = Vec::new();
    for (n, word) in [
        (c.fail, "fail"),
        (c.not_checked, "not checked"),
        (c.manual, "manual"),
        (c.aws_managed, "AWS-managed"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// Every active finding, by pillar then owner.
fn findings(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let mut active: Vec<_> = report.active().collect();
    active.sort_by(|a, b| {
        (b.severity, a.control)
            .cmp(&(a.severity, b.control))
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    for pillar in pillar_order() {
        let in_pillar: Vec<_> = active.iter().filter(|f| f.pillar == pillar).collect();
        if in_pillar.is_empty() {
            continue;
        }
        writeln!(
            out,
            "{}",
            paint(
                color,
                "1;4",
                &format!("{} ({})", pillar.title(), in_pillar.len())
            )
        )?;
        for resp in responsibility_order() {
            let group: Vec<_> = in_pillar
                .iter()
                .filter(|f| f.responsibility == resp)
                .collect();
            if group.is_empty() {
                continue;
            }
            writeln!(
                out,
                "  {}",
                paint(color, "1", &format!("{} — {}", resp.title(), group.len()))
            )?;
            for f in group {
                let sev = format!("{:<8}", f.severity.as_str().to_uppercase());
                writeln!(
                    out,
                    "    {} {:<8} {}  {}",
                    paint(color, severity_code(f.severity), &sev),
                    f.control,
                    f.object.short(),
                    paint(color, "2", &location_text(f))
                )?;
                writeln!(out, "             {}", f.message)?;
                if !f.path.is_empty() {
                    writeln!(out, "             {} {}", paint(color, "2", "at"), f.path)?;
                }
                writeln!(
                    out,
                    "             {} {}",
                    paint(color, "32", "fix:"),
                    f.remediation
                )?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn footer(report: &Report, out: &mut dyn Write, color: bool, details: bool) -> io::Result<()> {
    if !report.errors.is_empty() {
        writeln!(
            out,
            "{}",
            paint(
                color,
                "1;4",
                &format!("Input problems ({})", report.errors.len())
            )
        )?;
        for e in report.errors {
            let code = if e.level == ErrorLevel::Error {
                "31"
            } else {
                "33"
            };
            writeln!(out, "  {}", paint(color, code, &e.to_string()))?;
        }
        writeln!(out)?;
    }
    let s = report.summary();
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|sev| {
            format!(
                "{} {}",
                s.by_severity.get(sev.as_str()).copied().unwrap_or(0),
                sev
            )
        })
        .collect();
    let r = &s.results;
    writeln!(
        out,
        "{} findings ({}); {} suppressed; results: {} pass, {} fail, {} not checked, {} not applicable; {} objects from {} inputs; {} errors, {} warnings",
        s.findings,
        counts.join(", "),
        s.suppressed,
        r.pass,
        r.fail,
        r.not_checked,
        r.not_applicable,
        s.objects,
        s.inputs,
        s.errors,
        s.warnings
    )?;
    if !details && s.findings > TOP {
        writeln!(
            out,
            "{}",
            paint(
                color,
                "2",
                "(--details lists every finding with its location and fix)"
            )
        )?;
    }
    let verdict = if s.errors > 0 {
        paint(
            color,
            "1;31",
            &format!("ERROR: {} input or collection errors (see above)", s.errors),
        )
    } else if s.collection_failures > 0 && !s.allow_partial {
        paint(
            color,
            "1;31",
            &format!(
                "INCOMPLETE: {} results not checked because collection failed (--allow-partial accepts a partial scan)",
                s.collection_failures
            ),
        )
    } else if s.failed {
        paint(
            color,
            "1;31",
            &format!("FAIL: findings at or above {}", s.fail_on),
        )
    } else if s.collection_failures > 0 {
        paint(
            color,
            "1;33",
            &format!(
                "PASS (partial): no finding at or above {}; {} results not checked",
                s.fail_on, s.collection_failures
            ),
        )
    } else {
        paint(
            color,
            "1;32",
            &format!("PASS: no finding at or above {}", s.fail_on),
        )
    };
    writeln!(out, "{verdict}")
}
