//! Baselines and `eksguard diff`: finding identity survives unrelated
//! edits, fixed and new findings are told apart, and `--fail-on` applies to
//! new findings only when a baseline is given.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// The example cluster's manifests in a scratch directory.
fn copy_example(to: &Path) {
    let from = repo_root().join("examples/insecure-cluster/k8s");
    std::fs::create_dir_all(to.join("k8s")).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join("k8s").join(e.file_name())).unwrap();
    }
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

fn entries<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v[key].as_array().unwrap().iter().collect()
}

#[test]
fn diff_and_baseline_follow_findings_across_edits() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    copy_example(p);
    let old = eksguard_in(p, &["scan", "k8s", "-f", "json", "-o", "old.json"], None);
    assert_eq!(old.status.code(), Some(1));
    let old_report: Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("old.json")).unwrap()).unwrap();
    let old_count = old_report["findings"].as_array().unwrap().len();

    // The variant: unrelated lines added at the top of every file (every
    // finding moves), node-exporter leaves the host network (fixed), and a
    // new privileged pod appears (new).
    for e in std::fs::read_dir(p.join("k8s")).unwrap() {
        edit(&e.unwrap().path(), |t| {
            format!("# reviewed\n# owner: platform\n{t}")
        });
    }
    edit(&p.join("k8s/30-monitoring.yaml"), |t| {
        t.replacen("      hostNetwork: true\n", "", 1)
    });
    std::fs::write(
        p.join("k8s/90-debug.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: debug, namespace: shop}\nspec:\n  hostPID: true\n  containers: [{name: sh, image: busybox, securityContext: {privileged: true}}]\n",
    )
    .unwrap();
    let new = eksguard_in(p, &["scan", "k8s", "-f", "json", "-o", "new.json"], None);
    assert_eq!(new.status.code(), Some(1));

    let out = eksguard_in(p, &["diff", "old.json", "new.json", "-f", "json"], None);
    assert_eq!(out.status.code(), Some(1), "new high findings: exit 1");
    let d = json(&out);
    let new_findings = entries(&d, "new");
    assert!(!new_findings.is_empty());
    // Every new finding is on the new pod: the moved lines made nothing new.
    for f in &new_findings {
        assert_eq!(f["object"], "shop/debug[Pod]", "{f}");
    }
    let fixed = entries(&d, "fixed");
    assert!(
        fixed
            .iter()
            .any(|f| f["control"] == "IAM-005"
                && f["object"] == "monitoring/node-exporter[DaemonSet]"),
        "{fixed:?}"
    );
    for f in &fixed {
        assert_eq!(f["object"], "monitoring/node-exporter[DaemonSet]", "{f}");
    }
    assert_eq!(
        d["unchanged"].as_u64().unwrap() as usize,
        old_count - fixed.len()
    );
    // The fixed object's result moved from fail to pass: that is a fixed
    // finding, not a "changed" entry.
    assert!(
        entries(&d, "changed")
            .iter()
            .all(|c| c["object"] != "monitoring/node-exporter[DaemonSet]")
    );

    // Table and markdown say the same.
    let out = eksguard_in(p, &["diff", "old.json", "new.json"], None);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.trim_end().ends_with(&format!(
            "{} new, {} fixed, {} changed, {} unchanged",
            new_findings.len(),
            fixed.len(),
            entries(&d, "changed").len(),
            d["unchanged"]
        )),
        "{table}"
    );
    let out = eksguard_in(p, &["diff", "old.json", "new.json", "-f", "markdown"], None);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("| `IAM-005` | `monitoring/node-exporter[DaemonSet]`")
    );

    // --baseline: findings marked, --fail-on applies to new ones only.
    let out = eksguard_in(
        p,
        &["scan", "k8s", "-f", "json", "--baseline", "old.json"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    for f in r["findings"].as_array().unwrap() {
        let expected = if f["object"]["name"] == "debug" {
            "new"
        } else {
            "unchanged"
        };
        assert_eq!(f["baseline"], expected, "{f}");
    }
    assert_eq!(
        r["baseline"]["new"].as_array().unwrap().len(),
        new_findings.len()
    );
    // The new pod's findings are high at most: failing on critical, the
    // baseline's old critical findings no longer fail the build.
    assert!(new_findings.iter().all(|f| f["severity"] != "critical"));
    let out = eksguard_in(
        p,
        &[
            "scan",
            "k8s",
            "--fail-on",
            "critical",
            "--baseline",
            "old.json",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = eksguard_in(p, &["scan", "k8s", "--fail-on", "critical"], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "without a baseline the old criticals fail"
    );

    // Unchanged input: nothing new, exit 0.
    let out = eksguard_in(p, &["diff", "new.json", "new.json", "-f", "json"], None);
    assert_eq!(out.status.code(), Some(0));
    let d = json(&out);
    assert!(entries(&d, "new").is_empty() && entries(&d, "fixed").is_empty());
}

#[test]
fn a_baseline_that_is_not_a_report_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.json"), "{\"kind\": \"List\"}").unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
    )
    .unwrap();
    let out = eksguard_in(
        dir.path(),
        &["scan", "a.yaml", "--baseline", "x.json"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("x.json: not an eksguard JSON report (schema is missing; write one with `eksguard scan --format json`)"),
        "{err}"
    );
    let out = eksguard_in(dir.path(), &["diff", "x.json", "nope.json"], None);
    assert_eq!(out.status.code(), Some(2));
}
