//! Identity controls (issue #6) join Kubernetes objects with AWS facts, so
//! their fixtures hold both halves: `fixtures/<ID>/{fail,pass}/` is an AWS
//! snapshot directory (the `aws` CLI layout `eksguard-aws` reads) plus a
//! `k8s.yaml` with the ServiceAccounts and workloads. The failing one must
//! produce at least one finding of that control, the passing one none.
//! Findings are snapshotted (insta) like the other fixtures'.

use eksguard_controls::{Config, Context, Sink};
use eksguard_core::{Finding, Inventory};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs the whole catalog over manifests + snapshot, as `scan` does.
fn scan(k8s: &Path, aws: &Path) -> Vec<Finding> {
    let (facts, errors) = eksguard_aws::read_snapshot(aws).unwrap_or_else(|e| panic!("{e}"));
    assert!(errors.is_empty(), "{}: {errors:?}", aws.display());
    let name = match k8s.strip_prefix(fixtures_dir()) {
        Ok(rel) => format!("fixtures/{}", rel.display()),
        Err(_) => k8s.display().to_string(),
    };
    let mut objects = Vec::new();
    let files: Vec<PathBuf> = if k8s.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(k8s)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        v.sort();
        v
    } else {
        vec![k8s.to_path_buf()]
    };
    for f in files {
        let shown = if f == k8s {
            name.clone()
        } else {
            f.display().to_string()
        };
        let loaded = eksguard_files::load_bytes(&shown, &std::fs::read(&f).unwrap()).finish();
        assert!(loaded.errors.is_empty(), "{shown}: {:?}", loaded.errors);
        objects.extend(loaded.objects);
    }
    let config = Config::default();
    let ctx = Context::new(&config);
    let mut sink = Sink::new();
    for obj in &objects {
        eksguard_controls::check_object(obj, &ctx, &mut sink);
    }
    let mut inv = Inventory::new(objects);
    inv.aws = Some(facts);
    eksguard_controls::check_inventory(&inv, &ctx, &mut sink);
    let mut findings = sink.into_findings();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

fn fixture(dir: &Path) -> Vec<Finding> {
    scan(&dir.join("k8s.yaml"), dir)
}

#[test]
fn every_identity_control_fails_on_its_failing_fixture_and_passes_its_passing_one() {
    let mut ran = 0;
    let root = fixtures_dir();
    for control in eksguard_controls::all() {
        let id = control.meta().id;
        let dir = root.join(id);
        if !dir.join("fail/k8s.yaml").is_file() {
            continue;
        }
        ran += 1;
        assert!(
            dir.join("pass/k8s.yaml").is_file(),
            "{id}: missing pass/k8s.yaml"
        );
        let failing: Vec<Finding> = fixture(&dir.join("fail"))
            .into_iter()
            .filter(|f| f.control == id)
            .collect();
        assert!(!failing.is_empty(), "{id}: fail/ produced no {id} finding");
        for f in &failing {
            let loc = f
                .location
                .as_ref()
                .unwrap_or_else(|| panic!("{id}: finding without a location: {f:?}"));
            assert!(
                loc.line > 0
                    && !f.path.is_empty()
                    && !f.message.is_empty()
                    && !f.remediation.is_empty()
            );
            if f.object.kind.starts_with("AWS::") {
                let arn = f.object.arn.as_deref().unwrap_or_default();
                assert!(
                    arn.starts_with("arn:aws:"),
                    "{id}: AWS finding without an ARN: {f:?}"
                );
            }
        }
        let passing: Vec<Finding> = fixture(&dir.join("pass"))
            .into_iter()
            .filter(|f| f.control == id)
            .collect();
        assert!(passing.is_empty(), "{id}: pass/ produced {passing:#?}");

        let view: Vec<_> = failing
            .iter()
            .map(|f| {
                let l = f.location.as_ref().unwrap();
                let file = Path::new(&l.file)
                    .strip_prefix(&root)
                    .map_or(l.file.clone(), |p| p.display().to_string());
                let object = match &f.object.arn {
                    Some(arn) => format!("{} {arn}", f.object.kind),
                    None => f.object.short(),
                };
                serde_json::json!({
                    "object": object,
                    "at": format!("{file}:{}:{}", l.line, l.column),
                    "path": f.path,
                    "message": f.message,
                })
            })
            .collect();
        insta::with_settings!({snapshot_suffix => id, prepend_module_to_snapshot => false}, {
            insta::assert_json_snapshot!("identity_findings", view);
        });
    }
    assert!(ran >= 17, "only {ran} identity fixtures found");
}

/// The example cluster shows the four cases issue #6 promises, each with
/// the object and field a reader must change.
#[test]
fn example_cluster_shows_the_identity_weaknesses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/insecure-cluster");
    let findings = scan(&root.join("k8s"), &root.join("aws"));
    let of = |id: &str| -> Vec<&Finding> { findings.iter().filter(|f| f.control == id).collect() };

    // Broken IRSA: payments/ledger is annotated with ledger-writer, whose
    // trust admits payments:ledger-writer only.
    let broken = of("IAM-027");
    assert_eq!(broken.len(), 1, "{broken:#?}");
    assert_eq!(broken[0].object.short(), "payments/ledger[ServiceAccount]");
    assert_eq!(
        broken[0].path,
        r#"metadata.annotations["eks.amazonaws.com/role-arn"]"#
    );
    assert!(
        broken[0].message.contains("role/ledger-writer"),
        "{}",
        broken[0].message
    );

    // Cluster-wide `sub` wildcard on shop-cart, at the condition entry.
    let wild = of("IAM-021");
    assert_eq!(wild.len(), 1, "{wild:#?}");
    assert_eq!(
        wild[0].object.arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/shop-cart")
    );
    assert!(
        wild[0]
            .path
            .starts_with("AssumeRolePolicyDocument.Statement[0].Condition.StringLike["),
        "{}",
        wild[0].path
    );
    assert!(
        wild[0].message.contains("shop/cart (irsa)"),
        "{}",
        wild[0].message
    );

    // Pod Identity role without source conditions.
    let pid = of("IAM-030");
    assert_eq!(pid.len(), 1, "{pid:#?}");
    assert_eq!(
        pid[0].object.arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/search-indexer")
    );

    // tools/ci-runner reaches iam:PassRole on `*` through IRSA, with the path.
    let esc: Vec<&Finding> = of("IAM-036").into_iter().chain(of("IAM-035")).collect();
    let ci = esc
        .iter()
        .find(|f| f.object.short() == "tools/ci-runner[Deployment]")
        .unwrap_or_else(|| panic!("no escalation finding for tools/ci-runner: {esc:#?}"));
    assert!(
        ci.message.contains(
            "workload:tools/ci-runner[Deployment] -> service-account:tools/ci-runner -> via:irsa -> \
             role:arn:aws:iam::111122223333:role/ci-deployer -> policy:inline:deploy -> statement:1"
        ),
        "{}",
        ci.message
    );
    assert!(ci.message.contains("iam:PassRole on *"), "{}", ci.message);

    // The node role's extra AmazonS3FullAccess.
    let node = of("IAM-033");
    assert_eq!(node.len(), 1, "{node:#?}");
    assert!(node[0].message.contains("AmazonS3FullAccess"));

    // Nothing about the well-configured payments-api role.
    let payments: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.control.starts_with("IAM-0") && f.message.contains("role/payments-api"))
        .map(|f| f.control)
        .collect();
    assert!(
        payments.is_empty(),
        "payments-api is least-privilege: {payments:?}"
    );
}
