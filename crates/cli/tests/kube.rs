//! `eksguard scan --kube` against the in-process API server: the example
//! cluster served live gives the findings its manifests give, a forbidden
//! resource is an input error with the RBAC rule while the rest is still
//! scanned, Secrets reach the report as key names and fingerprints only,
//! and an unreachable server is exit code 2 naming it.

mod common;

use common::{eksguard, json, repo_root};
use eksguard_test_apiserver::{ApiServer, ResourceType};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

const EXAMPLE: &str = "examples/insecure-cluster/k8s";

/// A server holding every object of the example cluster's manifests.
async fn example_cluster() -> ApiServer {
    let api = ApiServer::start(Duration::from_secs(5)).await.unwrap();
    api.register_all(ResourceType::standard());
    api.register_all(ResourceType::eks_auto_mode());
    let (inputs, errors) = eksguard_files::discover(&[repo_root().join(EXAMPLE)]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut n = 0;
    for input in &inputs {
        let loaded = eksguard_files::load(input, &Default::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        for o in loaded.objects {
            assert_ne!(
                api.put(o.raw.clone()),
                0,
                "no type for {}",
                o.obj_ref().short()
            );
            n += 1;
        }
    }
    assert!(n > 20, "the example has {n} objects");
    api
}

fn kubeconfig(api: &ApiServer, dir: &Path) -> String {
    let path = dir.join("kubeconfig");
    api.write_kubeconfig(&path).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Runs the binary off the runtime's worker so the server keeps serving.
async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        eksguard(&args)
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Findings as (control, object, path, message) with how many times each occurs.
fn findings(report: &Value) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let key = format!(
            "{} {} {}/{}/{} {} | {}",
            f["control"].as_str().unwrap(),
            f["object"]["apiVersion"].as_str().unwrap(),
            f["object"]["kind"].as_str().unwrap(),
            f["object"]["namespace"].as_str().unwrap_or("-"),
            f["object"]["name"].as_str().unwrap(),
            f["path"].as_str().unwrap(),
            f["message"].as_str().unwrap(),
        );
        *m.entry(key).or_insert(0) += 1;
    }
    m
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_scan_of_the_example_cluster_matches_the_file_scan() {
    let api = example_cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(&api, dir.path());
    let common = ["--format", "json", "--now", "2026-11-27"];

    let mut a = args(&["scan", EXAMPLE]);
    a.extend(args(&common));
    let files = run(a).await;
    let mut a = args(&["scan", "--kube", "--kubeconfig", &kc]);
    a.extend(args(&common));
    let live = run(a).await;

    assert_eq!(files.status.code(), Some(1), "{}", stderr(&files));
    assert_eq!(live.status.code(), Some(1), "{}", stderr(&live));
    let (files, live) = (json(&files), json(&live));
    assert_eq!(live["errors"], json!([]), "{}", live["errors"]);
    let (f, l) = (findings(&files), findings(&live));
    assert!(f.len() > 30, "the example has {} findings", f.len());
    let only_files: Vec<_> = f.keys().filter(|k| !l.contains_key(*k)).collect();
    let only_live: Vec<_> = l.keys().filter(|k| !f.contains_key(*k)).collect();
    assert!(
        only_files.is_empty() && only_live.is_empty(),
        "only from files: {only_files:#?}\nonly live: {only_live:#?}"
    );
    assert_eq!(f, l);
    assert_eq!(files["summary"]["failed"], live["summary"]["failed"]);

    // Live findings point at the object and field, not at a line.
    for finding in live["findings"].as_array().unwrap() {
        assert!(finding.get("location").is_none(), "{finding}");
    }
    // Every list was paginated with a limit, and only collections eksguard reads.
    let lists: Vec<String> = api
        .requests()
        .into_iter()
        .filter(|r| r.contains('?'))
        .collect();
    assert!(lists.iter().all(|r| r.contains("limit=500")), "{lists:?}");
    assert!(
        lists
            .iter()
            .any(|r| r.starts_with("GET /apis/karpenter.sh/v1/nodepools?"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_resource_is_an_input_error_and_the_rest_is_scanned() {
    let api = example_cluster().await;
    api.set_forbidden(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        true,
    );
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(&api, dir.path());
    let out = run(args(&[
        "scan",
        "--kube",
        "--kubeconfig",
        &kc,
        "--format",
        "json",
    ]))
    .await;
    // A list that failed is a collection gap: the controls that read
    // ClusterRoleBindings are not checked, and the scan exits 2.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    let gaps = report["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["kind"], "collection_failed");
    assert_eq!(gaps[0]["need"]["kind"], "ClusterRoleBinding");
    let msg = gaps[0]["reason"].as_str().unwrap();
    assert!(
        msg.contains(r#"{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterrolebindings"], verbs: ["get", "list"]}"#),
        "{msg}"
    );
    let not_checked = |id: &str| {
        report["results"].as_array().unwrap().iter().any(|r| {
            r["control"] == id && r["status"] == "not_checked" && r["gap"] == "collection_failed"
        })
    };
    assert!(not_checked("IAM-010"));
    assert!(not_checked("IAM-012"));
    assert!(!not_checked("IMG-001"));
    assert!(report["summary"]["collection_failures"].as_u64().unwrap() >= 2);
    assert!(
        stderr(&out).contains("clusterrolebindings"),
        "{}",
        stderr(&out)
    );
    let f = findings(&report);
    assert!(
        f.keys()
            .any(|k| k.starts_with("IMG-001 apps/v1 Deployment/shop/web "))
    );
    assert!(f.keys().any(|k| k.starts_with("NETPOL-101 ")), "{f:#?}");
    assert!(
        !f.keys().any(|k| k.contains("ClusterRoleBinding/")),
        "{f:#?}"
    );
    // Accepting a partial scan: findings decide the exit code.
    let out = run(args(&[
        "scan",
        "--kube",
        "--kubeconfig",
        &kc,
        "--format",
        "json",
        "--allow-partial",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("partial scan"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_show_key_names_only_and_their_list_permission_is_optional() {
    const KEY_ID: &str = "AKIAZ7Q2R8W1N4D3JWK0";
    const SECRET: &str = "u8Xq2+Lm0fRk9TzWv/3NbYc7HsGdPe1JaQo4iKtE";
    let api = example_cluster().await;
    use std::fmt::Write;
    let b64 = |s: &str| {
        // Base64 without a dependency: std has none, the test needs two values.
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in s.as_bytes().chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    };
    let mut last_applied = String::new();
    write!(last_applied, r#"{{"stringData":{{"secret":"{SECRET}"}}}}"#).unwrap();
    api.put(json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"namespace": "shop", "name": "uploader",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied}},
        "data": {"AWS_ACCESS_KEY_ID": b64(KEY_ID), "AWS_SECRET_ACCESS_KEY": b64(SECRET)}}));
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(&api, dir.path());

    // Files and the live cluster in one scan.
    let out = run(args(&[
        "scan",
        "--kube",
        "--kubeconfig",
        &kc,
        "examples/insecure-cluster/k8s/60-auto-mode.yaml",
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(SECRET) && !text.contains(&b64(SECRET)));
    let report = json(&out);
    let iam002: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == "IAM-002")
        .collect();
    assert!(!iam002.is_empty(), "{}", report["findings"]);
    assert!(iam002.iter().all(|f| f["object"]["name"] == "uploader"));
    // The NodeClass twice: once from the file (with a line), once live.
    let nodeclass: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == "DATA-003")
        .collect();
    assert_eq!(nodeclass.len(), 2, "{nodeclass:?}");
    assert_eq!(
        nodeclass
            .iter()
            .filter(|f| f.get("location").is_some())
            .count(),
        1
    );

    // Without `list secrets` (optional): IAM-002 is not checked, a warning,
    // not a failed scan.
    api.set_forbidden("", "v1", "secrets", true);
    let out = run(args(&[
        "scan",
        "--kube",
        "--kubeconfig",
        &kc,
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let gaps = report["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["kind"], "not_collected");
    let iam002: Vec<_> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["control"] == "IAM-002")
        .collect();
    assert_eq!(iam002.len(), 1, "{iam002:?}");
    assert_eq!(iam002[0]["status"], "not_checked");
    assert_eq!(iam002[0]["gap"], "not_collected");
    assert!(stderr(&out).contains("warning: "), "{}", stderr(&out));
    assert!(!findings(&report).keys().any(|k| k.starts_with("IAM-002")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_is_exit_code_2_naming_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    eksguard_test_apiserver::write_kubeconfig(&format!("http://127.0.0.1:{port}"), &path).unwrap();
    let out = run(args(&[
        "scan",
        "--kube",
        "--kubeconfig",
        path.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "cannot reach the Kubernetes API server at http://127.0.0.1:{port}"
        )),
        "{err}"
    );

    // A flag that only means something with --kube is refused without it.
    let out = run(args(&["scan", EXAMPLE, "--context", "prod"])).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// `--kube` with live AWS: the images of the workloads listed from the
/// cluster are asked about in ECR (moto) before the objects are checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workloads_listed_live_are_gated_on_their_ecr_scan_findings() {
    let url = match std::env::var("EKSGUARD_MOTO_URL") {
        Ok(u) if !u.is_empty() => u,
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("EKSGUARD_MOTO_URL is not set in CI")
        }
        _ => {
            eprintln!("skipped: EKSGUARD_MOTO_URL is not set (scripts/test.sh starts moto)");
            return;
        }
    };
    let name = format!("kube-ecr-{}", std::process::id());
    let repo = format!("team/{name}");
    common::moto_ecr_cluster(&url, &name, &repo, &["1.0"], 6);

    let api = ApiServer::start(Duration::from_secs(5)).await.unwrap();
    api.register_all(ResourceType::standard());
    let image = format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/{repo}:1.0");
    api.put(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"namespace": "shop", "name": "cart"},
        "spec": {"selector": {"matchLabels": {"app": "cart"}},
            "template": {"metadata": {"labels": {"app": "cart"}},
                "spec": {"containers": [{"name": "cart", "image": image}]}}}}));
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(&api, dir.path());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_eksguard"))
            .args([
                "scan",
                "--kube",
                "--kubeconfig",
                &kc,
                "--aws",
                "--cluster",
                &name,
                "--region",
                "eu-west-1",
                "--endpoint-url",
                &url,
                "-f",
                "json",
            ])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_PROFILE")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let report = json(&out);
    let vulnerable: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == "IMG-010")
        .collect();
    assert_eq!(vulnerable.len(), 1, "{}", stderr(&out));
    assert_eq!(vulnerable[0]["object"]["name"], "cart");
    assert!(
        vulnerable[0]["message"]
            .as_str()
            .unwrap()
            .contains("CVE-2024-5535"),
        "{}",
        vulnerable[0]
    );
}
