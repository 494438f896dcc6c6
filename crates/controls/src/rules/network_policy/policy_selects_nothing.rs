use super::{cluster, report_at_policy};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_netpol::analysis::policies_selecting_nothing;

control! {
    /// ## What it checks
    /// NetworkPolicies (and ApplicationNetworkPolicies) whose `podSelector`
    /// matches no workload of their namespace, in namespaces that have
    /// workloads in the scan (otherwise the pods may simply be deployed from
    /// elsewhere), and that hold no custom resources (an operator may create
    /// the selected pods from them, e.g. a `Prometheus` object creating
    /// `prometheus-k8s` pods). `podSelector: {}` selects every pod of the namespace and
    /// is never reported; `matchExpressions` (`In`, `NotIn`, `Exists`,
    /// `DoesNotExist`) are evaluated exactly.
    ///
    /// ## Why it matters
    /// A policy that selects nothing protects nothing: it usually means a
    /// label typo or a workload that was relabelled, and the pods it was
    /// written for are open (see NETPOL-003).
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: paymnets-api}   # typo: the pods say payments-api
    /// ```
    ///
    /// ## Fix
    /// Correct the `podSelector` so it matches the intended pods' labels
    /// (`eksguard netpol why` shows which policies select a workload), or
    /// delete the policy.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource
    /// - https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
    /// - EKS Best Practices Guide, Network Security
    pub struct PolicySelectsNothing {
        id: "NETPOL-004",
        name: "network-policy-selects-no-pod",
        title: "NetworkPolicy selects no workload of its namespace",
        severity: Low,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

impl Control for PolicySelectsNothing {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("", "Pod")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Kinds(&[("networking.k8s.io", "NetworkPolicy")])
    }

    /// Cost: O(n) in objects: the namespaces holding custom resources are
    /// found once, not per policy.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let cluster = cluster(inv);
        let with_custom = namespaces_with_custom_resources(inv);
        for e in policies_selecting_nothing(&cluster) {
            if !e.namespace_has_workloads {
                continue;
            }
            let ns = e.at.policy.namespace.as_deref().unwrap_or("default");
            // Operators create pods from custom resources (Prometheus,
            // Alertmanager, databases): with custom resources in the
            // namespace, the policy may well select pods the input cannot show.
            if with_custom.contains(ns) {
                continue;
            }
            report_at_policy(
                &Self::META,
                inv,
                &e.at,
                format!(
                    "{}: spec.podSelector matches none of the workloads of namespace {ns}, so the policy protects nothing",
                    e.at.policy
                ),
                "Fix the podSelector so it matches the intended pods' labels, or delete the policy.",
                out,
            );
        }
    }
}

/// Namespaces holding objects of an API group that is not built into
/// Kubernetes (a `.` in the group, not `*.k8s.io`, and not the EKS policy
/// group itself).
fn namespaces_with_custom_resources(inv: &Inventory) -> std::collections::HashSet<&str> {
    inv.objects()
        .iter()
        .filter(|o| {
            let g = o.group();
            g.contains('.') && !g.ends_with(".k8s.io") && g != "networking.k8s.aws"
        })
        .filter_map(|o| o.namespace.as_deref())
        .collect()
}
