use super::{dotted, target, workloads};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, WORKLOAD_KINDS};
use eksguard_pss::{Evaluator, Level, LevelVersion, Version};

control! {
    /// ## What it checks
    /// Pods and pod templates in namespaces that enforce less than
    /// `restricted` which would not pass the `restricted` standard at the
    /// cluster's version. Workloads in namespaces already enforcing
    /// `restricted` are covered by PSS-002 instead.
    ///
    /// ## Why it matters
    /// `restricted` is the hardened profile: non-root, no privilege
    /// escalation, all capabilities dropped, a seccomp profile. This finding
    /// is the upgrade path: each workload it lists is work to do before the
    /// namespace can enforce `restricted`.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: web
    ///     image: nginx:1.27      # runs as root, keeps default capabilities
    /// ```
    ///
    /// ## Fix
    /// Set `runAsNonRoot: true`, `allowPrivilegeEscalation: false`,
    /// `capabilities.drop: [ALL]` and `seccompProfile.type: RuntimeDefault`,
    /// then label the namespace `pod-security.kubernetes.io/enforce: restricted`.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
    /// - EKS Best Practices Guide, Pod Security: "Restricted profile"
    pub struct WorkloadFailsRestricted {
        id: "PSS-003",
        name: "workload-not-restricted",
        title: "Workload would fail the restricted Pod Security Standard",
        severity: Low,
        pillar: PodSecurity,
        responsibility: Customer,
    }
}

impl Control for WorkloadFailsRestricted {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("", "Namespace")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Workloads
    }

    fn kinds(&self) -> &'static [&'static str] {
        WORKLOAD_KINDS
    }

    /// Cost: O(n) in objects: one evaluation per workload, each namespace's
    /// policy computed once.
    fn check_inventory(&self, inv: &Inventory, ctx: &Context, out: &mut Sink) {
        let evaluator = Evaluator::new(ctx.k8s_minor);
        let restricted = LevelVersion::new(Level::Restricted, Version::Latest);
        for (obj, _, policy) in workloads(inv, ctx) {
            if policy.enforce.level == Level::Restricted {
                continue;
            }
            let Some(t) = target(obj, out) else { continue };
            if ctx
                .config
                .pss
                .exemptions
                .runtime_classes
                .iter()
                .any(|r| Some(r) == t.spec.runtime_class_name.as_ref())
            {
                continue;
            }
            let e = evaluator.evaluate(restricted, &t.metadata, &t.spec);
            if e.allowed {
                continue;
            }
            out.report(
                &Self::META,
                obj,
                dotted(t.spec_path),
                format!("{} would fail restricted: {}", obj.obj_ref().short(), e.forbidden_detail()),
                "Harden the pod spec (runAsNonRoot, allowPrivilegeEscalation: false, drop ALL capabilities, seccompProfile RuntimeDefault) and then enforce restricted on the namespace.",
            );
        }
    }
}
