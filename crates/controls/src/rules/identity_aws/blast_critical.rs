use super::{arrow, identity};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::{Inventory, Severity};
use eksguard_iam::WorkloadBlast;

control! {
    /// ## What it checks
    /// Workloads whose AWS blast radius (every role reachable through their
    /// ServiceAccount: IRSA, EKS Pod Identity, or the node role when they
    /// have neither) is administrator-equivalent (`iam:*` on every resource)
    /// or includes a critical privilege-escalation path: passing any role to
    /// a new compute resource (`iam:PassRole` on `*` with
    /// `lambda:CreateFunction` + `lambda:InvokeFunction`, `ec2:RunInstances`,
    /// `cloudformation:CreateStack`, …), rewriting a policy
    /// (`iam:CreatePolicyVersion`, `iam:AttachRolePolicy`,
    /// `iam:PutRolePolicy`), or rewriting a trust
    /// (`iam:UpdateAssumeRolePolicy`). The message gives each path: Pod →
    /// ServiceAccount → IRSA / Pod Identity / node role → Role → Policy →
    /// Statement.
    ///
    /// ## Why it matters
    /// This is the first question of an incident: *if this pod is
    /// compromised, what can the attacker do in AWS?* For these workloads
    /// the answer is "anything": one remote-code-execution bug in the pod
    /// becomes control of the AWS account.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}
    /// ```
    ///
    /// ## Fix
    /// Scope `iam:PassRole` to the role ARNs the workload must pass (with an
    /// `iam:PassedToService` condition), drop IAM write actions from workload
    /// roles, and split deployment power into a pipeline outside the
    /// cluster. `eksguard iam blast-radius --workload NAME` lists every
    /// action and its statement.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Employ least privileged access to AWS resources"
    /// - IAM User Guide, "Grant a user permissions to pass a role to an AWS service" (iam:PassRole)
    /// - Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation"
    pub struct BlastCritical {
        id: "IAM-035",
        name: "workload-aws-critical-escalation",
        title: "Compromising this workload gives admin-equivalent AWS power",
        severity: Critical,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

/// Escalation hits of a workload's assumable roles at `level`, as
/// `rule (summary) [actions] via path` lines, most severe first, and whether
/// a role is admin-equivalent.
pub(crate) fn escalation_summary(wb: &WorkloadBlast, level: Severity) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for r in wb.roles.iter().filter(|r| r.assumable) {
        let a = &r.access;
        if a.admin_equivalent && level == Severity::Critical {
            parts.push(format!(
                "role {} ({}) is admin-equivalent (iam:* on every resource) via {}",
                r.arn,
                r.via.as_str(),
                arrow(&r.path)
            ));
        }
        for h in a.escalation.iter().filter(|h| h.severity == level) {
            let actions: Vec<String> = h
                .grants
                .iter()
                .map(|g| {
                    let on = if g.resources.iter().any(|x| x == "*") {
                        " on *".to_owned()
                    } else {
                        format!(" on {}", g.resources.join(","))
                    };
                    format!("{}{on}", g.action)
                })
                .collect();
            let path = h
                .grants
                .first()
                .map_or_else(|| arrow(&r.path), |g| arrow(&r.full_path(g)));
            parts.push(format!(
                "{} ({}) [{}] via {path}",
                h.rule,
                h.summary,
                actions.join(", ")
            ));
        }
    }
    if parts.is_empty() {
        return None;
    }
    let total = parts.len();
    parts.truncate(3);
    let more = if total > 3 {
        format!("; and {} more (see `eksguard iam blast-radius`)", total - 3)
    } else {
        String::new()
    };
    Some(format!("{}{more}", parts.join("; ")))
}

/// Reports a workload at its `serviceAccountName` (the link to its roles).
pub(crate) fn report_workload(
    inv: &Inventory,
    out: &mut Sink,
    meta: &'static ControlMeta,
    object: usize,
    message: String,
    fix: &str,
) {
    let Some(obj) = inv.objects().get(object) else {
        return;
    };
    let Some(pod) = obj.pod_spec() else { return };
    out.report(
        meta,
        obj,
        pod.path.clone().key("serviceAccountName"),
        message,
        fix,
    );
}

impl Control for BlastCritical {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[
            Need::aws(AwsData::Cluster),
            Need::aws(AwsData::IamRoles),
            Need::aws(AwsData::PodIdentity),
        ];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Workloads
    }

    /// Cost: O(n) in objects: reads the identity view, built once per scan
    /// in O(n) (indexed ServiceAccount and workload lookups) and shared by
    /// the identity controls.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some(id) = identity(inv) else { return };
        for wb in id.blast() {
            let Some(summary) = escalation_summary(wb, Severity::Critical) else {
                continue;
            };
            let Some(w) = id.workload_by_id(&wb.workload) else {
                continue;
            };
            report_workload(
                inv,
                out,
                &Self::META,
                w.object,
                format!(
                    "if {} is compromised, the attacker can gain administrator-level power in the AWS account: {summary}",
                    wb.workload
                ),
                "Remove IAM write and unscoped iam:PassRole from the roles this workload can assume; scope PassRole to named roles with an iam:PassedToService condition.",
            );
        }
    }
}
