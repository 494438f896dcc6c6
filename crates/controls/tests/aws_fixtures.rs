//! Controls on AWS facts have `fixtures/<ID>/fail/` and `pass/`: snapshot
//! directories in the `aws` CLI layout that `eksguard-aws` reads. The
//! failing one must produce at least one finding of that control, each
//! naming the resource by ARN, and the passing one none. Findings are
//! snapshotted (insta) like the YAML fixtures'.

use eksguard_controls::{Config, Context, Sink};
use eksguard_core::{Finding, Inventory};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn scan(dir: &Path) -> Vec<Finding> {
    let (facts, errors) = eksguard_aws::read_snapshot(dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(errors.is_empty(), "{}: {errors:?}", dir.display());
    let mut inv = Inventory::new(Vec::new());
    inv.aws = Some(facts);
    let config = Config::default();
    let mut sink = Sink::new();
    eksguard_controls::check_inventory(&inv, &Context::new(&config), &mut sink);
    let mut findings = sink.into_findings();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

#[test]
fn every_aws_control_fails_on_its_failing_snapshot_and_passes_its_passing_one() {
    let mut ran = 0;
    for control in eksguard_controls::all() {
        let id = control.meta().id;
        let dir = fixtures_dir().join(id);
        if !dir.join("fail").is_dir() {
            continue;
        }
        if dir.join("fail/k8s.yaml").is_file() {
            // Identity (issue #6): AWS snapshot + manifests, run by tests/identity_fixtures.rs.
            continue;
        }
        ran += 1;
        assert!(dir.join("pass").is_dir(), "{id}: missing pass/ snapshot");
        let failing: Vec<Finding> = scan(&dir.join("fail"))
            .into_iter()
            .filter(|f| f.control == id)
            .collect();
        assert!(!failing.is_empty(), "{id}: fail/ produced no {id} finding");
        for f in &failing {
            let arn = f.object.arn.as_deref().unwrap_or_default();
            assert!(
                arn.starts_with("arn:aws:"),
                "{id}: finding without an ARN: {f:?}"
            );
            assert!(
                f.object.kind.starts_with("AWS::"),
                "{id}: {}",
                f.object.kind
            );
            assert!(!f.path.is_empty() && !f.message.is_empty() && !f.remediation.is_empty());
        }
        let passing: Vec<Finding> = scan(&dir.join("pass"))
            .into_iter()
            .filter(|f| f.control == id)
            .collect();
        assert!(passing.is_empty(), "{id}: pass/ produced {passing:#?}");

        let root = fixtures_dir();
        let view: Vec<_> = failing
            .iter()
            .map(|f| {
                let at = f.location.as_ref().map(|l| {
                    let file = Path::new(&l.file).strip_prefix(&root).map_or(l.file.clone(), |p| p.display().to_string());
                    format!("{file}:{}:{}", l.line, l.column)
                });
                serde_json::json!({
                    "object": format!("{} {}", f.object.kind, f.object.arn.as_deref().unwrap_or_default()),
                    "at": at,
                    "path": f.path,
                    "message": f.message,
                })
            })
            .collect();
        insta::with_settings!({snapshot_suffix => id, prepend_module_to_snapshot => false}, {
            insta::assert_json_snapshot!("aws_findings", view);
        });
    }
    assert!(ran >= 18, "only {ran} AWS snapshot fixtures found");
}

/// The example cluster's snapshot is the README's first command: it must
/// read without errors and show its deliberate weaknesses.
#[test]
fn example_cluster_snapshot_shows_its_weaknesses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/insecure-cluster/aws");
    let ids: std::collections::BTreeSet<&str> = scan(&dir).iter().map(|f| f.control).collect();
    for id in [
        "NET-001",
        "NET-002",
        "NET-003",
        "NET-004",
        "LOG-001",
        "LOG-002",
        "DATA-002",
        "DATA-004",
        "PATCH-002",
        "AUTO-002",
        "ACC-001",
        "ACC-003",
        "ACC-004",
    ] {
        assert!(
            ids.contains(id),
            "example snapshot: no {id} finding (got {ids:?})"
        );
    }
    for id in ["LOG-003", "DATA-001", "AUTO-001", "AWS-001"] {
        assert!(
            !ids.contains(id),
            "example snapshot: unexpected {id} finding"
        );
    }
}
