use super::images;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{Object, WORKLOAD_KINDS};

control! {
    /// ## What it checks
    /// When vulnerability scan reports are given (`--image-reports`),
    /// containers whose image none of them describes (matched by digest
    /// when the image is pinned, otherwise by registry/repository:tag).
    /// Without reports it does nothing.
    ///
    /// ## Why it matters
    /// A gate that lets unscanned images through gates nothing: the image
    /// nobody scanned is the one most likely to carry old packages. The
    /// vulnerability gate (IMG-010) can only speak for images it has a
    /// result for; this control names the others.
    ///
    /// ## Example
    /// ```yaml
    /// # reports/ holds scans of app:1.4.2 only
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///   - name: proxy
    ///     image: registry.example.com/proxy:0.9   # no scan result
    /// ```
    ///
    /// ## Fix
    /// Scan the image in the pipeline that builds or promotes it
    /// (`trivy image -f json`, `grype -o json`, or ECR scan on push with
    /// `aws ecr describe-image-scan-findings`) and pass the report with
    /// the others.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Image security: "Scan images for vulnerabilities regularly"
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
    pub struct ImageNotScanned {
        id: "IMG-011",
        name: "image-not-scanned",
        title: "Image has no vulnerability scan result",
        severity: Medium,
        pillar: PatchingVulnerabilities,
        responsibility: Customer,
    }
}

impl Control for ImageNotScanned {
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
        for (c, img) in images(obj) {
            if index.lookup(img).0.is_empty() {
                let how = if img.contains('@') {
                    "its digest"
                } else {
                    "its registry/repository:tag"
                };
                out.report(
                    &Self::META,
                    obj,
                    c.path.clone().key("image"),
                    format!(
                        "{} image \"{img}\" has no vulnerability scan result: none of the {} reports given describes {how}",
                        c.describe(),
                        index.scans().len()
                    ),
                    "Scan the image (trivy image -f json, grype -o json, or ECR scan on push) and pass the report with --image-reports.",
                );
            }
        }
    }
}
