//! AUD-024: a workload with an image from an unexpected registry.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-024",
    title: "Image from an unexpected registry deployed",
    severity: Severity::Low,
    technique: T_DEPLOY,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Create Disallowed Pod"],
    guardduty: &["Execution:Kubernetes/AnomalousBehavior.WorkloadDeployed"],
    doc: Doc {
        what: concat!(
            "A Pod or workload created with an image that matches none of `allowed_registries` (defaults: Amazon ECR private registries, `public.ecr.aws`, `registry.k8s.io`). Short names such as `nginx` are read as Docker Hub images, as the container runtime does.",
            controller_pods_doc!()
        ),
        why: "Images from unvetted registries bypass scanning and signing; a new source of images is a typical sign of a malicious deployment (miners, tooling).",
        example: "`kubectl run x --image=docker.io/someone/tool`",
        response: "Mirror approved images into ECR, add your registries to `extra_allowed_registries`, and enforce the list at admission.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

/// The image as the runtime resolves it: a first path element without a dot,
/// colon or `localhost` is not a registry, so Docker Hub is implied.
fn normalize(image: &str) -> String {
    let first = image.split('/').next().unwrap_or("");
    let has_registry =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    }
}

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    pod_rule(cx, finding)
}

pub(super) fn finding(cx: &Ctx<'_, '_>, spec: &PodSpec<'_>) -> Option<PodFinding> {
    let bad: Vec<&str> = spec
        .all_containers()
        .filter_map(|c| c.image.as_deref())
        .filter(|i| !cx.cfg.allowed_registries.matches(&normalize(i)))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let bad = bad.join(",");
    Some(PodFinding {
        created: format!("with image(s) outside the allowed registries: {bad}"),
        state: format!("using image(s) outside the allowed registries: {bad}"),
    })
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn docker_hub_names() {
        assert_eq!(normalize("nginx"), "docker.io/library/nginx");
        assert_eq!(normalize("bitnami/redis:7"), "docker.io/bitnami/redis:7");
        assert_eq!(normalize("quay.io/x/y"), "quay.io/x/y");
        assert_eq!(normalize("localhost/x"), "localhost/x");
    }
}
