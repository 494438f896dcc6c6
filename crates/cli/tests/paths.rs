//! `eksguard paths` on the example cluster through the real binary: the
//! internet → AWS privilege-escalation path with evidence on every step and
//! the cuts that break it, the decoys (blocked by a NetworkPolicy, blocked by
//! an IRSA trust condition), and exactness: a copy of the example with one
//! cause removed loses exactly the paths the cut claimed.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const EXAMPLE: &str = "examples/insecure-cluster";
const MEDIA: &str = "arn:aws:iam::111122223333:role/media-pipeline";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn paths_json(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["paths"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", "json"]);
    let out = eksguard_in(dir, &all, None);
    (out.status.code(), json(&out))
}

type Key = (String, String, String, String);

fn key(p: &Value) -> Key {
    let s = |k: &str| p[k].as_str().unwrap_or("").to_owned();
    (s("from"), s("entry"), s("via"), s("to"))
}

fn keys(report: &Value) -> BTreeSet<Key> {
    report["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect()
}

/// Paths (keys) the cut of `kind` on `object` claims to break.
fn claimed(report: &Value, kind: &str, object: &str) -> BTreeSet<Key> {
    let cut = report["cuts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind && c["object"].as_str().unwrap().contains(object))
        .unwrap_or_else(|| panic!("no {kind} cut on {object}: {:#}", report["cuts"]));
    let ids: BTreeSet<&str> = cut["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    report["paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| ids.contains(p["id"].as_str().unwrap()))
        .map(key)
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// A copy of the example with `edit` applied to one file, analysed again:
/// the paths left are the example's minus those the cut claimed.
fn exact_after(
    kind: &str,
    object: &str,
    file: &str,
    edit: impl FnOnce(String) -> String,
) -> BTreeSet<Key> {
    let root = repo_root();
    let (_, before) = paths_json(&root, &[EXAMPLE]);
    let broken = claimed(&before, kind, object);
    assert!(!broken.is_empty(), "{kind} on {object} breaks nothing");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("insecure-cluster");
    copy_dir(&root.join(EXAMPLE), &copy);
    let target = copy.join(file);
    let text = std::fs::read_to_string(&target).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing in {file}");
    std::fs::write(&target, edited).unwrap();
    let (_, after) = paths_json(tmp.path(), &["insecure-cluster"]);
    let want: BTreeSet<Key> = keys(&before).difference(&broken).cloned().collect();
    assert_eq!(
        keys(&after),
        want,
        "{kind} on {object}: the paths left differ from the cut's claim"
    );
    broken
}

#[test]
fn the_example_has_an_internet_to_aws_escalation_path_with_evidence_and_cuts() {
    let (code, report) = paths_json(&repo_root(), &[EXAMPLE]);
    assert_eq!(code, Some(1), "paths at or above high exist");
    assert_eq!(report["schema"], "eksguard.paths/v1");
    let paths = report["paths"].as_array().unwrap();
    let esc = paths
        .iter()
        .find(|p| {
            p["from"] == "internet"
                && p["entry"] == "storefront/storefront[Service]"
                && p["to"] == "aws-admin"
                && p["via"] == MEDIA
        })
        .unwrap_or_else(|| panic!("no internet → media-pipeline path: {:#}", report["paths"]));
    assert_eq!(esc["severity"], "critical");
    let steps = esc["steps"].as_array().unwrap();
    let kinds: Vec<&str> = steps.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "exposure",
            "ingress",
            "lateral",
            "workload-identity",
            "role-chain",
            "aws-permission"
        ]
    );
    for s in steps {
        assert!(
            !s["object"].as_str().unwrap().is_empty() && !s["because"].as_str().unwrap().is_empty(),
            "{s}"
        );
    }
    assert!(
        steps[0]["because"]
            .as_str()
            .unwrap()
            .contains("aws-load-balancer-scheme: internet-facing")
    );
    assert!(
        steps[2]["because"]
            .as_str()
            .unwrap()
            .contains("storefront/thumbnailer[Deployment]")
    );
    assert!(
        steps[4]["because"]
            .as_str()
            .unwrap()
            .contains("sts:AssumeRole")
    );
    assert!(
        steps[5]["because"]
            .as_str()
            .unwrap()
            .contains("passrole-lambda-invoke")
    );
    // Every step but the lateral one points at the line that makes it.
    for (i, s) in steps.iter().enumerate().filter(|(i, _)| *i != 2) {
        let at = &s["at"];
        let file = at["file"]
            .as_str()
            .unwrap_or_else(|| panic!("step {i} without a location: {s}"));
        assert!(repo_root().join(file).is_file(), "{file}");
        assert!(at["line"].as_u64().unwrap() > 0);
    }
    // Cuts that break it, each with where to change.
    let id = esc["id"].as_str().unwrap();
    let cuts: Vec<&Value> = report["cuts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["breaks"].as_array().unwrap().iter().any(|b| b == id))
        .collect();
    let kinds: BTreeSet<&str> = cuts.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    for k in [
        "make-internal",
        "trust-condition",
        "chain-trust",
        "delete-statement",
    ] {
        assert!(kinds.contains(k), "no {k} cut for {id}: {kinds:?}");
    }
    assert!(
        cuts.iter()
            .all(|c| c["at"]["file"].is_string() && c["path"].is_string()),
        "{cuts:#?}"
    );
    // The ranking: the first cut breaks at least as many critical paths as any other.
    let first = &report["cuts"][0];
    assert!(
        report["cuts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["critical"].as_u64() <= first["critical"].as_u64())
    );
}

#[test]
fn the_decoys_are_blocked_by_a_trust_condition_and_a_network_policy() {
    let (_, report) = paths_json(&repo_root(), &[EXAMPLE]);
    // IRSA trust condition: payments/ledger is annotated with ledger-writer,
    // which reads every secret, but the trust admits payments:ledger-writer.
    assert!(
        !report["paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["via"].as_str().unwrap().contains("ledger-writer"))
    );
    assert!(
        report["blocked"].as_array().unwrap().iter().any(|b| {
            b["kind"] == "workload-identity"
                && b["object"].as_str().unwrap().contains("ledger-writer")
        }),
        "{:#}",
        report["blocked"]
    );
    // NetworkPolicy: the refunds callback load balancer forwards to pods that
    // payments' default deny isolates. The example turns the network policy
    // controller off, so today the paths through it are open — each says
    // which policy would deny it, and enabling the controller is the cut.
    let entry = "payments/refunds-callback[Service]";
    let open: Vec<&Value> = report["paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["entry"] == entry)
        .collect();
    assert!(!open.is_empty());
    for p in &open {
        let ingress = &p["steps"][1];
        assert_eq!(ingress["kind"], "ingress");
        assert!(
            ingress["because"]
                .as_str()
                .unwrap()
                .contains("not enforced"),
            "{ingress}"
        );
    }
    let by_switch = claimed(&report, "enable-network-policies", "amazon-vpc-cni");
    let through: BTreeSet<Key> = open.iter().map(|p| key(p)).collect();
    assert!(through.is_subset(&by_switch), "{through:#?}");
    // Enforced, as written: not one path enters through it.
    let (code, enforced) = paths_json(&repo_root(), &[EXAMPLE, "--netpol-enforcement", "enforced"]);
    assert_eq!(code, Some(1));
    assert!(
        !enforced["paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["entry"] == entry)
    );
    assert!(
        enforced["blocked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["object"] == "payments/refunds[Deployment]"
                && b["because"]
                    .as_str()
                    .unwrap()
                    .contains("admit no traffic from outside")),
        "{:#}",
        enforced["blocked"]
    );
    // …and the escalation path through the storefront is still there.
    assert!(
        enforced["paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["via"] == MEDIA && p["from"] == "internet")
    );
}

#[test]
fn turning_enforcement_on_removes_exactly_the_paths_the_switch_claims() {
    exact_after(
        "enable-network-policies",
        "amazon-vpc-cni",
        "k8s/50-kube-system.yaml",
        |t| {
            t.replace(
                "enable-network-policy-controller: \"false\"",
                "enable-network-policy-controller: \"true\"",
            )
        },
    );
}

#[test]
fn tightening_the_media_pipeline_trust_removes_exactly_its_paths() {
    let broken = exact_after(
        "chain-trust",
        "media-pipeline",
        "aws/iam/roles/media-pipeline/get-role.json",
        |t| {
            t.replace(
                "arn:aws:iam::111122223333:root",
                "arn:aws:iam::111122223333:role/release-manager",
            )
        },
    );
    assert!(broken.iter().all(|k| k.2 == MEDIA));
}

#[test]
fn deleting_the_pass_role_statement_removes_exactly_its_paths() {
    exact_after(
        "delete-statement",
        "media-pipeline",
        "aws/iam/roles/media-pipeline/get-role-policy/deploy-lambdas.json",
        |t| {
            t.replace(
                "\"Action\": \"iam:PassRole\"",
                "\"Action\": \"iam:GetRole\"",
            )
        },
    );
}

#[test]
fn an_internal_storefront_removes_exactly_its_internet_paths() {
    let broken = exact_after(
        "make-internal",
        "storefront/storefront",
        "storefront/70-storefront.yaml",
        |t| {
            t.replacen(
                "aws-load-balancer-scheme: internet-facing",
                "aws-load-balancer-scheme: internal",
                1,
            )
        },
    );
    assert!(
        broken
            .iter()
            .all(|k| k.1 == "storefront/storefront[Service]")
    );
}

#[test]
fn removing_the_cluster_admin_subject_removes_exactly_its_paths() {
    exact_after(
        "remove-subject",
        "ci-runner-admin",
        "k8s/40-tools.yaml",
        |t| {
            t.replace("  - kind: ServiceAccount\n    name: ci-runner\n    namespace: tools\n", "  - kind: Group\n    name: release-managers\n    apiGroup: rbac.authorization.k8s.io\n")
        },
    );
}

#[test]
fn hardening_node_exporter_removes_exactly_its_escape_paths() {
    exact_after(
        "harden-pod",
        "node-exporter",
        "k8s/30-monitoring.yaml",
        |t| {
            t.replace("      hostPID: true\n", "")
                .replace(
                    "            privileged: true",
                    "            privileged: false",
                )
                .replace("          hostPath: {path: /}", "          emptyDir: {}")
        },
    );
}

#[test]
fn fixing_the_ledger_trust_opens_the_decoy_path() {
    // The decoy was blocked by the trust condition alone: admit the
    // annotated ServiceAccount and the path appears.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("insecure-cluster");
    copy_dir(&repo_root().join(EXAMPLE), &copy);
    let f = copy.join("aws/iam/roles/ledger-writer/get-role.json");
    let t = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        t.replace("payments%3Aledger-writer", "payments%3Aledger"),
    )
    .unwrap();
    let (_, report) = paths_json(tmp.path(), &["insecure-cluster", "--from", "internet"]);
    assert!(
        report["paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["via"].as_str().unwrap().contains("ledger-writer")),
        "{:#}",
        report["paths"]
    );
}

#[test]
fn filters_formats_and_exit_codes() {
    let root = repo_root();
    let (code, only) = paths_json(&root, &[EXAMPLE, "--from", "internet", "--to", "aws-admin"]);
    assert_eq!(code, Some(1));
    let ps = only["paths"].as_array().unwrap();
    assert!(
        !ps.is_empty()
            && ps
                .iter()
                .all(|p| p["from"] == "internet" && p["to"] == "aws-admin")
    );
    assert!(only["summary"]["filtered_out"].as_u64().unwrap() > 0);
    let (_, one) = paths_json(&root, &[EXAMPLE, "--from", "storefront/thumbnailer"]);
    assert!(
        one["paths"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["from"] == "storefront/thumbnailer[Deployment]")
    );
    // No path reaches critical from inside the cluster alone.
    let out = eksguard(&[
        "paths",
        EXAMPLE,
        "--from",
        "storefront/thumbnailer",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = String::from_utf8(eksguard(&["paths", EXAMPLE]).stdout).unwrap();
    assert!(table.starts_with("Fix first: "), "{table}");
    assert!(table.contains("\nPaths ("));
    let dot = String::from_utf8(eksguard(&["paths", EXAMPLE, "-f", "dot"]).stdout).unwrap();
    assert!(dot.starts_with("digraph attack_paths {") && dot.contains("->"));
    let mermaid = String::from_utf8(eksguard(&["paths", EXAMPLE, "-f", "mermaid"]).stdout).unwrap();
    assert!(mermaid.starts_with("flowchart LR") && mermaid.contains("-->"));
    let unknown = eksguard(&["paths", EXAMPLE, "--from", "nowhere/nothing"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no workload matches --from"));
    let bad = eksguard(&["paths", EXAMPLE, "--to", "everything"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn scan_reports_the_internet_paths_as_path_controls() {
    let out = eksguard(&["scan", EXAMPLE, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let path = |id: &str| -> Vec<Value> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["control"] == id)
            .cloned()
            .collect()
    };
    let admin = path("PATH-001");
    let media = admin
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("media-pipeline"))
        .unwrap_or_else(|| panic!("{admin:#?}"));
    assert_eq!(media["severity"], "critical");
    assert!(
        media["message"]
            .as_str()
            .unwrap()
            .starts_with("attack path from the internet to AWS administrator")
    );
    assert!(media["location"]["line"].as_u64().unwrap() > 0, "{media}");
    for id in ["PATH-002", "PATH-003", "PATH-004", "PATH-005"] {
        assert!(!path(id).is_empty(), "{id}");
    }
    // A whole-inventory control: one failed result per object its findings sit on.
    let results: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["control"] == "PATH-001")
        .collect();
    let objects: BTreeSet<String> = admin.iter().map(|f| f["object"].to_string()).collect();
    assert_eq!(results.len(), objects.len(), "{results:#?}");
    assert!(results.iter().all(|r| r["status"] == "fail"));
}
