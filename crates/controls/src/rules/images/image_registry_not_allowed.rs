use super::images;
use crate::util::image;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{Object, WORKLOAD_KINDS};

control! {
    /// ## What it checks
    /// Container images pulled from a registry that is not in
    /// `images.allowed_registries` of `eksguard.yaml`. An entry without `/`
    /// matches the registry host (`*.dkr.ecr.*.amazonaws.com`); an entry with
    /// `/` matches a repository prefix (`public.ecr.aws/eks-distro`). `*` does
    /// not cross `/`. Images without a registry are on Docker Hub
    /// (`docker.io`). The control is inactive while no allow-list is set.
    ///
    /// ## Why it matters
    /// Images from arbitrary registries skip the scanning, signing and
    /// retention your own registry (e.g. ECR with enhanced scanning) applies,
    /// and public registries have served typosquatted and backdoored images.
    ///
    /// ## Example
    /// ```yaml
    /// # eksguard.yaml
    /// images:
    ///   allowed_registries: ["123456789012.dkr.ecr.*.amazonaws.com"]
    /// # manifest
    /// containers: [{name: app, image: docker.io/someone/app:1.0}]
    /// ```
    ///
    /// ## Fix
    /// Mirror the image into an approved registry (ECR pull-through cache)
    /// and reference it there, or add the registry to the allow-list.
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 5.1.4 (minimize container registries to only those approved)
    /// - EKS Best Practices Guide, Image security: "Use approved registries"
    pub struct ImageRegistryNotAllowed {
        id: "IMG-003",
        name: "image-registry-not-allowed",
        title: "Image from a registry outside the allow-list",
        severity: High,
        pillar: Images,
        responsibility: Customer,
    }
}

impl Control for ImageRegistryNotAllowed {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        WORKLOAD_KINDS
    }

    fn applies(&self, ctx: &Context) -> bool {
        ctx.config.has_registry_allow_list()
    }

    fn not_applicable_reason(&self) -> &'static str {
        "no registry allow-list is configured (images.allowed_registries in eksguard.yaml)"
    }

    fn check_object(&self, obj: &Object, ctx: &Context, out: &mut Sink) {
        if !ctx.config.has_registry_allow_list() {
            return;
        }
        for (c, img) in images(obj) {
            let Some(r) = image::parse(img) else { continue };
            if !ctx.config.registry_allowed(r.registry, &r.full_name()) {
                out.report(
                    &Self::META,
                    obj,
                    c.path.clone().key("image"),
                    format!(
                        "{} image \"{img}\" comes from {}, which is not in images.allowed_registries",
                        c.describe(),
                        r.registry
                    ),
                    "Mirror the image into an approved registry, or add the registry to images.allowed_registries.",
                );
            }
        }
    }
}
