use super::{SYSTEM_NAMESPACES, namespace_policy};
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};
use eksguard_pss::Level;

control! {
    /// ## What it checks
    /// Namespaces whose effective Pod Security `enforce` level is
    /// `privileged`: no `pod-security.kubernetes.io/enforce` label (and no
    /// stricter default in `pss.defaults` of `eksguard.yaml`, mirroring the
    /// API server's admission configuration), or the label set to
    /// `privileged`. `kube-system` and namespaces exempted in
    /// `pss.exemptions.namespaces` are not reported.
    ///
    /// ## Why it matters
    /// EKS ships PodSecurity admission with `privileged` as the default:
    /// without a label, anyone who can create a pod in the namespace can run
    /// it privileged, on the host network or with the node's filesystem
    /// mounted, which is a direct path to the node role and other tenants.
    /// Enforcing at least `baseline` blocks those known escalations.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop        # no pod-security.kubernetes.io/enforce label
    /// ```
    ///
    /// ## Fix
    /// Label the namespace `pod-security.kubernetes.io/enforce: baseline` (or
    /// `restricted`), after checking with `eksguard pss check` that its
    /// workloads comply.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Pod Security: "Pod Security Standards (PSS) and Pod Security Admission (PSA)"
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.2 (Pod Security Standards)
    /// - https://kubernetes.io/docs/concepts/security/pod-security-admission/
    pub struct NamespaceEnforceMissing {
        id: "PSS-001",
        name: "namespace-pss-not-enforced",
        title: "Namespace does not enforce a Pod Security Standard",
        severity: Medium,
        pillar: PodSecurity,
        responsibility: Customer,
    }
}

const LABEL: &str = "pod-security.kubernetes.io/enforce";

impl Control for NamespaceEnforceMissing {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["Namespace"]
    }

    fn check_object(&self, obj: &Object, ctx: &Context, out: &mut Sink) {
        if !obj.is("", "Namespace")
            || SYSTEM_NAMESPACES.contains(&obj.name.as_str())
            || ctx.config.pss.exemptions.namespaces.contains(&obj.name)
        {
            return;
        }
        let (policy, _) = namespace_policy(Some(obj), ctx.config);
        if policy.enforce.level != Level::Privileged {
            return;
        }
        let message = match obj.label(LABEL) {
            Some(_) => format!(
                "namespace {} enforces the privileged Pod Security level",
                obj.name
            ),
            None => format!(
                "namespace {} has no {LABEL} label: pods are admitted at the privileged level",
                obj.name
            ),
        };
        out.report(
            &Self::META,
            obj,
            JsonPath::keys(&["metadata", "labels"]).key(LABEL),
            message,
            "Label the namespace pod-security.kubernetes.io/enforce: baseline (or restricted) once `eksguard pss check` shows its workloads comply.",
        );
    }
}
