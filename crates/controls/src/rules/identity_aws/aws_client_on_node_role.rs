use super::identity;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};
use eksguard_iam::{AWS_SDK_ENV, aws_client_reason};
use serde_json::Value;

control! {
    /// ## What it checks
    /// Workloads that look like AWS API clients (a container sets an AWS SDK
    /// environment variable such as `AWS_REGION`, or runs a well-known AWS
    /// tool image such as `amazon/aws-cli`) whose ServiceAccount has neither
    /// an IRSA annotation nor an EKS Pod Identity association. Only checked
    /// when the scan has the AWS side (to see the associations).
    ///
    /// ## Why it matters
    /// With no role of its own, the SDK's credential chain ends at the
    /// instance metadata service: the workload runs as the node role where
    /// IMDS is reachable (host-network pods; nodes whose IMDS hop limit
    /// allows containers), or fails. Either someone widens the node role
    /// until it works, which every other pod then shares, or the workload
    /// carries static keys. Neither is least privilege.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: ledger
    ///     env:
    ///       - {name: AWS_REGION, value: eu-west-1}
    /// # serviceAccountName has no eks.amazonaws.com/role-arn and no Pod Identity association
    /// ```
    ///
    /// ## Fix
    /// Create a role with just what the workload needs and bind it to the
    /// workload's own ServiceAccount with EKS Pod Identity (or IRSA).
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Use IRSA or EKS Pod Identity" and "Restrict access to the instance profile assigned to the worker node"
    /// - AWS SDKs and Tools Reference Guide, "Understand the credential provider chain" and "Environment variables"
    /// - EKS User Guide, "Learn how EKS Pod Identity grants pods access to AWS services"
    pub struct AwsClientOnNodeRole {
        id: "IAM-034",
        name: "aws-client-without-pod-role",
        title: "Workload calls AWS without IRSA or Pod Identity (uses the node role)",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for AwsClientOnNodeRole {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::PodIdentity)];
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
        for w in &id.workloads {
            let (ns, sa) = (&w.workload.namespace, &w.workload.service_account);
            if id.has_binding(ns, sa) {
                continue;
            }
            let Some(obj) = inv.objects().get(w.object) else {
                continue;
            };
            let Some(pod) = obj.pod_spec() else { continue };
            let hit = pod.containers().find_map(|c| {
                let env = c.value.get("env").and_then(Value::as_array);
                let names: Vec<&str> = env
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.get("name").and_then(Value::as_str))
                    .collect();
                let image = c.value.get("image").and_then(Value::as_str).unwrap_or("");
                let reason = aws_client_reason(&names, image)?;
                let path: JsonPath = match names.iter().position(|n| AWS_SDK_ENV.contains(n)) {
                    Some(k) => c.path.clone().key("env").index(k).key("name"),
                    None => c.path.clone().key("image"),
                };
                Some((c.describe(), reason, path))
            });
            let Some((container, reason, path)) = hit else {
                continue;
            };
            let node = id.node_role.as_deref().map_or_else(
                || "the node role".to_owned(),
                |n| format!("the node role {n}"),
            );
            out.report(
                &Self::META,
                obj,
                path,
                format!(
                    "{}: {container} {reason}, but ServiceAccount {ns}/{sa} has no IRSA role and no Pod Identity association; its AWS calls can only use {node} (through IMDS) or static keys",
                    w.workload.id()
                ),
                "Give the workload its own least-privilege role with an EKS Pod Identity association (or an IRSA annotation) on its ServiceAccount.",
            );
        }
    }
}
