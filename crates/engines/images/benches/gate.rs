//! Reading scan reports and gating the images workloads run.
//!
//! `cargo bench -p eksguard-images` (`EKSGUARD_BENCH_IMAGES` changes the
//! image count, default 2,000). Generates one Trivy report per image with
//! 50–400 vulnerabilities across OS and language packages (a typical spread
//! for Debian/Alpine bases with an app layer), writes them to a temporary
//! directory, then times: reading every report, building the index, and
//! 20,000 container lookups + gate decisions (digest- and tag-referenced).

use eksguard_images::{Gate, Ignore, ImageIndex, VulnSeverity, parse_reference, read_reports};
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

const SEVERITIES: [&str; 5] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

fn report(i: usize, rng: &mut Rng) -> String {
    let n = 50 + (rng.next() % 350) as usize;
    let mut vulns = Vec::with_capacity(n);
    for v in 0..n {
        let sev = SEVERITIES[(rng.next() % 100) as usize % 5];
        let fixed = if rng.next().is_multiple_of(3) {
            String::new()
        } else {
            format!(r#","FixedVersion":"{v}.{}.1""#, i % 7)
        };
        vulns.push(format!(
            r#"{{"VulnerabilityID":"CVE-20{:02}-{:05}","PkgID":"pkg{v}@1.{v}","PkgName":"pkg{v}","InstalledVersion":"1.{v}.0"{fixed},"Status":"{}","Severity":"{sev}","PrimaryURL":"https://avd.aquasec.com/nvd/cve-{v}","Title":"a generated vulnerability title of typical length for benchmarking","Description":"{}","CVSS":{{"nvd":{{"V3Vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","V3Score":9.8}}}},"References":["https://example.invalid/a","https://example.invalid/b"]}}"#,
            10 + v % 15,
            rng.next() % 100_000,
            if fixed.is_empty() { "affected" } else { "fixed" },
            "x".repeat(200),
        ));
    }
    let (os, lang) = vulns.split_at(n * 2 / 3);
    format!(
        r#"{{"SchemaVersion":2,"ArtifactName":"registry.example.com/team{t}/app{i}:1.{i}","ArtifactType":"container_image","Metadata":{{"RepoTags":["registry.example.com/team{t}/app{i}:1.{i}"],"RepoDigests":["registry.example.com/team{t}/app{i}@sha256:{i:064x}"]}},"Results":[{{"Target":"os","Class":"os-pkgs","Type":"debian","Vulnerabilities":[{}]}},{{"Target":"app","Class":"lang-pkgs","Type":"gobinary","Vulnerabilities":[{}]}}]}}"#,
        os.join(","),
        lang.join(","),
        t = i % 40,
    )
}

fn main() {
    let images: usize = std::env::var("EKSGUARD_BENCH_IMAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let dir = std::env::temp_dir().join(format!("eksguard-images-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut bytes = 0usize;
    for i in 0..images {
        let r = report(i, &mut rng);
        bytes += r.len();
        std::fs::write(dir.join(format!("{i:05}.json")), r).unwrap();
    }

    let t = Instant::now();
    let (scans, errors) = read_reports(std::slice::from_ref(&dir), 1 << 30);
    let read = t.elapsed();
    assert!(errors.is_empty(), "{errors:?}");
    let vulns: usize = scans.iter().map(|s| s.vulnerabilities.len()).sum();

    let t = Instant::now();
    let index = ImageIndex::new(scans);
    let build = t.elapsed();

    let gate = Gate {
        fail_on: VulnSeverity::High,
        ignore_unfixed: true,
        ignore: (0..50)
            .map(|k| {
                Ignore::new(
                    &format!("CVE-2012-{k:05}"),
                    Some("registry.example.com/team1*/*"),
                    "bench",
                    Some("2999-01-01"),
                )
                .unwrap()
            })
            .collect(),
    };
    let lookups = 20_000;
    let t = Instant::now();
    let mut blocked = 0usize;
    for k in 0..lookups {
        let i = k % images;
        let img = if k % 2 == 0 {
            format!("registry.example.com/team{}/app{i}:1.{i}", i % 40)
        } else {
            format!("registry.example.com/team{}/app{i}@sha256:{i:064x}", i % 40)
        };
        let (scans, _) = index.lookup(&img);
        assert!(!scans.is_empty(), "{img}");
        let names = vec![parse_reference(&img).unwrap().name_tag()];
        blocked += usize::from(!gate.evaluate(&scans, &names, "2026-11-27").passed());
    }
    let decide = t.elapsed();
    std::fs::remove_dir_all(&dir).ok();

    println!(
        "read {images} Trivy reports ({:.0} MB, {vulns} vulnerabilities): {:.3} s ({:.0} MB/s, {:.0}k vulnerabilities/s)",
        bytes as f64 / 1e6,
        read.as_secs_f64(),
        bytes as f64 / 1e6 / read.as_secs_f64(),
        vulns as f64 / 1e3 / read.as_secs_f64()
    );
    println!("index: {:.1} ms", build.as_secs_f64() * 1e3);
    println!(
        "{lookups} container lookups + gate decisions: {:.3} s ({:.1} µs each; {blocked} blocked)",
        decide.as_secs_f64(),
        decide.as_secs_f64() * 1e6 / lookups as f64
    );
}
