//! Helm charts through the binary. A directory with `Chart.yaml` is a
//! chart: rendered with `helm template` (its values, `--helm-values`,
//! `--helm-set`, subcharts vendored under `charts/`), findings naming the
//! template and, where it is exact, the template line; without helm, one
//! warning per chart and nothing in it read as manifests.
//!
//! The fixture (`tests/data/charts/webshop`): helpers in `_helpers.tpl`, a
//! `range` over workers, values, a sidecar list rendered with `toYaml`, and
//! a vendored `cache` subchart. The render tests need helm (scripts/test.sh
//! installs it); in CI a missing one fails.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn charts() -> PathBuf {
    repo_root().join("crates/cli/tests/data/charts")
}

fn have_helm() -> bool {
    let ok = Command::new("helm")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "helm is required in CI (scripts/test.sh installs it)"
        );
        eprintln!("skipped: helm is not installed");
    }
    ok
}

fn of<'a>(report: &'a Value, control: &str, name: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == control && f["object"]["name"] == name)
        .collect()
}

fn location(f: &Value) -> (String, u64, u64) {
    let l = &f["location"];
    (
        l["file"].as_str().unwrap().to_owned(),
        l["line"].as_u64().unwrap(),
        l["column"].as_u64().unwrap(),
    )
}

/// eksguard with PATH holding nothing: no helm, no kubectl.
fn eksguard_without_tools(dir: &Path, args: &[&str]) -> std::process::Output {
    let empty = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_eksguard"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("PATH", empty.path())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn without_helm_a_chart_is_one_warning_and_nothing_in_it_is_read() {
    let out = eksguard_without_tools(&charts(), &["scan", ".", "-f", "json"]);
    let report = json(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        report["errors"],
        serde_json::json!([{
            "level": "warning",
            "input": "helm:./webshop",
            "message": "./webshop is a Helm chart and was not scanned: helm is not installed; install it, or render the chart yourself: `helm template ./webshop | eksguard scan -`"
        }])
    );
    assert_eq!(report["summary"]["objects"], 0);

    // Files of a chart named one by one are not manifests either.
    let out = eksguard_without_tools(
        &charts(),
        &[
            "scan",
            "webshop/Chart.yaml",
            "webshop/values.yaml",
            "webshop/templates/deployment.yaml",
            "-f",
            "json",
        ],
    );
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    for e in errors {
        assert_eq!(e["level"], "warning");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("part of the Helm chart"),
            "{e}"
        );
    }
}

/// The line of `needle` in what `helm template DIR` prints.
fn rendered_line(dir: &Path, chart: &str, needle: &str) -> u64 {
    let out = Command::new("helm")
        .args(["template", chart])
        .current_dir(dir)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

#[test]
fn a_chart_is_rendered_and_findings_name_the_template_line() {
    if !have_helm() {
        return;
    }
    let out = eksguard_in(&charts(), &["scan", "webshop", "-f", "json"], None);
    let report = json(&out);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(out.status.code(), Some(1));
    // ServiceAccount, storefront, two workers, the subchart's StatefulSet.
    assert_eq!(report["summary"]["objects"], 5);

    // A literal key with a value from values.yaml: the template line.
    let host = of(&report, "IAM-005", "release-name-webshop");
    assert_eq!(
        location(host[0]),
        ("webshop/templates/deployment.yaml".into(), 20, 7)
    );
    assert!(
        host[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(rendered by helm:webshop)")
    );
    // Each object of a `range` loop points at the loop's line.
    for worker in ["orders", "thumbnails"] {
        let f = of(
            &report,
            "IMG-001",
            &format!("release-name-webshop-{worker}"),
        );
        assert_eq!(
            location(f[0]),
            ("webshop/templates/workers.yaml".into(), 20, 11)
        );
    }
    // The vendored subchart's template.
    let cache = of(&report, "IMG-001", "release-name-cache");
    assert_eq!(
        location(cache[0]),
        (
            "webshop/charts/cache/templates/statefulset.yaml".into(),
            18,
            11
        )
    );
    // A container from `toYaml .Values.sidecars`: no template line is
    // exact, so the template file with the rendered line in the message.
    let sidecar = of(&report, "IMG-002", "release-name-webshop");
    assert_eq!(sidecar.len(), 1, "{sidecar:#?}");
    assert_eq!(sidecar[0]["path"], "spec.template.spec.containers[1].image");
    assert_eq!(
        location(sidecar[0]),
        ("webshop/templates/deployment.yaml".into(), 1, 1)
    );
    let line = rendered_line(&charts(), "webshop", "log-shipper:latest");
    assert!(
        sidecar[0]["message"].as_str().unwrap().ends_with(&format!(
            "(at line {line} of the output of helm:webshop; the line in the template is not known exactly)"
        )),
        "{}",
        sidecar[0]["message"]
    );
}

#[test]
fn helm_values_and_set_apply_to_the_charts() {
    if !have_helm() {
        return;
    }
    let out = eksguard_in(
        &charts(),
        &[
            "scan",
            "webshop",
            "--helm-values",
            "webshop/values-prod.yaml",
            "--helm-set",
            "hostNetwork=false",
            "-f",
            "json",
        ],
        None,
    );
    let report = json(&out);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert!(of(&report, "IAM-005", "release-name-webshop").is_empty());
    let latest: Vec<_> = of(&report, "IMG-002", "release-name-webshop")
        .into_iter()
        .filter(|f| f["path"] == "spec.template.spec.containers[0].image")
        .collect();
    assert_eq!(
        location(latest[0]),
        ("webshop/templates/deployment.yaml".into(), 23, 11)
    );
}

#[test]
fn a_chart_that_does_not_render_is_an_error_naming_it() {
    if !have_helm() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "broken/Chart.yaml",
        "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
    );
    write(
        "broken/templates/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: {{ required \"image is required\" .Values.image }}\n",
    );
    // A dependency that is not vendored is not fetched: an error.
    write(
        "undeclared/Chart.yaml",
        "apiVersion: v2\nname: undeclared\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 17.0.0\n    repository: https://charts.example.com\n",
    );
    write(
        "undeclared/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    let out = eksguard_in(dir.path(), &["scan", ".", "-f", "json"], None);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0]["input"], "helm:./broken");
    let msg = errors[0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("the Helm chart ./broken did not render: `helm template` failed: ")
            && msg.contains("image is required"),
        "{msg}"
    );
    assert_eq!(errors[1]["input"], "helm:./undeclared");
    assert!(
        errors[1]["message"]
            .as_str()
            .unwrap()
            .contains("missing in charts/"),
        "{}",
        errors[1]["message"]
    );
}
