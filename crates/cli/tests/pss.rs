//! `eksguard pss check` against the upstream Pod Security fixtures: every
//! pass/fail expectation and the upstream message text, through the binary.

mod common;

use common::*;
use std::collections::HashMap;

#[test]
fn pss_check_matches_upstream_on_every_fixture() {
    let root = shared().join("conformance/pss");
    let index = std::fs::read_to_string(root.join("index.tsv")).unwrap();
    // file -> (expect, expected substring)
    let mut expected: HashMap<String, (String, String)> = HashMap::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        expected.insert(cols[3].to_owned(), (cols[2].to_owned(), cols[5].to_owned()));
    }
    let mut checked = 0;
    for level in ["baseline", "restricted"] {
        for entry in std::fs::read_dir(root.join(level)).unwrap() {
            let dir = entry.unwrap().path();
            let version = dir.file_name().unwrap().to_str().unwrap().to_owned();
            let out = eksguard_in(
                &root,
                &[
                    "pss",
                    "check",
                    "--level",
                    level,
                    "--version",
                    &version,
                    "-f",
                    "json",
                    &format!("{level}/{version}"),
                ],
                None,
            );
            assert!(
                out.status.code() == Some(0) || out.status.code() == Some(1),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            for line in String::from_utf8(out.stdout).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let file = v["file"].as_str().unwrap();
                let (expect, substring) = &expected[file];
                let allowed = v["allowed"].as_bool().unwrap();
                assert_eq!(allowed, expect == "allow", "{file}");
                assert_eq!(v["level"], level);
                assert_eq!(v["version"], version.as_str());
                if !allowed {
                    let message = v["message"].as_str().unwrap();
                    let prefix = format!("violates PodSecurity \"{level}:{version}\": ");
                    assert!(message.starts_with(&prefix), "{file}: {message}");
                    assert!(
                        message.contains(substring.as_str()),
                        "{file}: `{message}` lacks `{substring}`"
                    );
                    assert_eq!(v["outcome"], "deny");
                    assert!(!v["forbidden"].as_array().unwrap().is_empty());
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, expected.len(), "every fixture evaluated once");
}

#[test]
fn pss_check_uses_namespace_enforce_labels_and_warns_for_controllers() {
    let out = eksguard(&["pss", "check", "examples/insecure-cluster", "-f", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let job = lines
        .iter()
        .find(|l| l["name"] == "ledger-migrate")
        .unwrap();
    assert_eq!(job["level"], "restricted");
    assert_eq!(job["version"], "v1.29");
    assert_eq!(job["allowed"], false);
    assert_eq!(job["outcome"], "warn");
    assert!(
        job["message"]
            .as_str()
            .unwrap()
            .starts_with("violates PodSecurity \"restricted:v1.29\": ")
    );
    let web = lines
        .iter()
        .find(|l| l["name"] == "web" && l["kind"] == "Deployment")
        .unwrap();
    assert_eq!(web["level"], "baseline");
    assert_eq!(web["allowed"], true);
}

#[test]
fn pss_check_reports_objects_it_cannot_read() {
    let pod = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      runAsUser: \"root\"\n";
    let out = eksguard_in(
        &repo_root(),
        &["pss", "check", "--level", "restricted", "-"],
        Some(pod),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("spec.containers[0].securityContext.runAsUser"),
        "{stderr}"
    );
}

/// Upstream's `check_hostNamespaces.go` lists the host namespaces in a fixed order,
/// `hostNetwork`, `hostPID`, `hostIPC` (appended to a slice, not a sorted set); the
/// message is the admission text verbatim.
#[test]
fn pss_check_lists_host_namespaces_in_upstream_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ops.yaml"),
        "\
apiVersion: v1
kind: Namespace
metadata:
  name: ops
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.30
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      hostPID: true
      hostIPC: true
      containers:
        - {name: agent, image: agent}
",
    )
    .unwrap();
    let out = eksguard_in(dir.path(), &["pss", "check", "ops.yaml"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "ops.yaml:9: ops/agent[DaemonSet]: admitted with a warning, its pods denied: \
         violates PodSecurity \"baseline:v1.30\": host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)\n"
    );

    let pod = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ops}\nspec:\n  hostIPC: true\n  hostNetwork: true\n  containers:\n  - {name: c, image: x}\n";
    let out = eksguard_in(
        &repo_root(),
        &[
            "pss",
            "check",
            "--level",
            "restricted",
            "--version",
            "v1.30",
            "-f",
            "json",
            "-",
        ],
        Some(pod),
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["forbidden"][0]["check"], "hostNamespaces");
    assert_eq!(
        v["forbidden"][0]["detail"],
        "hostNetwork=true, hostIPC=true"
    );
    assert_eq!(
        v["message"],
        "violates PodSecurity \"restricted:v1.30\": \
         host namespaces (hostNetwork=true, hostIPC=true), \
         allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), \
         unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), \
         runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), \
         seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
    );
}
