//! The offline path: snapshot directories as the `aws` CLI writes them.

use eksguard_aws::{SnapshotError, find_snapshots, read_snapshot};
use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../examples/insecure-cluster/aws")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn example_snapshot_reads_completely() {
    let (facts, errors) = read_snapshot(&example()).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(facts.account_id.as_deref(), Some("111122223333"));
    assert_eq!(facts.region.as_deref(), Some("eu-west-1"));
    assert_eq!(facts.as_of.as_deref(), Some("2026-11-20"));
    let c = facts.cluster.as_ref().unwrap();
    assert_eq!(c.name, "acme-prod");
    assert_eq!(
        c.logging
            .as_ref()
            .unwrap()
            .cluster_logging
            .as_ref()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(facts.access_entries.len(), 5);
    assert_eq!(facts.pod_identity_associations.len(), 1);
    assert_eq!(facts.oidc_providers.len(), 2);
    assert_eq!(facts.security_groups.len(), 3);
    assert_eq!(facts.kms_keys.len(), 1);
    assert_eq!(
        facts.kms_keys[0]
            .rotation
            .as_ref()
            .unwrap()
            .key_rotation_enabled,
        Some(false)
    );

    // IAM documents are stored URL-encoded, as IAM returns them, and decoded.
    let cart = facts
        .role_by_arn("arn:aws:iam::111122223333:role/shop-cart")
        .unwrap();
    let trust = cart.assume_role_policy_document.as_ref().unwrap();
    let cond = &trust["Statement"][0]["Condition"]["StringLike"];
    assert_eq!(
        cond["oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2D3E4F5A6B7C8D9E0F1A2B3C4D:sub"],
        "system:serviceaccount:*:*"
    );
    let ci = facts
        .role_by_arn("arn:aws:iam::111122223333:role/ci-deployer")
        .unwrap();
    assert_eq!(
        ci.inline_policies[0].policy_document["Statement"][1]["Action"][0],
        "iam:PassRole"
    );
    let node = facts
        .role_by_arn("arn:aws:iam::111122223333:role/eks-auto-node-role")
        .unwrap();
    let attached: Vec<&str> = node
        .attached_policies
        .iter()
        .map(|p| p.policy_name.as_str())
        .collect();
    assert!(attached.contains(&"AmazonS3FullAccess"), "{attached:?}");
    let s3 = &facts.managed_policies["arn:aws:iam::aws:policy/AmazonS3FullAccess"];
    assert!(s3.document.as_ref().unwrap()["Statement"].is_array());
}

#[test]
fn findings_point_at_the_line_of_the_field() {
    let (facts, _) = read_snapshot(&example()).unwrap();
    let c = facts.cluster.as_ref().unwrap();
    let field =
        eksguard_core::JsonPath::keys(&["resourcesVpcConfig", "publicAccessCidrs"]).index(0);
    let loc = facts.locate(&c.source, &field).unwrap();
    let text = std::fs::read_to_string(example().join("eks/describe-cluster.json")).unwrap();
    let line = text.lines().nth(loc.line as usize - 1).unwrap();
    assert!(line.contains("\"0.0.0.0/0\""), "line {}: {line}", loc.line);
}

#[test]
fn a_bad_file_is_reported_with_its_position_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "eks/describe-cluster.json",
        r#"{"cluster": {"name": "c", "arn": "arn:aws:eks:us-east-1:123456789012:cluster/c", "futureField": [1, 2]}}"#,
    );
    write(
        dir.path(),
        "ec2/get-ebs-encryption-by-default.json",
        "{\n  \"EbsEncryptionByDefault\": tru, \"SseType\": \"none\"\n}",
    );
    write(
        dir.path(),
        "kms/k/describe-key.json",
        r#"{"KeyMetadata": {"KeyId": "k", "Enabled": "yes"}}"#,
    );
    write(
        dir.path(),
        "iam/roles/r/get-role.json",
        r#"{"Role": {"RoleName": "r", "Arn": "arn:aws:iam::123456789012:role/r", "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D"}}"#,
    );
    write(dir.path(), "notes/README.json", r#"{"anything": true}"#);
    let (facts, errors) = read_snapshot(dir.path()).unwrap();
    assert_eq!(facts.cluster.as_ref().unwrap().name, "c");
    assert_eq!(facts.region.as_deref(), Some("us-east-1"));
    assert_eq!(facts.account_id.as_deref(), Some("123456789012"));
    assert_eq!(
        facts.roles[0].assume_role_policy_document.as_ref().unwrap()["Version"],
        "2012-10-17"
    );
    assert!(facts.ebs_encryption_by_default.is_none());
    assert!(facts.kms_keys.is_empty());
    assert_eq!(errors.len(), 2, "{errors:#?}");
    match &errors[0] {
        SnapshotError::Json { file, line, .. } => {
            assert!(file.ends_with("ec2/get-ebs-encryption-by-default.json"));
            assert_eq!(*line, 2);
        }
        other => panic!("{other:?}"),
    }
    match &errors[1] {
        SnapshotError::Shape { file, path, .. } => {
            assert!(file.ends_with("kms/k/describe-key.json"));
            assert_eq!(path, "KeyMetadata");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_directory_without_the_marker_is_not_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ec2/describe-security-groups.json",
        r#"{"SecurityGroups": []}"#,
    );
    let err = read_snapshot(dir.path()).unwrap_err();
    assert!(matches!(err, SnapshotError::NotASnapshot { .. }), "{err}");
    assert!(err.to_string().contains("eks/describe-cluster.json"));
}

#[test]
fn snapshots_are_found_under_scanned_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../examples/insecure-cluster");
    let found = find_snapshots(&[root.clone(), root.join("k8s")]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("aws"));
}

#[test]
fn written_snapshots_read_back_to_the_same_facts() {
    let (facts, _) = read_snapshot(&example()).unwrap();
    // Re-serialize the example's documents through the writer.
    let mut docs = eksguard_aws::Documents::default();
    for entry in walk(&example()) {
        let rel = entry
            .strip_prefix(example())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == eksguard_aws::INDEX {
            continue;
        }
        let value = serde_json::from_str(&std::fs::read_to_string(&entry).unwrap()).unwrap();
        docs.docs.push(eksguard_aws::Document {
            path: rel,
            action: "test",
            value,
        });
    }
    docs.collected_at = Some("2026-11-20T09:00:00Z".into());
    let dir = tempfile::tempdir().unwrap();
    eksguard_aws::write_snapshot(dir.path(), &docs, "acme-prod", Some("eu-west-1")).unwrap();
    let (again, errors) = read_snapshot(dir.path()).unwrap();
    assert!(errors.is_empty());
    assert_eq!(
        again.cluster.as_ref().map(|c| &c.item),
        facts.cluster.as_ref().map(|c| &c.item)
    );
    assert_eq!(again.roles.len(), facts.roles.len());
    for (a, b) in again.roles.iter().zip(&facts.roles) {
        // Items equal; only their sources (the directory) differ.
        assert_eq!(a.arn, b.arn);
        assert_eq!(a.assume_role_policy_document, b.assume_role_policy_document);
        assert_eq!(a.attached_policies, b.attached_policies);
        let docs = |r: &eksguard_core::aws::IamRole| -> Vec<serde_json::Value> {
            r.inline_policies
                .iter()
                .map(|p| p.policy_document.clone())
                .collect()
        };
        assert_eq!(docs(a), docs(b));
    }
    assert_eq!(again.as_of, facts.as_of);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn docs_with_roles(roles: &[&str]) -> eksguard_aws::Documents {
    let mut docs = eksguard_aws::Documents::default();
    docs.docs.push(eksguard_aws::Document {
        path: "eks/describe-cluster.json".into(),
        action: "eks:DescribeCluster",
        value: serde_json::json!({"cluster": {"name": "c", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/c"}}),
    });
    for r in roles {
        docs.docs.push(eksguard_aws::Document {
            path: format!("iam/roles/{r}/get-role.json"),
            action: "iam:GetAccountAuthorizationDetails",
            value: serde_json::json!({"Role": {"RoleName": r, "Arn": format!("arn:aws:iam::111122223333:role/{r}")}}),
        });
    }
    docs.collected_at = Some("2026-11-20T09:00:00Z".into());
    docs
}

/// `aws snapshot --out DIR` over an older snapshot: the new one replaces
/// it as a whole, so a role deleted since is not reported again.
#[test]
fn a_new_snapshot_replaces_the_previous_one_as_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    eksguard_aws::write_snapshot(&out, &docs_with_roles(&["old", "kept"]), "c", None).unwrap();
    assert!(out.join("iam/roles/old/get-role.json").is_file());
    eksguard_aws::write_snapshot(&out, &docs_with_roles(&["kept"]), "c", None).unwrap();
    let (facts, errors) = read_snapshot(&out).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let roles: Vec<&str> = facts.roles.iter().map(|r| r.role_name.as_str()).collect();
    assert_eq!(roles, ["kept"]);
    // No temporary or previous directory is left beside it.
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["snap"]);
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("snapshot.json")).unwrap()).unwrap();
    assert_eq!(index["format"], "eksguard-aws-snapshot/1");
    assert_eq!(index["eksguardVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(index["collectedAt"], "2026-11-20T09:00:00Z");
}

#[test]
fn a_directory_that_is_not_a_snapshot_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "notes.txt", "mine");
    let err =
        eksguard_aws::write_snapshot(dir.path(), &docs_with_roles(&["r"]), "c", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} is not empty and is not an eksguard snapshot (no snapshot.json of format eksguard-aws-snapshot/1): refusing to replace it; choose a new or empty directory",
            dir.path().display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!dir.path().join("eks").exists());
    // An empty directory is fine.
    let empty = tempfile::tempdir().unwrap();
    eksguard_aws::write_snapshot(empty.path(), &docs_with_roles(&["r"]), "c", None).unwrap();
    assert!(empty.path().join("iam/roles/r/get-role.json").is_file());
}

/// Snapshots of an older eksguard: gaps with a code and message only are
/// classified from the code; listings it never collected are "not
/// collected" (not checked, a warning) rather than passed or failed.
#[test]
fn older_snapshots_read_with_classified_gaps_and_missing_listings() {
    use eksguard_core::aws::FailureClass;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "eks/describe-cluster.json",
        r#"{"cluster": {"name": "c", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/c"}}"#,
    );
    write(dir.path(), "eks/list-addons.json", r#"{"addons": []}"#);
    write(
        dir.path(),
        "snapshot.json",
        r#"{"format": "eksguard-aws-snapshot/1", "cluster": "c", "gaps": [
            {"action": "eks:ListAccessEntries", "what": "access entries of cluster c", "code": "AccessDeniedException",
             "message": "User: x is not authorized to perform: eks:ListAccessEntries with an explicit deny in a permissions boundary"}]}"#,
    );
    let (facts, errors) = read_snapshot(dir.path()).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let classes: Vec<(&str, FailureClass)> = facts
        .gaps
        .iter()
        .map(|g| (g.action.as_str(), g.class))
        .collect();
    assert_eq!(
        classes,
        [
            ("eks:ListAccessEntries", FailureClass::AccessDenied),
            ("eks:ListNodegroups", FailureClass::NotCollected),
            ("eks:ListFargateProfiles", FailureClass::NotCollected),
        ]
    );
    assert_eq!(
        facts.gaps[0].denied_by.as_deref(),
        Some("explicit deny in a permissions boundary")
    );
    assert_eq!(
        facts.gaps[1].summary(),
        "eks:ListNodegroups was not collected: the snapshot has no eks/list-nodegroups.json"
    );
}
