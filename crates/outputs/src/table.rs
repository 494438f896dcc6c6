//! `--format table`: findings grouped by pillar, then by who owns the control
//! in the shared-responsibility model.

use crate::{Report, location_text, pillar_order, responsibility_order};
use eksguard_core::{ErrorLevel, Severity};
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

pub fn render(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
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
    let aws = s.by_responsibility.get("aws-managed").copied().unwrap_or(0);
    let customer = s.by_responsibility.get("customer").copied().unwrap_or(0);
    writeln!(
        out,
        "{} findings ({}) — {aws} on AWS-managed defaults, {customer} customer-owned; {} suppressed; {} objects from {} inputs; {} errors, {} warnings",
        s.findings,
        counts.join(", "),
        s.suppressed,
        s.objects,
        s.inputs,
        s.errors,
        s.warnings
    )?;
    let verdict = if s.failed {
        paint(
            color,
            "1;31",
            &format!("FAIL: findings at or above {}", s.fail_on),
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
