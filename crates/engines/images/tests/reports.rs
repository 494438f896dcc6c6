//! Reading each scanner's report into the model, matching scans to the
//! images workloads name, and the gate's decisions.

use eksguard_images::{
    FixState, Gate, Ignore, ImageIndex, ScanFormat, VulnSeverity, index::MatchedBy, read_report,
    read_reports,
};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

const MAX: u64 = 64 << 20;
const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
const D3: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

#[test]
fn trivy_report() {
    let s = read_report(&data("data/trivy-nginx.json"), MAX).unwrap();
    assert_eq!(s.format, ScanFormat::Trivy);
    assert_eq!(s.digests, [D1]);
    assert_eq!(s.names, ["docker.io/library/nginx:1.25.3"]);
    // OS and language packages alike; a result without vulnerabilities is fine.
    let ids: Vec<_> = s.vulnerabilities.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CVE-2024-6387",
            "CVE-2023-52425",
            "CVE-2011-3374",
            "CVE-2023-45288"
        ]
    );
    let v = &s.vulnerabilities[0];
    assert_eq!(v.severity, VulnSeverity::Critical);
    assert_eq!(v.fix, FixState::Fixed);
    assert_eq!(v.fixed.as_deref(), Some("1:9.2p1-2+deb12u3"));
    assert_eq!(v.package, "openssh-client");
    assert_eq!(s.vulnerabilities[1].fix, FixState::NotFixed);
    assert_eq!(s.vulnerabilities[1].fixed, None);
}

#[test]
fn grype_report() {
    let s = read_report(&data("data/grype-api.json"), MAX).unwrap();
    assert_eq!(s.format, ScanFormat::Grype);
    assert_eq!(s.digests, [D2]);
    assert_eq!(s.names, ["ghcr.io/acme/api:2.0.1"]);
    let v: Vec<_> = s
        .vulnerabilities
        .iter()
        .map(|v| (v.id.as_str(), v.severity, v.fix, v.fixed.as_deref()))
        .collect();
    assert_eq!(
        v,
        [
            (
                "GHSA-xxxx-yyyy-zzzz",
                VulnSeverity::High,
                FixState::Fixed,
                Some("1.2.3")
            ),
            (
                "CVE-2025-0002",
                VulnSeverity::Critical,
                FixState::NotFixed,
                None
            ),
            (
                "CVE-2025-0003",
                VulnSeverity::Negligible,
                FixState::NotFixed,
                None
            ),
        ]
    );
}

#[test]
fn ecr_basic_report() {
    let s = read_report(&data("data/ecr-basic-ledger.json"), MAX).unwrap();
    assert_eq!(s.format, ScanFormat::EcrBasic);
    assert_eq!(s.digests, [D3]);
    assert_eq!(
        s.ecr,
        Some((
            "123456789012".into(),
            "payments/ledger".into(),
            Some("1.4.2".into())
        ))
    );
    let v = &s.vulnerabilities[0];
    assert_eq!(
        (v.id.as_str(), v.package.as_str(), v.installed.as_str()),
        ("CVE-2024-2961", "glibc", "2.36-9+deb12u4")
    );
    // Basic scanning does not say whether a fix exists.
    assert_eq!(v.fix, FixState::Unknown);
    assert_eq!(s.vulnerabilities[1].severity, VulnSeverity::Negligible);
}

#[test]
fn ecr_enhanced_report_keeps_active_package_findings_only() {
    let s = read_report(&data("data/ecr-enhanced-cart.json"), MAX).unwrap();
    assert_eq!(s.format, ScanFormat::EcrEnhanced);
    let v: Vec<_> = s
        .vulnerabilities
        .iter()
        .map(|v| (v.id.as_str(), v.fix, v.fixed.as_deref()))
        .collect();
    assert_eq!(
        v,
        [
            ("CVE-2024-3094", FixState::Fixed, Some("5.6.1")),
            ("CVE-2024-8888", FixState::NotFixed, None)
        ]
    );
}

#[test]
fn bad_reports_are_errors_naming_the_file_and_position_and_the_rest_is_read() {
    let (scans, errors) = read_reports(&[data("bad"), data("data")], MAX);
    assert_eq!(scans.len(), 4, "every good report is still read");
    let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 4, "{msgs:#?}");
    let find = |f: &str| msgs.iter().find(|m| m.contains(f)).unwrap();
    assert!(find("ecr-in-progress.json").contains("IN_PROGRESS: no result to gate on"));
    assert!(find("trivy-filesystem.json").contains("not a container image"));
    assert!(find("not-a-report.json").contains("not a Trivy"));
    let t = errors
        .iter()
        .find(|e| e.file.ends_with("truncated.json"))
        .unwrap();
    assert_eq!((t.line, t.column > 0), (2, true), "{t}");
    assert!(msgs.iter().any(|m| m.contains("truncated.json:2:")));
}

#[test]
fn oversized_report_is_refused() {
    let e = read_report(&data("data/trivy-nginx.json"), 100).unwrap_err();
    assert!(e.message.contains("over the 100-byte limit"), "{e}");
}

fn index() -> ImageIndex {
    let (scans, errors) = read_reports(&[data("data")], MAX);
    assert!(errors.is_empty(), "{errors:?}");
    ImageIndex::new(scans)
}

#[test]
fn images_match_by_digest_when_pinned_and_by_normalised_tag_otherwise() {
    let ix = index();
    let one = |img: &str| {
        let (s, by) = ix.lookup(img);
        (s.iter().map(|s| s.image.clone()).collect::<Vec<_>>(), by)
    };
    // Docker Hub short names, aliases and explicit library/ are one image.
    for img in [
        "nginx:1.25.3",
        "docker.io/library/nginx:1.25.3",
        "index.docker.io/library/nginx:1.25.3",
    ] {
        assert_eq!(
            one(img),
            (vec!["nginx:1.25.3".into()], MatchedBy::Tag),
            "{img}"
        );
    }
    assert!(one("nginx:1.25.4").0.is_empty());
    assert!(one("nginx").0.is_empty(), "no tag means latest");
    // With a digest the tag is irrelevant, as for the runtime.
    assert_eq!(one(&format!("nginx:whatever@{D1}")).1, MatchedBy::Digest);
    assert_eq!(one(&format!("nginx:whatever@{D1}")).0.len(), 1);
    assert!(
        one(&format!("nginx:1.25.3@{D2}"))
            .0
            .iter()
            .all(|i| i.contains("acme"))
    );
    // ECR reports name no region: any region's host of that account.
    for region in ["eu-west-1", "us-east-1"] {
        let img = format!("123456789012.dkr.ecr.{region}.amazonaws.com/payments/ledger:1.4.2");
        assert_eq!(one(&img).0.len(), 1, "{img}");
    }
    assert!(
        one("210987654321.dkr.ecr.eu-west-1.amazonaws.com/payments/ledger:1.4.2")
            .0
            .is_empty()
    );
    assert!(one("{{ .Values.image }}").0.is_empty());
}

#[test]
fn gate_threshold_unfixed_and_ignores() {
    let ix = index();
    let (scans, _) = ix.lookup("nginx:1.25.3");
    let names = vec!["docker.io/library/nginx:1.25.3".to_string()];
    let ids = |r: &eksguard_images::GateResult| {
        r.blocking.iter().map(|v| v.id.clone()).collect::<Vec<_>>()
    };

    let r = Gate::default().evaluate(&scans, &names, "2026-11-27");
    assert_eq!(ids(&r), ["CVE-2024-6387", "CVE-2023-52425"]);
    assert_eq!(r.counts[VulnSeverity::Low as usize], 1);
    assert!(!r.passed());

    let critical = Gate {
        fail_on: VulnSeverity::Critical,
        ..Gate::default()
    };
    assert_eq!(
        ids(&critical.evaluate(&scans, &names, "2026-11-27")),
        ["CVE-2024-6387"]
    );

    let unfixed = Gate {
        ignore_unfixed: true,
        ..Gate::default()
    };
    let r = unfixed.evaluate(&scans, &names, "2026-11-27");
    assert_eq!((ids(&r), r.unfixed), (vec!["CVE-2024-6387".to_string()], 1));

    let ignoring = |images: Option<&str>, expires: Option<&str>| Gate {
        ignore: vec![
            Ignore::new(
                "cve-2024-6387",
                images,
                "patched sshd not in image",
                expires,
            )
            .unwrap(),
        ],
        ..Gate::default()
    };
    let r = ignoring(None, Some("2026-11-27")).evaluate(&scans, &names, "2026-11-27");
    assert_eq!(
        (ids(&r), r.ignored.len()),
        (vec!["CVE-2023-52425".to_string()], 1)
    );
    // The day after expiry it blocks again, and the expiry is reported.
    let r = ignoring(None, Some("2026-11-27")).evaluate(&scans, &names, "2026-11-28");
    assert_eq!((ids(&r).len(), r.expired.clone()), (2, vec![0]));
    // Scoped to other images: does not apply here.
    let r = ignoring(Some("ghcr.io/acme/*"), None).evaluate(&scans, &names, "2026-11-27");
    assert_eq!(ids(&r).len(), 2);
    let r = ignoring(Some("docker.io/library/nginx"), None).evaluate(&scans, &names, "2026-11-27");
    assert_eq!(ids(&r).len(), 1);

    assert!(Ignore::new("CVE-1", None, " ", None).is_err());
    assert!(Ignore::new("CVE-1", None, "r", Some("soon")).is_err());
    assert!(Ignore::new("CVE-1", Some("[x"), "r", None).is_err());
}

#[test]
fn image_scoped_ignores_apply_to_ecr_reports_gated_alone() {
    let s = read_report(&data("data/ecr-basic-ledger.json"), MAX).unwrap();
    let gate = |glob: &str| Gate {
        ignore: vec![Ignore::new("CVE-2024-2961", Some(glob), "not reachable", None).unwrap()],
        ..Gate::default()
    };
    let names = s.gate_names();
    assert_eq!(
        gate("*/payments/ledger")
            .evaluate(&[&s], &names, "2026-11-27")
            .blocking
            .len(),
        0
    );
    assert_eq!(
        gate("*/payments/other")
            .evaluate(&[&s], &names, "2026-11-27")
            .blocking
            .len(),
        1
    );
}

#[test]
fn ecr_basic_findings_count_even_with_ignore_unfixed() {
    let ix = index();
    let (scans, _) =
        ix.lookup("123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/ledger:1.4.2");
    let gate = Gate {
        ignore_unfixed: true,
        ..Gate::default()
    };
    let r = gate.evaluate(&scans, &[], "2026-11-27");
    assert_eq!(
        r.blocking.len(),
        1,
        "basic scanning's unknown fix state must not hide a finding"
    );
}

#[test]
fn the_same_vulnerability_in_two_reports_counts_once() {
    let s = read_report(&data("data/trivy-nginx.json"), MAX).unwrap();
    let twice = [&s, &s];
    let r = Gate::default().evaluate(&twice, &[], "2026-11-27");
    assert_eq!(r.blocking.len(), 2);
    assert_eq!(r.counts.iter().sum::<usize>(), 4);
}

#[test]
fn every_truncation_and_byte_flip_of_a_report_is_an_error_or_a_scan_never_a_panic() {
    for name in [
        "data/trivy-nginx.json",
        "data/grype-api.json",
        "data/ecr-basic-ledger.json",
        "data/ecr-enhanced-cart.json",
    ] {
        let bytes = std::fs::read(data(name)).unwrap();
        for cut in 0..bytes.len() {
            // A cut report is never read as a smaller, passing one.
            let r = eksguard_images::report::parse_report(name, &bytes[..cut]);
            if let Ok(s) = r {
                panic!(
                    "{name} cut at {cut} read as {} vulnerabilities",
                    s.vulnerabilities.len()
                );
            }
        }
        for i in (0..bytes.len()).step_by(7) {
            let mut b = bytes.clone();
            b[i] = b[i].wrapping_add(0x25);
            let _ = eksguard_images::report::parse_report(name, &b);
        }
    }
}
