use super::{cluster, report_at_policy};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_netpol::analysis::never_matching_peers;

control! {
    /// ## What it checks
    /// Policy peers whose `namespaceSelector` requires a label key (through
    /// `matchLabels`, `In` or `Exists`) that no namespace in the scan
    /// carries, so the peer can never match. Only reported when the scan
    /// contains Namespace objects, since their labels are otherwise
    /// unknown. Every namespace carries `kubernetes.io/metadata.name`, so
    /// selectors on it are never reported. Covers NetworkPolicy,
    /// ApplicationNetworkPolicy and the cluster-scoped tiers.
    ///
    /// ## Why it matters
    /// The usual cause is a selector such as `name: monitoring`, a label
    /// nobody set, where `kubernetes.io/metadata.name: monitoring` was
    /// meant. An allow rule that never matches silently blocks the traffic
    /// it was written for; teams then "fix" the outage with a broader rule.
    ///
    /// ## Example
    /// ```yaml
    /// ingress:
    ///   - from:
    ///       - namespaceSelector:
    ///           matchLabels: {name: monitoring}   # no namespace has a `name` label
    /// ```
    ///
    /// ## Fix
    /// Select namespaces by `kubernetes.io/metadata.name`, which the API
    /// server sets on every namespace, or add the label to the namespaces
    /// meant.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-namespace-by-its-name
    /// - https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-metadata-name
    /// - EKS Best Practices Guide, Network Security
    pub struct NeverMatchingNamespaceSelector {
        id: "NETPOL-005",
        name: "namespace-selector-matches-no-namespace",
        title: "Policy rule can never match: namespaceSelector needs a label no namespace has",
        severity: Medium,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

impl Control for NeverMatchingNamespaceSelector {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("", "Namespace")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Kinds(&[("networking.k8s.io", "NetworkPolicy")])
    }

    /// Cost: O(n) in objects besides the NetworkPolicy model, built once
    /// per scan for all NETPOL controls; the object of each finding is found
    /// in O(1).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        // Without Namespace objects the scan knows no namespace labels.
        if inv.namespace_names().next().is_none() {
            return;
        }
        let cluster = cluster(inv);
        for dead in never_matching_peers(&cluster) {
            report_at_policy(
                &Self::META,
                inv,
                &dead.at,
                format!(
                    "{} {}: no namespace in the scan has the label {}, so this peer never matches",
                    dead.at.policy,
                    dead.at.path,
                    dead.missing_keys
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "Select namespaces by `kubernetes.io/metadata.name: <namespace>`, or label the intended namespaces.",
                out,
            );
        }
    }
}
