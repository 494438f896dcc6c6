use super::{cluster, launch_template, nodegroup_ref, report_aws};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{AwsData, Inventory, JsonPath, Need};

control! {
    /// ## What it checks
    /// The launch template version each managed node group runs (its own
    /// template): `MetadataOptions.HttpPutResponseHopLimit` above 1 while
    /// the metadata endpoint is enabled. Node groups without a launch
    /// template of their own use the one EKS generates and are not judged.
    ///
    /// ## Why it matters
    /// A pod's traffic to the node's metadata address crosses one more
    /// network hop than the node's own. With a hop limit of 2 or more, every
    /// pod that is not on the host network gets an IMDSv2 token and, with
    /// it, the node role's credentials: every pod then has the node's AWS
    /// permissions, whatever its own IRSA or Pod Identity role says.
    ///
    /// ## Example
    /// ```json
    /// "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2}
    /// ```
    ///
    /// ## Fix
    /// Create a launch template version with `HttpPutResponseHopLimit: 1`
    /// and update the node group to it; give pods their own credentials with
    /// IRSA or EKS Pod Identity.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Restrict access to the instance profile assigned to the worker node" (hop limit 1)
    /// - Amazon EC2 User Guide, "Configure the instance metadata options" (PUT response hop limit)
    pub struct NodegroupImdsHopLimit {
        id: "IAM-041",
        name: "nodegroup-imds-reachable-from-pods",
        title: "Managed node group lets pods reach the instance metadata (hop limit > 1)",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for NodegroupImdsHopLimit {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[
            Need::aws(AwsData::Cluster),
            Need::aws(AwsData::NodeGroups),
            Need::aws(AwsData::LaunchTemplates),
        ];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    /// Cost: O(1) in objects: reads the AWS facts (inventory lookups are
    /// O(1)).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some((facts, c)) = cluster(inv) else {
            return;
        };
        for ng in &facts.nodegroups {
            let Some(lt) = launch_template(facts, ng) else {
                continue;
            };
            let Some(meta) = lt
                .launch_template_data
                .as_ref()
                .and_then(|d| d.metadata_options.as_ref())
            else {
                continue;
            };
            if meta.http_endpoint.as_deref() == Some("disabled") {
                continue;
            }
            let Some(hops) = meta.http_put_response_hop_limit.filter(|h| *h > 1) else {
                continue;
            };
            let id = lt
                .launch_template_id
                .as_deref()
                .or(lt.launch_template_name.as_deref())
                .unwrap_or("?");
            let version = lt.version_number.map_or("?".to_owned(), |v| v.to_string());
            report_aws(
                out,
                &Self::META,
                facts,
                nodegroup_ref(ng, c),
                &lt.source,
                JsonPath::keys(&[
                    "LaunchTemplateData",
                    "MetadataOptions",
                    "HttpPutResponseHopLimit",
                ]),
                format!(
                    "node group {}: launch template {id} version {version} has HttpPutResponseHopLimit {hops}: pods reach the instance metadata, and with it the credentials of node role {}",
                    ng.nodegroup_name,
                    ng.node_role.as_deref().unwrap_or("?")
                ),
                format!(
                    "Create a version of {id} with HttpPutResponseHopLimit=1 and update node group {} to it; give pods their own roles with IRSA or EKS Pod Identity.",
                    ng.nodegroup_name
                ),
            );
        }
    }
}
