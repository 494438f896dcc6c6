//! End-to-end tests of `eksguard scan` through the real binary.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

#[test]
fn example_cluster_json_lists_findings_with_source_lines_and_exits_1() {
    let out = eksguard(&["scan", "examples/insecure-cluster", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["schema"], "eksguard.report/v2");
    let fs = findings(&report);
    // Every finding is behind exactly one fail result of its control.
    let results = report["results"].as_array().unwrap();
    for f in fs {
        let fp = f["fingerprint"].as_str().unwrap();
        let behind: Vec<_> = results
            .iter()
            .filter(|r| {
                r["findings"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == fp))
            })
            .collect();
        assert_eq!(behind.len(), 1, "{f}");
        assert_eq!(behind[0]["status"], "fail");
        assert_eq!(behind[0]["control"], f["control"]);
    }
    assert!(fs.len() >= 10);
    for f in fs {
        for key in [
            "control",
            "severity",
            "pillar",
            "responsibility",
            "object",
            "path",
            "message",
            "remediation",
        ] {
            assert!(!f[key].is_null(), "finding lacks {key}: {f}");
        }
        for key in ["apiVersion", "kind", "name"] {
            assert!(f["object"][key].is_string(), "object lacks {key}: {f}");
        }
        if f["object"]["arn"].is_null() {
            let loc = &f["location"];
            assert!(
                loc["file"]
                    .as_str()
                    .unwrap()
                    .starts_with("examples/insecure-cluster/")
            );
            assert!(loc["line"].as_u64().unwrap() > 0 && loc["column"].as_u64().unwrap() > 0);
        }
    }
    // A precise location: the hostNetwork line of the node-exporter DaemonSet.
    let host = fs
        .iter()
        .find(|f| f["control"] == "IAM-005")
        .expect("IAM-005 on node-exporter");
    assert_eq!(host["path"], "spec.template.spec.hostNetwork");
    let file =
        std::fs::read_to_string(repo_root().join(host["location"]["file"].as_str().unwrap()))
            .unwrap();
    let line = file
        .lines()
        .nth(host["location"]["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    assert_eq!(line.trim(), "hostNetwork: true");
    let s = &report["summary"];
    assert_eq!(s["findings"].as_u64().unwrap() as usize, fs.len());
    assert_eq!(s["failed"], true);
}

#[test]
fn reports_never_contain_secret_values() {
    for format in [
        "json",
        "sarif",
        "junit",
        "markdown",
        "policyreport",
        "table",
    ] {
        let out = eksguard(&["scan", "examples/insecure-cluster", "--format", format]);
        let text = String::from_utf8_lossy(&out.stdout);
        for secret in [
            "9NNlk3+IyfmnIY5JoTSRE4",
            "q90PCohjp11O1Fam2Sjp",
            "AKIAYDEDIOTF1EZHFNBX",
            "AKIAMOBKJBQ1KKZFFWMB",
        ] {
            assert!(!text.contains(secret), "{format} output leaks {secret}");
        }
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(shared().join("schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("compile SARIF schema");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yaml"), "a: [1, 2\n").unwrap();
    for args in [
        vec!["scan", "examples/insecure-cluster", "--format", "sarif"],
        vec![
            "scan",
            "examples/insecure-cluster",
            dir.path().to_str().unwrap(),
            "--format",
            "sarif",
        ],
    ] {
        let out = eksguard(&args);
        let sarif = json(&out);
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
        let run = &sarif["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(
            rules.iter().any(|r| r["id"] == "IAM-005"
                && r["help"]["markdown"].as_str().unwrap().contains("## Fix"))
        );
        let result = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "IAM-005")
            .unwrap();
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() > 1);
        assert_eq!(
            rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "IAM-005"
        );
        // Framework requirements as rule tags; fingerprints as in JSON.
        let net001 = rules.iter().find(|r| r["id"] == "NET-001").unwrap();
        let tags: Vec<&str> = net001["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"cis-eks-1.8:5.4.2"), "{tags:?}");
        assert!(tags.contains(&"aws-default"), "{tags:?}");
        let fp = result["partialFingerprints"]["eksguard/v2"]
            .as_str()
            .unwrap();
        assert_eq!(fp.len(), 16);
    }
    // The fingerprint of a finding is stable across runs and equals the
    // JSON report's.
    let a = json(&eksguard(&[
        "scan",
        "examples/insecure-cluster",
        "--format",
        "sarif",
    ]));
    let j = json(&eksguard(&[
        "scan",
        "examples/insecure-cluster",
        "--format",
        "json",
    ]));
    let sarif_prints: std::collections::BTreeSet<&str> = a["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"]["eksguard/v2"].as_str().unwrap())
        .collect();
    let json_prints: std::collections::BTreeSet<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(j["suppressed"].as_array().unwrap())
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(sarif_prints, json_prints);
    assert_eq!(
        sarif_prints.len(),
        j["summary"]["findings"].as_u64().unwrap() as usize
    );
}

#[test]
fn malformed_inputs_exit_2_and_keep_other_findings() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("good.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: busybox:1.36}]\n").unwrap();
    std::fs::write(
        p.join("broken.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n",
    )
    .unwrap();
    std::fs::write(p.join("junk.json"), [0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]).unwrap();
    std::fs::write(
        p.join("noname.yaml"),
        "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n",
    )
    .unwrap();
    // Document 2 is fine even though document 1 is not an object.
    std::fs::write(
        p.join("multi.yaml"),
        "just a string\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
    )
    .unwrap();
    let out = eksguard_in(p, &["scan", ".", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    let errors = report["errors"].as_array().unwrap();
    let by_file = |name: &str| {
        errors
            .iter()
            .find(|e| e["input"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no error for {name}: {errors:#?}"))
    };
    let broken = by_file("broken.yaml");
    assert_eq!(broken["level"], "error");
    assert_eq!(broken["line"], 5, "{broken}");
    assert!(
        by_file("junk.json")["message"]
            .as_str()
            .unwrap()
            .contains("binary")
    );
    assert!(
        by_file("noname.yaml")["message"]
            .as_str()
            .unwrap()
            .contains("metadata.name")
    );
    assert_eq!(by_file("multi.yaml")["line"], 1);
    assert!(
        findings(&report).iter().any(|f| f["control"] == "IAM-005"),
        "good.yaml still scanned"
    );
    assert_eq!(report["summary"]["objects"], 2);
    // stderr names each input error for humans and CI logs.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.yaml:5:"), "{stderr}");
}

#[test]
fn alias_bomb_and_huge_file_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            [prev.as_str(); 10].join(", ")
        ));
    }
    std::fs::write(p.join("bomb.yaml"), bomb).unwrap();
    std::fs::write(p.join("big.yaml"), "a: b\n".repeat(2000)).unwrap();
    std::fs::write(
        p.join("ok.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n",
    )
    .unwrap();
    let out = eksguard_in(
        p,
        &["scan", ".", "--format", "json", "--max-file-size", "4096"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    let text = report["errors"].to_string();
    assert!(text.contains("alias bomb"), "{text}");
    assert!(text.contains("4096-byte limit"), "{text}");
    assert_eq!(report["summary"]["objects"], 1);
}

#[test]
fn stdin_lists_and_kubectl_dumps_are_flattened_with_positions() {
    let dump = br#"{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"},
     "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "x"},
     "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "busybox:1.36"}]}}
  ]
}"#;
    let out = eksguard_in(&repo_root(), &["scan", "-", "--format", "json"], Some(dump));
    let report = json(&out);
    assert_eq!(report["summary"]["objects"], 2);
    let f = findings(&report)
        .iter()
        .find(|f| f["control"] == "IAM-005")
        .unwrap();
    assert_eq!(f["object"]["name"], "b");
    assert_eq!(f["location"]["file"], "-");
    assert_eq!(f["location"]["line"], 8);
    // A typed list (PodList) whose items lack apiVersion/kind, as the API returns it.
    let podlist = b"apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: p, namespace: y}\n  spec:\n    hostNetwork: true\n    containers: [{name: c, image: busybox:1.36}]\n";
    let report = json(&eksguard_in(
        &repo_root(),
        &["scan", "-", "--format", "json"],
        Some(podlist),
    ));
    let f = findings(&report)
        .iter()
        .find(|f| f["control"] == "IAM-005")
        .unwrap();
    assert_eq!(f["object"]["kind"], "Pod");
    assert_eq!(f["location"]["line"], 6);
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\nspec:\n  serviceAccountName: app\n  automountServiceAccountToken: false\n  hostNetwork: true\n  containers: [{name: c, image: \"busybox:1.36@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\"}]\n").unwrap();
    let run = |fail_on: &str| {
        eksguard_in(
            dir.path(),
            &["scan", "p.yaml", "--fail-on", fail_on, "-f", "json"],
            None,
        )
        .status
        .code()
    };
    assert_eq!(run("high"), Some(1));
    assert_eq!(run("critical"), Some(0));
}

#[test]
fn config_exceptions_suppress_and_expired_ones_are_findings() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("app.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: ops}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: busybox}]\n").unwrap();
    std::fs::write(
        p.join("eksguard.yaml"),
        "exceptions:\n  - control: IAM-005\n    namespace: ops\n    reason: node agent, approved SEC-12\n    expires: 2026-06-30\n  - control: \"IMG-*\"\n    kind: Pod\n    reason: vendor image\n",
    )
    .unwrap();
    let before = json(&eksguard_in(
        p,
        &["scan", "app.yaml", "-f", "json", "--now", "2026-01-01"],
        None,
    ));
    let suppressed = before["suppressed"].as_array().unwrap();
    assert!(
        suppressed
            .iter()
            .any(|f| f["control"] == "IAM-005" && f["suppressed"]["by"] == "config")
    );
    assert!(!findings(&before).iter().any(|f| f["control"] == "IAM-005"));
    assert_eq!(
        before["summary"]["suppressed"].as_u64().unwrap() as usize,
        suppressed.len()
    );

    let after = json(&eksguard_in(
        p,
        &["scan", "app.yaml", "-f", "json", "--now", "2026-07-01"],
        None,
    ));
    let fs = findings(&after);
    assert!(
        fs.iter().any(|f| f["control"] == "IAM-005"),
        "expired exception no longer hides it"
    );
    let expired = fs
        .iter()
        .find(|f| f["control"] == "CFG-001")
        .expect("CFG-001");
    assert_eq!(expired["location"]["file"], "eksguard.yaml");
    assert_eq!(expired["location"]["line"], 2);
    // The IMG exception has no expiry and still applies.
    assert!(
        !fs.iter()
            .any(|f| f["control"].as_str().unwrap().starts_with("IMG-"))
    );
}

#[test]
fn invalid_config_is_a_usage_error_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("eksguard.yaml"),
        "exceptions:\n  - control: IAM-005\n    reason: \"\"\n    expires: someday\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
    )
    .unwrap();
    let out = eksguard_in(dir.path(), &["scan", "a.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("exceptions[0]") && stderr.contains("someday"),
        "{stderr}"
    );
}

#[test]
fn other_formats_render_the_same_findings() {
    let junit = eksguard(&["scan", "examples/insecure-cluster", "-f", "junit"]);
    let xml = String::from_utf8(junit.stdout).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains(r#"<testsuite name="IAM-005 "#));
    assert!(xml.contains(r#"name="monitoring/node-exporter[DaemonSet]""#));
    // Passing cases are listed too: payments-api pins its image by digest.
    assert!(
        xml.contains(r#"<testcase classname="IMG-001" name="payments/payments-api[Deployment]"/>"#),
        "{xml}"
    );
    let md = String::from_utf8(
        eksguard(&["scan", "examples/insecure-cluster", "-f", "markdown"]).stdout,
    )
    .unwrap();
    assert!(md.starts_with("### ❌ eksguard:"));
    assert!(md.contains("| critical | `IAM-001` |"));
    let pr = json(&eksguard(&[
        "scan",
        "examples/insecure-cluster",
        "-f",
        "policyreport",
    ]));
    let items = pr["items"].as_array().unwrap();
    let shop = items
        .iter()
        .find(|i| i["kind"] == "PolicyReport" && i["metadata"]["namespace"] == "shop")
        .unwrap();
    assert!(shop["summary"]["fail"].as_u64().unwrap() > 0);
    assert!(
        shop["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["source"] == "eksguard")
    );
    assert!(items.iter().any(|i| i["kind"] == "ClusterPolicyReport"));
}

#[test]
fn output_is_deterministic() {
    let a = eksguard(&["scan", "examples/insecure-cluster", "-f", "json"]).stdout;
    let b = eksguard(&["scan", "examples/insecure-cluster", "-f", "json"]).stdout;
    assert_eq!(a, b);
}

/// The corpus holds 15 files PyYAML cannot read. kubectl (go-yaml) reads two
/// of them: a CRD using `=` as a key (YAML 1.1's "value" type is not
/// resolved by go-yaml) and a Role with a tab before a comment (libyaml-style
/// scanners allow it; PyYAML does not). The other 13 must be reported, the
/// rest scanned.
#[test]
fn corpus_malformed_files_are_reported_and_the_rest_scanned() {
    let corpus = shared().join("k8s-corpus");
    let out = eksguard_in(&corpus, &["scan", ".", "-f", "json"], None);
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    let errored: BTreeSet<String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["level"] == "error")
        .map(|e| {
            e["input"]
                .as_str()
                .unwrap()
                .trim_start_matches("./")
                .to_owned()
        })
        .collect();
    let expected: BTreeSet<String> = [
        "netpol-analyzer/tests/document_with_syntax_error/document_with_syntax_error.yaml",
        "netpol-analyzer/tests/acs-security-demos-added-workloads/frontend/webapp/deployment.yaml",
        "netpol-analyzer/tests/acs-security-demos-added-workloads/payments/gateway/deployment.yaml",
        "netpol-analyzer/tests/acs-security-demos-added-workloads/payments/visa-processor-v2/deployment.yaml",
        "netpol-analyzer/tests/malformed-pod-example-5/pod.yaml",
        "netpol-analyzer/tests/onlineboutique_with_pods_severe_error/pods.yaml",
        "netpol-analyzer/tests/dirty/backend.yaml",
        "netpol-analyzer/tests/dirty/frontend.yaml",
        "kubernetes-examples/_archived/newrelic-infrastructure/newrelic-config-template.yaml",
        "kubernetes-examples/_archived/newrelic/newrelic-config-template.yaml",
        "kubernetes-examples/_archived/storage/vitess/etcd-service-template.yaml",
        "kubernetes-examples/_archived/storage/vitess/etcd-controller-template.yaml",
        "kubernetes-examples/_archived/storage/vitess/vtgate-controller-template.yaml",
        // Valid YAML, invalid objects the API server would reject (a boolean
        // env value, a string LUN, a list as containerPort): reported once,
        // with the field path, when Pod Security cannot evaluate them.
        "ingress-nginx/docs/examples/auth/oauth-external-auth/vouch-proxy.yaml",
        "kubernetes-examples/_archived/volumes/fibre_channel/fc.yaml",
        "netpol-analyzer/tests/malformed_pod_example/pod.yaml",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(errored, expected);
    let objects = report["summary"]["objects"].as_u64().unwrap();
    assert!(objects > 5400, "only {objects} objects scanned");
    assert!(report["summary"]["inputs"].as_u64().unwrap() >= 2623);
}

#[test]
fn kustomization_directories_are_rendered_or_explained() {
    let dir = tempfile::tempdir().unwrap();
    let k = dir.path().join("app");
    std::fs::create_dir(&k).unwrap();
    std::fs::write(
        k.join("kustomization.yaml"),
        "resources: [pod.yaml]\nnamespace: rendered\n",
    )
    .unwrap();
    std::fs::write(k.join("pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: busybox:1.36}]\n").unwrap();
    let out = eksguard_in(dir.path(), &["scan", "app", "-f", "json"], None);
    let report = json(&out);
    let have_kubectl = std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok();
    if have_kubectl {
        let f = findings(&report)
            .iter()
            .find(|f| f["control"] == "IAM-005")
            .expect("rendered pod scanned");
        assert_eq!(f["object"]["namespace"], "rendered");
        // The field is as written in pod.yaml: the finding points there.
        assert_eq!(
            f["location"],
            serde_json::json!({"file": "app/pod.yaml", "line": 5, "column": 3})
        );
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .ends_with("(rendered by kustomize:app)")
        );
    } else {
        assert_eq!(out.status.code(), Some(2));
        assert!(
            report["errors"]
                .to_string()
                .contains("kubectl kustomize app | eksguard scan -")
        );
    }
}

#[test]
fn controls_and_explain_are_generated_from_the_code() {
    let out = eksguard(&["controls", "--format", "json"]);
    let list = json(&out);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"IAM-001") && ids.contains(&"IMG-003"));
    let explain = String::from_utf8(eksguard(&["explain", "host-network"]).stdout).unwrap();
    assert!(explain.starts_with("# IAM-005 host-network:"));
    assert!(explain.contains("## Why it matters") && explain.contains("CIS Amazon EKS Benchmark"));
    let missing = eksguard(&["explain", "NOPE-1"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// `--framework cis-eks`: the newest CIS EKS benchmark alone, every
/// requirement once, results with both passes and failures; the example
/// cluster's requirement statuses and score are snapshot-tested.
#[test]
fn example_cluster_cis_eks_framework_and_score() {
    let out = eksguard(&[
        "scan",
        "examples/insecure-cluster",
        "--framework",
        "cis-eks",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let statuses: std::collections::BTreeSet<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains("pass") && statuses.contains("fail"),
        "{statuses:?}"
    );
    let fws = report["frameworks"].as_array().unwrap();
    assert_eq!(fws.len(), 1);
    let cis = &fws[0];
    assert_eq!(cis["id"], "cis-eks-1.8");
    let reqs = cis["requirements"].as_array().unwrap();
    let ids: std::collections::BTreeSet<&str> =
        reqs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), reqs.len(), "each requirement once");
    assert_eq!(reqs.len(), 50);
    // Every result a requirement points at is one of its controls'.
    let results = report["results"].as_array().unwrap();
    for r in reqs {
        for i in r["results"].as_array().unwrap() {
            let res = &results[i.as_u64().unwrap() as usize];
            assert!(
                r["controls"].as_array().unwrap().contains(&res["control"]),
                "{}: {res}",
                r["id"]
            );
        }
    }
    let view: Vec<String> = reqs
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["id"].as_str().unwrap(),
                r["mode"].as_str().unwrap(),
                r["status"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_json_snapshot!(
        "cis_eks_example_cluster",
        serde_json::json!({"score": cis["score"], "counts": cis["counts"], "requirements": view})
    );
    // The table's first screen is the verdict: the posture matrix, then the
    // framework bar, on top.
    let out = eksguard(&[
        "scan",
        "examples/insecure-cluster",
        "--framework",
        "cis-eks",
    ]);
    let table = String::from_utf8_lossy(&out.stdout);
    let first: Vec<&str> = table.lines().take(16).collect();
    assert!(
        first[0].starts_with("Shared-responsibility posture"),
        "{table}"
    );
    assert!(
        first.iter().any(|l| l.starts_with("  cis-eks-1.8 ")),
        "{table}"
    );
    assert!(
        table
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("FAIL: ")
    );
}
