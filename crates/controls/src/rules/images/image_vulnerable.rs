use super::images;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{Object, WORKLOAD_KINDS};
use eksguard_images::index::MatchedBy;
use eksguard_images::{GateResult, VulnSeverity, parse_reference};

control! {
    /// ## What it checks
    /// Containers whose image has known vulnerabilities at or above the
    /// gate's severity (`images.vulnerabilities.fail_on`, default `high`),
    /// according to the scan reports given with `--image-reports` (Trivy,
    /// Grype, or Amazon ECR basic/enhanced scanning). Vulnerabilities with
    /// no fix can be skipped (`ignore_unfixed`) and accepted ones ignored
    /// with a reason and an expiry date. Without reports it does nothing.
    ///
    /// ## Why it matters
    /// EKS Auto Mode patches the nodes and the control plane; it does not
    /// patch your images. An image with a known critical vulnerability is
    /// the most direct way into a workload, and from there to its IAM role.
    /// Blocking such images before they run (CI, admission) is the
    /// customer's half of patching.
    ///
    /// ## Example
    /// ```yaml
    /// # trivy image -f json -o reports/nginx.json nginx:1.25.3
    /// # eksguard scan k8s/ --image-reports reports/
    /// containers:
    ///   - name: web
    ///     image: nginx:1.25.3   # CVE-2024-6387 (critical, openssh-client)
    /// ```
    ///
    /// ## Fix
    /// Rebuild on a patched base image or bump the vulnerable package to
    /// the fixed version the finding names, then rescan. If the
    /// vulnerability cannot be exploited in this image, record that in
    /// `images.vulnerabilities.ignore` with a reason and an expiry date.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Image security: "Scan images for vulnerabilities regularly"
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
    /// - https://trivy.dev/latest/docs/configuration/filtering/
    pub struct ImageVulnerable {
        id: "IMG-010",
        name: "image-known-vulnerabilities",
        title: "Image has known vulnerabilities at or above the gate",
        severity: High,
        pillar: PatchingVulnerabilities,
        responsibility: Customer,
    }
}

impl Control for ImageVulnerable {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        WORKLOAD_KINDS
    }

    fn applies(&self, ctx: &Context) -> bool {
        ctx.images.is_some()
    }

    fn not_applicable_reason(&self) -> &'static str {
        "no image vulnerability scan reports were given (--image-reports, or image-reports/ under the scanned paths)"
    }

    fn check_object(&self, obj: &Object, ctx: &Context, out: &mut Sink) {
        let Some(index) = ctx.images else { return };
        let gate = ctx.config.vulnerability_gate();
        let today = ctx.today.to_string();
        for (c, img) in images(obj) {
            let (scans, by) = index.lookup(img);
            if scans.is_empty() {
                continue; // IMG-011's business
            }
            let names: Vec<String> = parse_reference(img)
                .map(|r| vec![r.name_tag()])
                .unwrap_or_default();
            let r = gate.evaluate(&scans, &names, &today);
            if r.passed() {
                continue;
            }
            let files: Vec<&str> = scans.iter().map(|s| s.file.as_str()).collect();
            out.report(
                &Self::META,
                obj,
                c.path.clone().key("image"),
                message(&c.describe(), img, gate.fail_on, &r, &files, by),
                remediation(&r, gate, by),
            );
        }
    }
}

/// At most this many vulnerabilities are named in a message; the count
/// covers the rest (reports name them all).
const LISTED: usize = 5;

fn message(
    container: &str,
    img: &str,
    fail_on: VulnSeverity,
    r: &GateResult,
    files: &[&str],
    by: MatchedBy,
) -> String {
    let mut by_sev: Vec<String> = Vec::new();
    for s in VulnSeverity::ALL {
        let n = r.blocking.iter().filter(|v| v.severity == s).count();
        if n > 0 {
            by_sev.push(format!("{n} {s}"));
        }
    }
    let listed: Vec<String> = r
        .blocking
        .iter()
        .take(LISTED)
        .map(|v| {
            let fix = v.fix_summary();
            format!(
                "{} ({}, {} {}, {fix})",
                v.id, v.severity, v.package, v.installed
            )
        })
        .collect();
    let more = r.blocking.len().saturating_sub(LISTED);
    format!(
        "{container} image \"{img}\" has {} vulnerabilit{} at or above {fail_on} ({}): {}{} — per {}{}",
        r.blocking.len(),
        if r.blocking.len() == 1 { "y" } else { "ies" },
        by_sev.join(", "),
        listed.join("; "),
        if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        },
        files.join(", "),
        match by {
            MatchedBy::Digest => "",
            MatchedBy::Tag => ", matched by tag",
        },
    )
}

fn remediation(r: &GateResult, gate: &eksguard_images::Gate, by: MatchedBy) -> String {
    let mut s = String::from(
        "Rebuild the image on a patched base or upgrade the listed packages to their fixed versions, then rescan; accept a vulnerability only through images.vulnerabilities.ignore with a reason and expiry.",
    );
    for &i in &r.expired {
        let ig = &gate.ignore[i];
        s.push_str(&format!(
            " The ignore of {} (\"{}\") expired on {}.",
            ig.id,
            ig.reason,
            ig.expires.as_deref().unwrap_or("?")
        ));
    }
    if by == MatchedBy::Tag {
        s.push_str(" Pin the image by digest so the scan result is of the image that runs.");
    }
    s
}
