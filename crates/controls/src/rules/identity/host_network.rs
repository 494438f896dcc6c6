use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{Object, WORKLOAD_KINDS};

control! {
    /// ## What it checks
    /// Pods and pod templates with `hostNetwork: true`.
    ///
    /// ## Why it matters
    /// A pod on the host network shares the node's network namespace. On EKS
    /// Auto Mode the instance metadata service (IMDSv2, hop limit 1) is out of
    /// reach of ordinary pods but not of host-network pods: they can fetch the
    /// node IAM role's credentials, and with them everything the node role
    /// may do. They also bypass NetworkPolicy (the VPC CNI agent does not
    /// enforce policies on host-network pods) and can bind node ports.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    /// ```
    ///
    /// ## Fix
    /// Remove `hostNetwork: true`. Expose the workload through a Service; give
    /// it AWS access through EKS Pod Identity or IRSA. Keep host networking
    /// for node agents that truly need it, and suppress with a reason.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Restrict access to the instance profile assigned to the worker node"
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.2.4 (minimize the admission of containers wishing to share the host network namespace)
    /// - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
    pub struct HostNetwork {
        id: "IAM-005",
        name: "host-network",
        title: "Pod uses the host network (reaches IMDS and the node role)",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for HostNetwork {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        WORKLOAD_KINDS
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        let Some(pod) = obj.pod_spec() else { return };
        if pod.bool_field("hostNetwork") == Some(true) {
            out.report(
                &Self::META,
                obj,
                pod.path.clone().key("hostNetwork"),
                format!(
                    "{} runs on the host network: it can reach the node's instance metadata service and the node IAM role, and NetworkPolicies do not apply to it",
                    obj.obj_ref().short()
                ),
                "Remove `hostNetwork: true`; expose the workload through a Service and grant AWS access with EKS Pod Identity or IRSA.",
            );
        }
    }
}
