use super::blast_critical::{escalation_summary, report_workload};
use super::identity;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::{Inventory, Severity};

control! {
    /// ## What it checks
    /// Workloads whose AWS blast radius (every role reachable through their
    /// ServiceAccount: IRSA, EKS Pod Identity, or the node role when they
    /// have neither) includes a privilege-escalation path short of the
    /// critical ones of IAM-035: `iam:PassRole` on `*` (any role to any
    /// service), `sts:AssumeRole` on `*`, `iam:SetDefaultPolicyVersion`,
    /// `lambda:UpdateFunctionCode`, `ssm:SendCommand` /
    /// `ssm:StartSession` on every instance, and the like. Workloads that
    /// IAM-035 reports are not reported again here. The message gives each
    /// path: Pod → ServiceAccount → IRSA / Pod Identity / node role → Role →
    /// Policy → Statement.
    ///
    /// ## Why it matters
    /// Each of these lets an attacker in the pod act as another, usually
    /// more powerful, principal: pass an admin role to a service, run
    /// commands on other instances with their roles, replace the code of a
    /// function that runs with another role. The workload's own permissions
    /// are then a lower bound on the damage, not the limit.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    /// ```
    ///
    /// ## Fix
    /// Scope the action to the resources the workload must use (named role
    /// ARNs with `iam:PassedToService`, tagged instances, named functions).
    /// `eksguard iam blast-radius --workload NAME` shows every path.
    ///
    /// ## References
    /// - IAM User Guide, "Grant a user permissions to pass a role to an AWS service" (iam:PassRole)
    /// - EKS Best Practices Guide, Identity and Access Management: "Employ least privileged access to AWS resources"
    /// - Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation"
    pub struct BlastEscalation {
        id: "IAM-036",
        name: "workload-aws-escalation",
        title: "Compromising this workload allows AWS privilege escalation",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for BlastEscalation {
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
            if escalation_summary(wb, Severity::Critical).is_some() {
                continue;
            }
            let hits: Vec<String> = [Severity::High, Severity::Medium, Severity::Low]
                .into_iter()
                .filter_map(|s| escalation_summary(wb, s))
                .collect();
            if hits.is_empty() {
                continue;
            }
            let Some(w) = id.workload_by_id(&wb.workload) else {
                continue;
            };
            report_workload(
                inv,
                out,
                &Self::META,
                w.object,
                format!(
                    "if {} is compromised, the attacker can escalate privileges in AWS: {}",
                    wb.workload,
                    hits.join("; ")
                ),
                "Scope the escalation actions to named resources (iam:PassRole to specific role ARNs with iam:PassedToService) or remove them from the roles this workload can assume.",
            );
        }
    }
}
