//! The HTML report in a real headless browser (Debian's chromium): the
//! posture dashboard shows the JSON report's numbers, the filter script runs
//! from the URL fragment, the page fits 1280 px, prints to PDF, and hostile
//! input stays text. In CI a missing chromium fails the browser tests;
//! elsewhere they skip with a message.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
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

/// The browser, or `None` (after saying so) outside CI.
fn browser() -> Option<&'static str> {
    let b = chromium();
    if b.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is required in CI (scripts/test.sh installs it)"
        );
        eprintln!("skipped: no chromium on PATH (scripts/test.sh installs it)");
    }
    b
}

/// Runs headless chromium, 1280 px wide, on `file` + `fragment`; returns
/// stdout.
fn run_chromium(browser: &str, file: &Path, fragment: &str, args: &[String]) -> String {
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
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
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

/// The DOM after scripts ran, as chromium serialises it.
fn dump_dom(browser: &str, file: &Path, fragment: &str) -> String {
    run_chromium(browser, file, fragment, &["--dump-dom".to_owned()])
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The start tags that begin with `start` (e.g. `<tr class="finding"`), up
/// to their `>` (chromium quotes every attribute value with `"`).
fn tags<'a>(dom: &'a str, start: &str) -> Vec<&'a str> {
    dom.match_indices(start)
        .map(|(i, _)| {
            let rest = &dom[i..];
            let mut quoted = false;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    if c == '"' {
                        quoted = !quoted;
                    }
                    c == '>' && !quoted
                })
                .map_or(rest.len(), |(j, _)| j);
            &rest[..=end.min(rest.len() - 1)]
        })
        .collect()
}

/// How many of those tags the filter script left visible.
fn visible(dom: &str, start: &str) -> usize {
    tags(dom, start)
        .iter()
        .filter(|t| !t.contains(" hidden=\"\""))
        .count()
}

/// The number in the attribute value or element text right after `needle`.
fn number_after(dom: &str, needle: &str) -> Option<f64> {
    let i = dom.find(needle)? + needle.len();
    let digits: String = dom[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().ok()
}

fn text_of(dom: &str, id: &str) -> String {
    let needle = format!(r#"id="{id}">"#);
    let i = dom.find(&needle).unwrap_or_else(|| panic!("no #{id}")) + needle.len();
    dom[i..].chars().take_while(|&c| c != '<').collect()
}

/// The page is no wider than the 1280 px window (with every `<details>`
/// open: the report's own script measures it under `#selftest`).
fn assert_fits_1280(dom: &str) {
    let width = number_after(dom, r#"data-scroll-width=""#).expect("selftest ran");
    assert!(
        width <= 1280.0,
        "horizontal overflow: page is {width} px wide; widest: {:?}",
        dom.find("data-overflow=\"")
            .map(|i| &dom[i..(i + 300).min(dom.len())])
    );
    assert!(!dom.contains("data-overflow=\""), "an element overflows");
}

fn u(v: &Value) -> usize {
    v.as_u64().unwrap() as usize
}

/// Writes the scan of `paths` as HTML to `html` and returns the JSON report.
fn scan(dir: &Path, paths: &[&str], html: &Path) -> Value {
    let mut args = vec!["scan"];
    args.extend(paths);
    let mut json_args = args.clone();
    json_args.extend(["-f", "json"]);
    let report = json(&eksguard_in(dir, &json_args, None));
    let html = html.to_str().unwrap();
    args.extend(["-f", "html", "-o", html]);
    let out = eksguard_in(dir, &args, None);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report
}

#[test]
fn html_report_renders_filters_and_escapes_in_chromium() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // A hostile object name, container name and namespace: they must stay
    // text, in element content and in data attributes. A 241-character name
    // and a long image path must wrap, not widen the page.
    let long_name = format!("{}-{}", "a".repeat(120), "b".repeat(120));
    let image = format!(
        "registry.example.com/{}:latest",
        (0..40)
            .map(|i| format!("segment{i}"))
            .collect::<Vec<_>>()
            .join("/")
    );
    std::fs::write(
        p.join("evil.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"<img src=x onerror=alert(1)>\"\n  namespace: web\nspec:\n  hostNetwork: true\n  containers: [{{name: \"<script>alert(2)</script>\", image: \"nginx:latest\"}}]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {long_name}\n  namespace: 'x\" data-evil=\"1'\nspec:\n  hostNetwork: true\n  containers: [{{name: app, image: \"{image}\"}}]\n"
        ),
    )
    .unwrap();
    let html = p.join("report.html");
    let report = scan(p, &["evil.yaml"], &html);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() > 4);

    let dom = dump_dom(browser, &html, "#selftest");
    assert_eq!(
        count(&dom, r#"<tr class="finding""#),
        findings.len(),
        "one row per finding"
    );
    assert_eq!(
        visible(&dom, r#"<tr class="finding""#),
        findings.len(),
        "no filter hides nothing"
    );
    assert!(
        !dom.contains("<img src=\"x\""),
        "object name was injected as markup"
    );
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        !dom.contains(r#" data-evil="1""#),
        "namespace broke out of its data attribute"
    );
    assert!(dom.contains(r#"x&quot; data-evil=&quot;1"#));
    assert_eq!(count(&dom, "<script>"), 1, "only the report's own script");
    assert!(
        dom.contains(r#"<details class="control" id="control-IAM-005""#),
        "controls are listed with their objects"
    );
    assert!(dom.contains(&long_name), "the long name is shown whole");
    assert_fits_1280(&dom);

    // `#min=high` hides lower severities, through the page's own script.
    let high = findings
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .count();
    assert!(high > 0 && high < findings.len());
    let dom = dump_dom(browser, &html, "#min=high");
    assert_eq!(visible(&dom, r#"<tr class="finding""#), high, "{dom}");
    assert_eq!(text_of(&dom, "visible-findings"), high.to_string());

    // A hostile namespace still works as a filter value.
    let evil_ns = findings
        .iter()
        .filter(|f| f["object"]["namespace"] == "web")
        .count();
    let dom = dump_dom(browser, &html, "#namespace=web");
    assert_eq!(visible(&dom, r#"<tr class="finding""#), evil_ns);
}

/// The first of `candidates` that some finding has as its `key`.
fn first_present<'a>(
    findings: &[Value],
    key: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> &'a str {
    candidates
        .into_iter()
        .find(|v| findings.iter().any(|f| f[key] == *v))
        .expect("the example has findings")
}

/// The verdict the table's footer would print.
fn expected_verdict(s: &Value) -> &'static str {
    if u(&s["errors"]) > 0 {
        "ERROR"
    } else if u(&s["collection_failures"]) > 0 && s["allow_partial"] == false {
        "INCOMPLETE"
    } else if s["failed"] == true {
        "FAIL"
    } else if u(&s["collection_failures"]) > 0 {
        "PASS (partial)"
    } else {
        "PASS"
    }
}

#[test]
fn html_dashboard_of_the_example_cluster_in_chromium() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("example.html");
    let report = scan(&repo_root(), &["examples/insecure-cluster"], &html);
    let s = &report["summary"];
    let findings = report["findings"].as_array().unwrap();
    let results = report["results"].as_array().unwrap();

    let dom = dump_dom(browser, &html, "#selftest");
    assert!(
        dom.contains(&format!(r#"data-verdict="{}""#, expected_verdict(s))),
        "verdict"
    );
    // The posture matrix: per pillar, owners' counts add up to the JSON's
    // per-pillar counts; the total row is the per-owner counts.
    let pillars = s["pillars"].as_object().unwrap();
    let owners = s["responsibilities"].as_object().unwrap();
    assert_eq!(pillars.len(), 8);
    let cell = |pillar: &str, owner: &str, status: &str| {
        number_after(
            &dom,
            &format!(
                r#"data-pillar="{pillar}" data-responsibility="{owner}" data-status="{status}" data-count=""#
            ),
        )
        .unwrap_or_else(|| panic!("no matrix cell {pillar} × {owner} × {status}"))
            as usize
    };
    for status in ["pass", "fail", "not_checked"] {
        for (pillar, counts) in pillars {
            let sum: usize = owners.keys().map(|o| cell(pillar, o, status)).sum();
            assert_eq!(sum, u(&counts[status]), "{pillar} {status}");
        }
        for (owner, counts) in owners {
            assert_eq!(
                cell("total", owner, status),
                u(&counts[status]),
                "{owner} {status}"
            );
        }
    }
    // The verified AWS-managed guarantees.
    assert_eq!(
        number_after(&dom, r#"id="aws-verified" data-verified=""#).unwrap() as usize,
        u(&owners["aws-managed"]["pass"])
    );
    // Framework bars: the score as the bar's width and as text.
    let frameworks = report["frameworks"].as_array().unwrap();
    assert_eq!(frameworks.len(), 3);
    for fw in frameworks {
        let id = fw["id"].as_str().unwrap();
        let start = dom
            .find(&format!(r#"<div class="fw" data-framework="{id}""#))
            .unwrap_or_else(|| panic!("no bar for {id}"));
        let bar = &dom[start..(start + 1500).min(dom.len())];
        let pct = fw["score"]["percent"].as_f64().unwrap();
        let shown = number_after(bar, r#"data-percent=""#).unwrap();
        assert!((shown - pct).abs() < 1e-9, "{id}: {shown} vs {pct}");
        assert!(bar.contains(&format!(r#"style="width:{shown}%""#)), "{bar}");
        assert!(bar.contains(&format!(">{shown}%</b>")), "{bar}");
        assert_eq!(
            number_after(bar, r#"data-passed=""#).unwrap() as usize,
            u(&fw["score"]["passed"])
        );
        assert_eq!(
            number_after(bar, r#"data-total=""#).unwrap() as usize,
            u(&fw["score"]["total"])
        );
    }
    // Severity distribution.
    for (sev, n) in s["by_severity"].as_object().unwrap() {
        assert!(
            dom.contains(&format!(
                r#"<div class="sevbar" data-severity="{sev}" data-findings="{}">"#,
                u(n)
            )),
            "{sev}"
        );
    }
    // The posture is the first screen; then controls, frameworks, findings.
    let at = |needle: &str| {
        dom.find(needle)
            .unwrap_or_else(|| panic!("missing {needle}"))
    };
    assert!(at(r#"id="posture-matrix""#) < at(r#"id="controls""#));
    assert!(at(r#"id="controls""#) < at(r#"id="frameworks""#));
    assert!(at(r#"id="frameworks""#) < at(r#"id="findings""#));
    let posture_bottom = number_after(&dom, r#"data-posture-bottom=""#).unwrap();
    assert!(
        posture_bottom <= 1000.0,
        "the posture does not fit the first screen: ends at {posture_bottom} px"
    );
    let controls: BTreeSet<&str> = results
        .iter()
        .map(|r| r["control"].as_str().unwrap())
        .collect();
    assert_eq!(count(&dom, r#"<details class="control""#), controls.len());
    assert_eq!(count(&dom, r#"<tr class="finding""#), findings.len());
    assert_fits_1280(&dom);

    // Filters from the URL fragment: visible finding rows match the JSON.
    let of_framework = |id: &str| -> BTreeSet<String> {
        frameworks
            .iter()
            .filter(|f| f["id"] == id)
            .flat_map(|f| f["requirements"].as_array().unwrap())
            .flat_map(|r| r["controls"].as_array().unwrap())
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    };
    let cis = of_framework("cis-eks-1.8");
    let mut namespaces: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        if let Some(ns) = f["object"]["namespace"].as_str() {
            *namespaces.entry(ns).or_default() += 1;
        }
    }
    let (top_ns, _) = namespaces.iter().max_by_key(|(_, n)| **n).unwrap();
    let matching = |pred: &dyn Fn(&Value) -> bool| findings.iter().filter(|f| pred(f)).count();
    // `critical` and `images` unless the example has no such finding.
    let severity = first_present(
        findings,
        "severity",
        ["critical", "high", "medium", "low", "info"],
    );
    let pillar = first_present(
        findings,
        "pillar",
        std::iter::once("images").chain(pillars.keys().map(String::as_str)),
    );
    let cases: Vec<(String, usize)> = vec![
        (
            format!("#severity={severity}"),
            matching(&|f| f["severity"] == severity),
        ),
        (
            format!("#pillar={pillar}"),
            matching(&|f| f["pillar"] == pillar),
        ),
        (
            "#responsibility=aws-default".into(),
            matching(&|f| f["responsibility"] == "aws-default"),
        ),
        (
            "#framework=cis-eks-1.8".into(),
            matching(&|f| cis.contains(f["control"].as_str().unwrap())),
        ),
        (
            format!("#namespace={top_ns}"),
            matching(&|f| f["object"]["namespace"] == *top_ns),
        ),
        (
            "#min=high".into(),
            matching(&|f| f["severity"] == "critical" || f["severity"] == "high"),
        ),
        (
            "#severity=high,medium&pillar=identity-access".into(),
            matching(&|f| {
                (f["severity"] == "high" || f["severity"] == "medium")
                    && f["pillar"] == "identity-access"
            }),
        ),
    ];
    for (fragment, expected) in &cases {
        assert!(*expected > 0, "{fragment} selects nothing in the example");
        assert!(*expected < findings.len(), "{fragment} selects everything");
        let dom = dump_dom(browser, &html, fragment);
        assert_eq!(
            visible(&dom, r#"<tr class="finding""#),
            *expected,
            "{fragment}"
        );
        assert_eq!(
            text_of(&dom, "visible-findings"),
            expected.to_string(),
            "{fragment}"
        );
    }
    // The status filter applies to the controls.
    let with_status = |results: &[Value], status: &str| {
        results
            .iter()
            .filter(|r| r["status"] == status)
            .map(|r| r["control"].as_str().unwrap().to_owned())
            .collect::<BTreeSet<_>>()
            .len()
    };
    let failing = with_status(results, "fail");
    assert!(failing > 0 && failing < controls.len());
    let dom = dump_dom(browser, &html, "#status=fail");
    assert_eq!(visible(&dom, r#"<details class="control""#), failing);
    assert_eq!(text_of(&dom, "visible-controls"), failing.to_string());
    assert_eq!(
        visible(&dom, r#"<tr class="finding""#),
        findings.len(),
        "findings are all failures: the status filter leaves them"
    );

    // Without the AWS side, AWS controls are not checked.
    let k8s_html = dir.path().join("k8s.html");
    let k8s = scan(&repo_root(), &["examples/insecure-cluster/k8s"], &k8s_html);
    let k8s_results = k8s["results"].as_array().unwrap();
    let unchecked = with_status(k8s_results, "not_checked");
    assert!(unchecked > 0, "the k8s-only scan has not-checked controls");
    let dom = dump_dom(browser, &k8s_html, "#status=not_checked");
    assert_eq!(visible(&dom, r#"<details class="control""#), unchecked);
    assert_eq!(text_of(&dom, "visible-controls"), unchecked.to_string());
    let total_unchecked: usize = k8s["summary"]["responsibilities"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| u(&c["not_checked"]))
        .sum();
    assert_eq!(
        total_unchecked,
        u(&k8s["summary"]["results"]["not_checked"])
    );

    // A screenshot of the first 2000 px, kept for people to look at.
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let png = out_dir.join("html-report-example.png");
    let _ = std::fs::remove_file(&png);
    run_chromium(
        browser,
        &html,
        "",
        &[
            format!("--screenshot={}", png.display()),
            "--hide-scrollbars".to_owned(),
        ],
    );
    let bytes = std::fs::read(&png).expect("chromium wrote the screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 10_000,
        "screenshot is {} bytes: blank page?",
        bytes.len()
    );
    std::fs::copy(&html, out_dir.join("html-report-example.html")).unwrap();
    eprintln!("screenshot: {}", png.display());

    // Printed to PDF.
    let pdf = out_dir.join("html-report-example.pdf");
    let _ = std::fs::remove_file(&pdf);
    run_chromium(
        browser,
        &html,
        "",
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".to_owned(),
        ],
    );
    let bytes = std::fs::read(&pdf).expect("chromium wrote the PDF");
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    assert!(bytes.len() > 10_000, "PDF is {} bytes", bytes.len());
}

#[test]
fn html_report_of_the_example_cluster_is_complete_and_self_contained() {
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
    assert!(html.contains(r#"<table id="posture-matrix""#));
    assert!(html.contains(r#"<details class="framework" id="fw-cis-eks-1.8""#));
    assert!(html.contains(r#"data-responsibility="customer""#));
    // Nothing is fetched: the CSP forbids it and nothing asks.
    assert!(html.contains(r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">"#));
    for external in [" src=", "<link", "@import", "url(", "<iframe", "<img"] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains("@media print"));
    // Credentials in the example's manifests never reach the report (the
    // control documentation may quote AWS's published example key).
    let mut outside_docs = String::new();
    let mut rest = html.as_str();
    while let Some(i) = rest.find(r#"<details class="docs">"#) {
        outside_docs.push_str(&rest[..i]);
        let end = rest[i..].find("</details>").unwrap() + i;
        rest = &rest[end..];
    }
    outside_docs.push_str(rest);
    for secret in ["9NNlk3+IyfmnI", "AKIAYDEDIOTF1EZHFNBX"] {
        assert!(!outside_docs.contains(secret), "{secret}");
    }
}

#[test]
fn html_report_caps_object_lists_per_control() {
    let dir = tempfile::tempdir().unwrap();
    let pods: String = (0..230)
        .map(|i| {
            format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: web\nspec:\n  hostNetwork: true\n  containers: [{{name: app, image: \"nginx:1.27\"}}]\n"
            )
        })
        .collect();
    std::fs::write(dir.path().join("pods.yaml"), pods).unwrap();
    let out = eksguard_in(dir.path(), &["scan", "pods.yaml", "-f", "html"], None);
    let html = String::from_utf8(out.stdout).unwrap();
    let start = html
        .find(r#"<details class="control" id="control-IAM-005""#)
        .unwrap();
    let end = start + html[start..].find("</details>\n").unwrap();
    let control = &html[start..end];
    assert!(control.contains(r#"<span class="n c-fail">230</span>"#));
    assert_eq!(count(control, "<code>web/p"), 200, "listed up to the cap");
    assert!(control.contains(r#"<li class="more">+30 more</li>"#));
    // The findings list is not capped: the filters need every row.
    assert_eq!(
        count(&html, r#"data-control="IAM-005""#),
        230,
        "one finding row per pod"
    );
}
