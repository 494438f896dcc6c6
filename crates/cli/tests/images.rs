//! `eksguard images gate` and `scan` with image vulnerability reports,
//! through the real binary.

mod common;

use common::*;
use serde_json::Value;

const REPORTS: &str = "examples/insecure-cluster/image-reports";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn gate_blocks_images_at_or_above_the_threshold_and_exits_1() {
    let out = eksguard(&["images", "gate", REPORTS, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["schema"], "eksguard.images-gate/v1");
    let verdicts: Vec<(String, bool)> = doc["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["report"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
                i["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("ecr-ledger.json".to_owned(), false),
            ("ecr-payments-api.json".to_owned(), true),
            ("grype-prometheus.json".to_owned(), true),
            ("trivy-cart.json".to_owned(), false),
        ]
    );
    let cart = &doc["images"][3];
    assert_eq!(cart["blocking"][0]["id"], "CVE-2024-5535");
    assert_eq!(cart["counts"]["critical"], 1);
    assert_eq!(cart["counts"]["medium"], 2);
}

#[test]
fn gate_threshold_and_ignores_come_from_flags_and_config() {
    // Only critical blocks: the ledger's high glibc passes, the cart's critical does not.
    let out = eksguard(&["images", "gate", REPORTS, "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PASS  111122223333.dkr.ecr.*.amazonaws.com/ledger:5.2.0"),
        "{text}"
    );
    assert!(text.contains("CVE-2024-5535"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("eksguard.yaml");
    std::fs::write(
        &config,
        "images:\n  vulnerabilities:\n    fail_on: critical\n    ignore:\n      - id: CVE-2024-5535\n        images: \"*/cart\"\n        reason: \"SSL_select_next_proto is not called by the cart\"\n        expires: 2999-01-01\n",
    )
    .unwrap();
    let out = eksguard(&[
        "images",
        "gate",
        REPORTS,
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ignored   CVE-2024-5535"));

    // The same ignore, expired: blocks again, and says so.
    std::fs::write(
        &config,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("2999-01-01", "2020-01-01"),
    )
    .unwrap();
    let out = eksguard(&[
        "images",
        "gate",
        REPORTS,
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("expired ignore of CVE-2024-5535"));

    // A bad severity in the config is refused with the key named.
    std::fs::write(
        &config,
        "images:\n  vulnerabilities:\n    fail_on: severe\n",
    )
    .unwrap();
    let out = eksguard(&[
        "images",
        "gate",
        REPORTS,
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("images.vulnerabilities.fail_on"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unreadable_reports_are_named_with_their_position_the_rest_is_gated_and_exit_is_2() {
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(repo_root().join(REPORTS)).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.path().join("zz-truncated.json"),
        "{\"SchemaVersion\": 2,\n \"Results\": [",
    )
    .unwrap();
    let out = eksguard(&["images", "gate", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("zz-truncated.json:2:"),
        "{}",
        stderr(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 image(s)"));
}

fn scan_json(args: &[&str]) -> (Option<i32>, Value, String) {
    let out = eksguard(args);
    (out.status.code(), json(&out), stderr(&out))
}

#[test]
fn scan_picks_up_image_reports_under_the_path_and_gates_workloads() {
    let (code, report, err) = scan_json(&["scan", "examples/insecure-cluster", "--format", "json"]);
    assert_eq!(code, Some(1), "{err}");
    let hits = |id: &str| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["control"] == id)
            .map(|f| {
                format!(
                    "{}/{} {}",
                    f["object"]["namespace"].as_str().unwrap_or(""),
                    f["object"]["name"].as_str().unwrap(),
                    f["path"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        hits("IMG-010"),
        [
            "payments/ledger spec.template.spec.containers[0].image",
            "payments/ledger-migrate spec.template.spec.containers[0].image",
            "shop/cart spec.template.spec.containers[0].image",
        ]
    );
    // Digest-pinned payments-api and tag-matched prometheus are scanned and clean.
    let unscanned = hits("IMG-011");
    assert!(
        !unscanned
            .iter()
            .any(|h| h.starts_with("payments/") || h.contains("prometheus")),
        "{unscanned:?}"
    );
    assert!(
        unscanned.iter().any(|h| h.starts_with("shop/web")),
        "{unscanned:?}"
    );
    // Report JSON is not read as manifests.
    assert_eq!(report["summary"]["errors"], 0, "{}", report["errors"]);

    // Without reports, neither control says anything.
    let (_, report, _) = scan_json(&["scan", "examples/insecure-cluster/k8s", "--format", "json"]);
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["control"].as_str().unwrap().starts_with("IMG-01"))
    );
}

#[test]
fn scan_with_a_bad_report_exits_2_and_still_reports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"imageScanStatus\": {\"status\": \"FAILED\", \"description\": \"UnsupportedImageError\"}, \"repositoryName\": \"x\"}").unwrap();
    let (code, report, _) = scan_json(&[
        "scan",
        "examples/insecure-cluster/k8s",
        "--format",
        "json",
        "--image-reports",
        bad.to_str().unwrap(),
        "--image-reports",
        REPORTS,
    ]);
    assert_eq!(code, Some(2));
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["message"]
            .as_str()
            .unwrap()
            .contains("FAILED (UnsupportedImageError): no result to gate on")),
        "{errors:?}"
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["control"] == "IMG-010")
    );
}

#[test]
fn junit_lists_gate_pass_cases_only_when_reports_were_given() {
    let cases = |args: &[&str]| -> (usize, usize) {
        let out = eksguard(args);
        let xml = String::from_utf8_lossy(&out.stdout).into_owned();
        let count = |id: &str| xml.matches(&format!("classname=\"{id}\"")).count();
        (count("IMG-010"), count("IMG-011"))
    };
    // Without reports the gate did not run: one skipped "not applicable"
    // case per control, never a pass per container.
    let (vuln, unscanned) = cases(&["scan", "examples/insecure-cluster/k8s", "--format", "junit"]);
    assert_eq!(
        (vuln, unscanned),
        (1, 1),
        "no reports: the gate was not evaluated"
    );
    let out = eksguard(&["scan", "examples/insecure-cluster/k8s", "--format", "junit"]);
    let xml = String::from_utf8_lossy(&out.stdout).into_owned();
    let at = xml.find("classname=\"IMG-010\"").unwrap();
    assert!(
        xml[at..].starts_with("classname=\"IMG-010\" name=\"(whole scan)\">\n      <skipped message=\"not applicable: no image vulnerability scan reports were given"),
        "{}",
        &xml[at..at + 200]
    );
    let (vuln, unscanned) = cases(&["scan", "examples/insecure-cluster", "--format", "junit"]);
    assert!(vuln > 3 && unscanned > 7, "{vuln} {unscanned}");
}
