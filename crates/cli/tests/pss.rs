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
