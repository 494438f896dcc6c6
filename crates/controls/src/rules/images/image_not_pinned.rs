use super::images;
use crate::util::image;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{Object, WORKLOAD_KINDS};

control! {
    /// ## What it checks
    /// Container images referenced without a digest (`@sha256:…`).
    ///
    /// ## Why it matters
    /// A tag is a mutable pointer: whoever can push to the repository can
    /// change what `app:1.4.2` runs, and two nodes can run different code
    /// under the same tag. A digest names exactly the image that was scanned
    /// and approved, so vulnerability scans and signatures stay meaningful.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.4.2
    /// ```
    ///
    /// ## Fix
    /// Reference the image by digest (`app:1.4.2@sha256:…`); let your CD tool
    /// or Renovate resolve tags to digests. With ECR, enable tag immutability.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Image security: "Use immutable tags with ECR"
    /// - https://kubernetes.io/docs/concepts/containers/images/#image-names
    pub struct ImageNotPinned {
        id: "IMG-001",
        name: "image-not-pinned-by-digest",
        title: "Image is not pinned by digest",
        severity: Low,
        pillar: Images,
        responsibility: Customer,
    }
}

impl Control for ImageNotPinned {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        WORKLOAD_KINDS
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        for (c, img) in images(obj) {
            let Some(r) = image::parse(img) else { continue };
            if r.digest.is_none() {
                out.report(
                    &Self::META,
                    obj,
                    c.path.clone().key("image"),
                    format!("{} image \"{img}\" is not pinned by digest", c.describe()),
                    "Reference the image by digest (name:tag@sha256:…).",
                );
            }
        }
    }
}
