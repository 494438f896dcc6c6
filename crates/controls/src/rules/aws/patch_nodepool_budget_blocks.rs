use super::patch_nodepool_expire_after::is_auto_mode_pool;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};
use serde_json::Value;

control! {
    /// ## What it checks
    /// Disruption budgets of EKS Auto Mode `NodePool`s
    /// (`spec.disruption.budgets[]`) that allow zero nodes (`nodes: "0"` or
    /// `"0%"`) at all times (no `schedule`) for drift: the budget lists no
    /// `reasons` (so it covers all of them) or lists `Drifted`.
    ///
    /// ## Why it matters
    /// When AWS publishes a patched node AMI, Auto Mode replaces nodes by
    /// marking them drifted. A budget that permanently allows zero drift
    /// disruptions blocks that rollout: nodes keep the old, unpatched image
    /// until they reach `expireAfter`, and consolidation stops as well.
    /// Use a schedule (a maintenance window) instead of a permanent freeze.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   disruption:
    ///     budgets:
    ///       - nodes: "0"
    /// ```
    ///
    /// ## Fix
    /// Allow some disruption (`nodes: "10%"`), or limit the freeze to
    /// business hours with `schedule` and `duration`, or to
    /// `reasons: [Underutilized, Empty]` so drift replacement still runs.
    ///
    /// ## References
    /// - https://karpenter.sh/docs/concepts/disruption/#disruption-budgets
    /// - EKS User Guide, "Create a Node Pool for EKS Auto Mode" (disruption budgets)
    /// - EKS User Guide, "Learn about EKS Auto Mode security": node patching by replacement
    pub struct NodePoolBudgetBlocks {
        id: "PATCH-004",
        name: "nodepool-budget-blocks-replacement",
        title: "NodePool disruption budget blocks node replacement",
        severity: Medium,
        pillar: PatchingVulnerabilities,
        responsibility: Customer,
    }
}

impl Control for NodePoolBudgetBlocks {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["NodePool"]
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if !is_auto_mode_pool(obj) {
            return;
        }
        let base = JsonPath::keys(&["spec", "disruption", "budgets"]);
        let Some(budgets) = obj.get(&base).and_then(Value::as_array) else {
            return;
        };
        for (i, b) in budgets.iter().enumerate() {
            let nodes = b.get("nodes").and_then(Value::as_str).map(str::trim);
            if !matches!(nodes, Some("0" | "0%")) || b.get("schedule").is_some_and(|s| !s.is_null())
            {
                continue;
            }
            let reasons: Vec<&str> = b
                .get("reasons")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if !reasons.is_empty() && !reasons.contains(&"Drifted") {
                continue;
            }
            out.report(
                &Self::META,
                obj,
                base.clone().index(i).key("nodes"),
                format!(
                    "NodePool {}: spec.disruption.budgets[{i}] allows {} node disruptions at all times for {}: drifted nodes are never replaced with patched AMIs before they expire",
                    obj.name,
                    nodes.unwrap_or("0"),
                    if reasons.is_empty() { "every reason".to_owned() } else { reasons.join(", ") }
                ),
                "Allow some disruption, or restrict the freeze with schedule/duration or to reasons [Underutilized, Empty].",
            );
        }
    }
}
