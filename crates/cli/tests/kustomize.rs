//! Kustomize repositories through the binary: findings point at the file
//! and line of the offending field (the base file when no patch changed
//! it, the rendered text naming the base file when one did), an object all
//! kustomizations render identically is reported once naming them, and a
//! broken kustomization is an error naming it while the rest is scanned.
//!
//! The fixture (`tests/data/kustomize`): a base (a Deployment on the host
//! network, a ServiceAccount, a ClusterRole reading everything) and three
//! overlays setting a namespace; `prod` patches the image to `latest`.
//! Needs kubectl (or kustomize); in CI a missing one fails.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data() -> PathBuf {
    repo_root().join("crates/cli/tests/data/kustomize")
}

/// Whether kubectl can render; outside CI a machine without it skips.
fn have_kubectl() -> bool {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is required in CI to render kustomizations"
        );
        eprintln!("skipped: kubectl is not installed");
    }
    ok
}

fn of<'a>(report: &'a Value, control: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == control)
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

/// The line of `needle` in what `kubectl kustomize DIR` prints (the
/// rendered position a finding on a patched field must give).
fn rendered_line(cwd: &Path, dir: &str, needle: &str) -> u64 {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .current_dir(cwd)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

#[test]
fn findings_point_at_the_base_line_unless_patched_and_shared_objects_are_reported_once() {
    if !have_kubectl() {
        return;
    }
    let out = eksguard_in(&data(), &["scan", "base", "overlays", "-f", "json"], None);
    let report = json(&out);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(out.status.code(), Some(1));

    // Not changed by any overlay: the line of the field in the base, once
    // per rendered object (they differ by namespace), naming the overlay.
    let mut host = of(&report, "IAM-005");
    host.sort_by_key(|f| f["object"]["namespace"].as_str().unwrap_or("").to_owned());
    assert_eq!(host.len(), 4, "{host:#?}");
    for (f, (ns, by)) in host.iter().zip([
        (None, "base"),
        (Some("dev"), "overlays/dev"),
        (Some("prod"), "overlays/prod"),
        (Some("staging"), "overlays/staging"),
    ]) {
        assert_eq!(f["object"]["namespace"].as_str(), ns);
        assert_eq!(location(f), ("base/deployment.yaml".into(), 19, 7));
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .ends_with(&format!("(rendered by kustomize:{by})")),
            "{}",
            f["message"]
        );
    }

    // The image: as written in the base for dev, patched in prod.
    let pinned = of(&report, "IMG-001");
    let dev = pinned
        .iter()
        .find(|f| f["object"]["namespace"] == "dev")
        .unwrap();
    assert_eq!(location(dev), ("base/deployment.yaml".into(), 22, 11));
    let latest = of(&report, "IMG-002");
    assert_eq!(latest.len(), 1, "{latest:#?}");
    let f = latest[0];
    assert_eq!(f["object"]["namespace"], "prod");
    let line = rendered_line(&data(), "overlays/prod", "nginx/nginx:latest");
    assert_eq!(location(f), ("kustomize:overlays/prod".into(), line, 9));
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .ends_with("(changed by the kustomization; the object is at base/deployment.yaml:2)"),
        "{}",
        f["message"]
    );

    // The ClusterRole is cluster-scoped: every kustomization renders it
    // identically, so it is one object with one finding naming them all.
    let wildcard = of(&report, "IAM-011");
    assert_eq!(wildcard.len(), 1, "{wildcard:#?}");
    assert_eq!(location(wildcard[0]), ("base/rbac.yaml".into(), 12, 5));
    assert!(
        wildcard[0]["message"].as_str().unwrap().ends_with(
            "(rendered by kustomize:base, kustomize:overlays/dev, kustomize:overlays/prod, kustomize:overlays/staging)"
        ),
        "{}",
        wildcard[0]["message"]
    );
    // base: ServiceAccount, ClusterRole, Deployment; each overlay its own
    // ServiceAccount and Deployment.
    assert_eq!(report["summary"]["objects"], 3 + 3 * 2);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_broken_kustomization_is_an_error_naming_it_and_the_others_are_scanned() {
    if !have_kubectl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&data(), dir.path());
    std::fs::create_dir(dir.path().join("overlays/broken")).unwrap();
    std::fs::write(
        dir.path().join("overlays/broken/kustomization.yaml"),
        "resources:\n  - ../../base\n  - missing.yaml\n",
    )
    .unwrap();
    let out = eksguard_in(dir.path(), &["scan", "overlays", "-f", "json"], None);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["input"], "kustomize:overlays/broken");
    let msg = errors[0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("`kubectl kustomize` failed: ") && msg.contains("missing.yaml"),
        "{msg}"
    );
    assert!(
        !msg.contains("eksguard-kustomize"),
        "names no temporary file: {msg}"
    );
    // The three good overlays were rendered (in the same batch) and checked.
    assert_eq!(of(&report, "IAM-005").len(), 3);
    assert_eq!(of(&report, "IAM-011").len(), 1);
}

#[test]
fn components_are_rendered_only_through_the_kustomizations_using_them() {
    if !have_kubectl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&data().join("base"), &dir.path().join("base"));
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "components/debug/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - target: {kind: Deployment}\n    patch: |\n      - op: add\n        path: /spec/template/spec/hostPID\n        value: true\n",
    );
    write(
        "overlays/debug/kustomization.yaml",
        "namespace: debug\nresources: [../../base]\ncomponents: [../../components/debug]\n",
    );
    let out = eksguard_in(
        dir.path(),
        &["scan", "components", "overlays", "-f", "json"],
        None,
    );
    let report = json(&out);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["summary"]["inputs"], 1);
    assert_eq!(of(&report, "IAM-005").len(), 1);
}
