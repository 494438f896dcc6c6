use super::images;
use crate::util::image;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{Object, WORKLOAD_KINDS};

control! {
    /// ## What it checks
    /// Container images with the tag `latest`, or with no tag at all (which
    /// the runtime reads as `latest`), and no digest. An image pinned by
    /// digest is not reported whatever its tag.
    ///
    /// ## Why it matters
    /// `latest` changes under your feet: a rollout or a node replacement (EKS
    /// Auto Mode replaces nodes at least every 21 days) silently pulls new,
    /// unscanned code, and rollbacks cannot return to the previous version.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - {name: app, image: nginx}
    /// ```
    ///
    /// ## Fix
    /// Use an explicit version tag, ideally with a digest.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Image security: "Use immutable tags with ECR"
    /// - https://kubernetes.io/docs/concepts/configuration/overview/#container-images
    pub struct ImageLatestTag {
        id: "IMG-002",
        name: "image-latest-tag",
        title: "Image uses the latest tag or no tag",
        severity: Medium,
        pillar: Images,
        responsibility: Customer,
    }
}

impl Control for ImageLatestTag {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        WORKLOAD_KINDS
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        for (c, img) in images(obj) {
            let Some(r) = image::parse(img) else { continue };
            if r.digest.is_some() {
                continue;
            }
            let what = match r.tag {
                None => "has no tag (the runtime pulls `latest`)",
                Some("latest") => "uses the `latest` tag",
                Some(_) => continue,
            };
            out.report(
                &Self::META,
                obj,
                c.path.clone().key("image"),
                format!("{} image \"{img}\" {what}", c.describe()),
                "Use an explicit version tag, ideally with a digest.",
            );
        }
    }
}
