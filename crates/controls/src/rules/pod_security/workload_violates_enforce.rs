use super::{dotted, exemptions, target, workloads};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, WORKLOAD_KINDS};
use eksguard_pss::{Evaluator, Level, Request, TargetKind};

control! {
    /// ## What it checks
    /// Pods and pod templates that violate the Pod Security level their
    /// namespace enforces, evaluated exactly as the cluster's PodSecurity
    /// admission does (same checks, versions, defaults and exemptions; the
    /// message is upstream's, word for word). The namespace must be in the
    /// scanned input (or `pss.defaults` in `eksguard.yaml` must give the
    /// enforce level). A bare Pod would be denied; for a controller
    /// (Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet,
    /// ReplicationController, PodTemplate) the API server admits the object
    /// with a warning and then rejects every pod it tries to create.
    ///
    /// ## Why it matters
    /// A workload that breaks its namespace's standard will not run: its
    /// rollout stalls with `FailedCreate` events. Catching it before deploy
    /// avoids an outage, and the message says exactly which field to change.
    ///
    /// ## Example
    /// ```yaml
    /// # namespace payments: pod-security.kubernetes.io/enforce: restricted
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: app:1.0        # no securityContext
    /// ```
    ///
    /// ## Fix
    /// Change the pod spec as the message says (e.g. set
    /// `securityContext.allowPrivilegeEscalation: false`, drop `ALL`
    /// capabilities, `runAsNonRoot: true`, `seccompProfile.type:
    /// RuntimeDefault`), or move the workload to a namespace whose level it
    /// is meant for.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/security/pod-security-standards/
    /// - https://kubernetes.io/docs/concepts/security/pod-security-admission/
    /// - EKS Best Practices Guide, Pod Security
    pub struct WorkloadViolatesEnforce {
        id: "PSS-002",
        name: "workload-violates-namespace-pss",
        title: "Workload violates its namespace's enforced Pod Security level",
        severity: High,
        pillar: PodSecurity,
        responsibility: Customer,
    }
}

impl Control for WorkloadViolatesEnforce {
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
        let exemptions = exemptions(ctx.config);
        for (obj, ns, policy) in workloads(inv, ctx) {
            if policy.enforce.level == Level::Privileged {
                continue;
            }
            let Some(t) = target(obj, out) else { continue };
            let request = Request {
                namespace: ns,
                username: None,
                kind: TargetKind::Pod,
            };
            // Evaluate the enforce level as if for a pod: that is what the
            // controller's pods will meet.
            let d = eksguard_pss::decide(
                &evaluator,
                &policy,
                &[],
                &exemptions,
                &request,
                &t.metadata,
                &t.spec,
            );
            let Some(deny) = d.deny else { continue };
            let upstream = deny.evaluation.message(&deny.level_version);
            let message = match t.kind {
                TargetKind::Pod => format!("{} would be denied: {upstream}", obj.obj_ref().short()),
                TargetKind::Controller => format!(
                    "{} is admitted with a warning but every pod it creates would be denied: {upstream}",
                    obj.obj_ref().short()
                ),
            };
            out.report(
                &Self::META,
                obj,
                dotted(t.spec_path),
                message,
                format!(
                    "Change the pod spec so it meets {} (see each check's detail), or run it in a namespace meant for that level.",
                    deny.level_version
                ),
            );
        }
    }
}
