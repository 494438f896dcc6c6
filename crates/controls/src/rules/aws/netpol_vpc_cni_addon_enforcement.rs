use super::{aws_ref, cluster, report_aws};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{AwsData, Inventory, JsonPath, Need};

/// The first Amazon VPC CNI release with the network policy agent.
const FIRST_WITH_POLICY: (u64, u64, u64) = (1, 14, 0);

control! {
    /// ## What it checks
    /// The `vpc-cni` EKS add-on of a cluster that is not in EKS Auto Mode:
    /// its `configurationValues` must set `enableNetworkPolicy` to `"true"`,
    /// and its version must be v1.14.0 or later (the first with the network
    /// policy agent). Clusters in Auto Mode configure enforcement on the
    /// NodeClass and the `amazon-vpc-cni` ConfigMap instead (NETPOL-008,
    /// NETPOL-101); a cluster without the managed add-on (a self-managed
    /// CNI) is not judged.
    ///
    /// ## Why it matters
    /// Without the network policy agent, Kubernetes accepts NetworkPolicy
    /// objects and nothing enforces them: every pod can reach every other
    /// pod whatever the policies in Git say, and a review of the manifests
    /// gives false assurance.
    ///
    /// ## Example
    /// ```json
    /// "addonName": "vpc-cni", "addonVersion": "v1.18.3-eksbuild.1", "configurationValues": "{}"
    /// ```
    ///
    /// ## Fix
    /// `aws eks update-addon --cluster-name C --addon-name vpc-cni
    /// --configuration-values '{"enableNetworkPolicy": "true"}'` (upgrading
    /// to v1.14.0 or later first if needed).
    ///
    /// ## References
    /// - EKS User Guide, "Limit Pod traffic with Kubernetes network policies" (enableNetworkPolicy, VPC CNI v1.14.0 or later)
    /// - EKS Best Practices Guide, Network Security: "Network policy"
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.3.2 (all namespaces have NetworkPolicies defined), which presumes enforcement
    pub struct VpcCniAddonEnforcement {
        id: "NETPOL-102",
        name: "vpc-cni-addon-network-policy-off",
        title: "VPC CNI add-on does not enforce NetworkPolicies",
        severity: Medium,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

/// `v1.18.3-eksbuild.1` → (1, 18, 3).
fn version(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.trim_start_matches('v').split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

impl Control for VpcCniAddonEnforcement {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::Cluster), Need::aws(AwsData::Addons)];
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
        if c.compute_config.as_ref().and_then(|x| x.enabled) == Some(true) {
            return;
        }
        let Some(addon) = facts.addons.iter().find(|a| a.addon_name == "vpc-cni") else {
            return;
        };
        let arn = addon
            .addon_arn
            .clone()
            .unwrap_or_else(|| format!("{}/vpc-cni", c.arn.replacen(":cluster/", ":addon/", 1)));
        let object = aws_ref("aws:eks/2017-11-01", "AWS::EKS::Addon", "vpc-cni", &arn);
        let setting = addon.configuration_value("enableNetworkPolicy");
        let v = addon.addon_version.as_deref().unwrap_or("?");
        let (field, message) = if !setting
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
        {
            (
                if addon.configuration_values.is_some() {
                    JsonPath::keys(&["configurationValues"])
                } else {
                    JsonPath::keys(&["addonName"])
                },
                format!(
                    "cluster {}: the vpc-cni add-on ({v}) has enableNetworkPolicy {}: NetworkPolicy objects are accepted and not enforced",
                    c.name,
                    setting.map_or("unset".to_owned(), |s| format!("\"{s}\""))
                ),
            )
        } else if version(v).is_some_and(|x| x < FIRST_WITH_POLICY) {
            (
                JsonPath::keys(&["addonVersion"]),
                format!(
                    "cluster {}: the vpc-cni add-on {v} is older than v1.14.0, the first with the network policy agent: enableNetworkPolicy has no effect",
                    c.name
                ),
            )
        } else {
            return;
        };
        report_aws(
            out,
            &Self::META,
            facts,
            object,
            &addon.source,
            field,
            message,
            format!(
                r#"aws eks update-addon --cluster-name {} --addon-name vpc-cni --configuration-values '{{"enableNetworkPolicy": "true"}}' (on v1.14.0 or later)"#,
                c.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_compare_by_number() {
        assert_eq!(super::version("v1.18.3-eksbuild.1"), Some((1, 18, 3)));
        assert!(super::version("v1.9.0-eksbuild.1").unwrap() < super::FIRST_WITH_POLICY);
        assert!(super::version("v1.14.0-eksbuild.3").unwrap() >= super::FIRST_WITH_POLICY);
    }
}
