use super::{cluster, launch_template, nodegroup_ref, report_aws};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{AwsData, Inventory, JsonPath, Need};

control! {
    /// ## What it checks
    /// The launch template version each managed node group runs (its own
    /// template, read with `ec2 describe-launch-template-versions`):
    /// `MetadataOptions.HttpTokens` must be `required` (IMDSv2 only) unless
    /// the metadata endpoint is disabled. Node groups without a launch
    /// template of their own use the one EKS generates and are not judged.
    ///
    /// ## Why it matters
    /// IMDSv1 answers any plain HTTP GET: a server-side request forgery in
    /// any workload on the node, or a pod that can reach the node's
    /// metadata address, reads the node role's temporary credentials.
    /// IMDSv2's session token (a PUT first) defeats most SSRF.
    ///
    /// ## Example
    /// ```json
    /// "MetadataOptions": {"HttpTokens": "optional", "HttpPutResponseHopLimit": 2}
    /// ```
    ///
    /// ## Fix
    /// Create a launch template version with `HttpTokens: required` (and
    /// `HttpPutResponseHopLimit: 1`, IAM-041), then `aws eks
    /// update-nodegroup-version --launch-template id=…,version=N`.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Restrict access to the instance profile assigned to the worker node"
    /// - Amazon EC2 User Guide, "Use IMDSv2"
    /// - CIS Amazon EKS Benchmark v1.8.0, 5.1 (restrict access to the instance metadata)
    pub struct NodegroupImdsv1 {
        id: "IAM-040",
        name: "nodegroup-imdsv1-allowed",
        title: "Managed node group allows IMDSv1",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for NodegroupImdsv1 {
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
            let meta = lt
                .launch_template_data
                .as_ref()
                .and_then(|d| d.metadata_options.as_ref());
            if meta.and_then(|m| m.http_endpoint.as_deref()) == Some("disabled") {
                continue;
            }
            let tokens = meta.and_then(|m| m.http_tokens.as_deref());
            if tokens == Some("required") {
                continue;
            }
            let field = match tokens {
                Some(_) => JsonPath::keys(&["LaunchTemplateData", "MetadataOptions", "HttpTokens"]),
                None => JsonPath::keys(&["LaunchTemplateData"]),
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
                field,
                format!(
                    "node group {}: launch template {id} version {version} has MetadataOptions.HttpTokens {}: IMDSv1 answers any GET, so an SSRF on the node reads the node role's credentials",
                    ng.nodegroup_name,
                    tokens.map_or("unset (optional)".to_owned(), |t| format!("`{t}`"))
                ),
                format!(
                    "Create a version of {id} with MetadataOptions HttpTokens=required and HttpPutResponseHopLimit=1, then aws eks update-nodegroup-version --cluster-name {} --nodegroup-name {} --launch-template id={id},version=NEW.",
                    c.name, ng.nodegroup_name
                ),
            );
        }
    }
}
