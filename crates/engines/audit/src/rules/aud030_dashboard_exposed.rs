//! AUD-030: the Kubernetes or Kubeflow dashboard exposed outside the cluster.

use super::*;
use crate::objects::ServiceBody;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-030",
    title: "Dashboard exposed outside the cluster",
    severity: Severity::High,
    technique: T_EXTERNAL_SERVICES,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &[],
    guardduty: &[
        "Policy:Kubernetes/ExposedDashboard",
        "Policy:Kubernetes/KubeflowDashboardExposed",
    ],
    doc: Doc {
        what: "A Service created or replaced with `type: LoadBalancer` or `NodePort` whose name contains `kubernetes-dashboard`, or that belongs to Kubeflow (namespace `kubeflow`, or a name containing `centraldashboard`).",
        why: "Dashboards are a well-known initial access path: exposed with a privileged service account they hand out cluster control.",
        example: "`kubectl -n kubernetes-dashboard patch svc kubernetes-dashboard -p '{\"spec\":{\"type\":\"LoadBalancer\"}}'` (create/replace with a full body)",
        response: "Make the service ClusterIP and reach the dashboard through `kubectl proxy` or an authenticated ingress.",
        references: &[GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "services" || !matches!(ev.verb(), "create" | "update") || !not_denied(ev) {
        return None;
    }
    let svc: ServiceBody<'_> = serde_json::from_str(ev.request_object?.get()).ok()?;
    let ty = svc.spec.type_.as_deref().unwrap_or("ClusterIP");
    if !matches!(ty, "LoadBalancer" | "NodePort") {
        return None;
    }
    let name = if ev.name().is_empty() {
        svc.metadata.name.as_deref().unwrap_or("")
    } else {
        ev.name()
    };
    let which = if name.contains("kubernetes-dashboard") {
        "Kubernetes dashboard"
    } else if ev.namespace() == "kubeflow" || name.contains("centraldashboard") {
        "Kubeflow dashboard"
    } else {
        return None;
    };
    Some(format!(
        "{which} service {}/{name} exposed as {ty}{}",
        ev.namespace(),
        cx.outcome()
    ))
}
