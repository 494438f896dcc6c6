//! The HTML report in a real headless browser (Debian's chromium): the page
//! renders, its filter script runs, and hostile input stays text.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// The DOM after scripts ran, as chromium serialises it.
fn dump_dom(browser: &str, file: &Path, fragment: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}{fragment}", file.display());
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn html_report_renders_filters_and_escapes_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is required in CI (scripts/test.sh installs it)"
        );
        eprintln!("skipped: no chromium on PATH (scripts/test.sh installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // A hostile object name and image: must show as text, never as markup.
    std::fs::write(
        p.join("evil.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"<img src=x onerror=alert(1)>\"\n  namespace: web\nspec:\n  hostNetwork: true\n  containers: [{name: \"<script>alert(2)</script>\", image: \"nginx:latest\"}]\n",
    )
    .unwrap();
    let json_out = json(&eksguard_in(p, &["scan", "evil.yaml", "-f", "json"], None));
    let findings = json_out["findings"].as_array().unwrap();
    let critical_or_high = findings
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .count();
    let html = p.join("report.html");
    let out = eksguard_in(
        p,
        &["scan", "evil.yaml", "-f", "html", "-o", "report.html"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));

    let dom = dump_dom(browser, &html, "");
    assert_eq!(
        count(&dom, r#"<tr class="finding""#),
        findings.len(),
        "one row per finding"
    );
    assert!(
        dom.contains(&format!(
            r#"<span id="visible-count">{}</span>"#,
            findings.len()
        )),
        "script ran"
    );
    assert!(
        !dom.contains("<img src=\"x\""),
        "object name was injected as markup"
    );
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert_eq!(count(&dom, "<script>"), 1, "only the report's own script");
    assert!(
        dom.contains(r#"id="rule-IAM-005""#),
        "control docs are linked"
    );

    // `#min=high` hides lower severities, through the page's own script.
    let dom = dump_dom(browser, &html, "#min=high");
    assert!(
        dom.contains(&format!(
            r#"<span id="visible-count">{critical_or_high}</span>"#
        )),
        "{dom}"
    );
    let hidden = count(&dom, "hidden=\"\"");
    assert_eq!(hidden, findings.len() - critical_or_high);
}

#[test]
fn html_report_of_the_example_cluster_is_complete() {
    let out = eksguard(&["scan", "examples/insecure-cluster", "-f", "html"]);
    let html = String::from_utf8(out.stdout).unwrap();
    let report = json(&eksguard(&[
        "scan",
        "examples/insecure-cluster",
        "-f",
        "json",
    ]));
    let n = report["findings"].as_array().unwrap().len();
    assert_eq!(count(&html, r#"<tr class="finding""#), n);
    assert!(html.contains(r#"<section class="pillar" id="pillar-identity-access">"#));
    assert!(html.contains(r#"<h3 data-responsibility="customer">"#));
    for secret in ["wJalrXUtnFEMI", "AKIAIOSFODNN7EXAMPLE"] {
        assert!(!html.contains(secret));
    }
}
