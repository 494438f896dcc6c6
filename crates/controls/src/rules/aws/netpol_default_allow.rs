use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath, Object};
use serde_json::Value;
use std::collections::BTreeSet;

/// Namespaces the platform owns, not workloads'.
const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

control! {
    /// ## What it checks
    /// EKS Auto Mode `NodeClass`es whose `spec.networkPolicy` is
    /// `DefaultAllow` (also the default when unset) while some application
    /// namespace in the scan has no default-deny NetworkPolicy (a policy
    /// with an empty `podSelector`, `Ingress` in `policyTypes` and no
    /// ingress rules). `kube-system`, `kube-public` and `kube-node-lease`
    /// are not counted.
    ///
    /// ## Why it matters
    /// With `DefaultAllow` every pod on these nodes accepts traffic from
    /// every other pod until a NetworkPolicy selects it. A namespace without
    /// a default-deny policy is therefore wide open to lateral movement from
    /// any compromised pod in the cluster. `DefaultDeny` on the NodeClass,
    /// or a default-deny policy per namespace, makes access opt-in.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: eks.amazonaws.com/v1
    /// kind: NodeClass
    /// spec:
    ///   networkPolicy: DefaultAllow
    /// ```
    ///
    /// ## Fix
    /// Add a default-deny NetworkPolicy (`podSelector: {}`, `policyTypes:
    /// [Ingress, Egress]`) to every application namespace and allow what is
    /// needed explicitly, or set `spec.networkPolicy: DefaultDeny` on the
    /// NodeClass. Network policy enforcement must be on (NETPOL-008).
    ///
    /// ## References
    /// - EKS User Guide, "Use network policies with EKS Auto Mode" (NodeClass networkPolicy DefaultAllow/DefaultDeny)
    /// - EKS Best Practices Guide, Network Security: "Create a default deny policy"
    /// - https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies
    pub struct NetpolDefaultAllow {
        id: "NETPOL-101",
        name: "nodeclass-default-allow-without-default-deny",
        title: "NodeClass allows all pod traffic and namespaces lack a default-deny policy",
        severity: Medium,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

/// Whether a NetworkPolicy denies all ingress to every pod of its namespace.
pub(crate) fn is_default_deny(p: &Object) -> bool {
    let spec = p.raw.get("spec");
    let selector_empty = match spec.and_then(|s| s.get("podSelector")) {
        Some(Value::Object(m)) => m.values().all(|v| match v {
            Value::Null => true,
            Value::Object(o) => o.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        }),
        _ => false,
    };
    let ingress_type = spec
        .and_then(|s| s.get("policyTypes"))
        .and_then(Value::as_array)
        .is_none_or(|t| t.iter().any(|t| t == "Ingress"));
    let no_rules = spec
        .and_then(|s| s.get("ingress"))
        .is_none_or(|r| r.is_null() || r.as_array().is_some_and(Vec::is_empty));
    selector_empty && ingress_type && no_rules
}

impl Control for NetpolDefaultAllow {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[
            Need::kind("networking.k8s.io", "NetworkPolicy"),
            Need::kind("", "Namespace"),
        ];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    /// Cost: O(n log n) in objects (the set of namespaces), O(k) NodeClasses.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let mut namespaces: BTreeSet<&str> = inv.namespace_names().collect();
        namespaces.extend(inv.objects().iter().filter_map(|o| o.namespace.as_deref()));
        for sys in SYSTEM_NAMESPACES {
            namespaces.remove(sys);
        }
        let denied: BTreeSet<&str> = inv
            .of_kind("networking.k8s.io", "NetworkPolicy")
            .filter(|p| is_default_deny(p))
            .filter_map(|p| p.namespace.as_deref())
            .collect();
        let open: Vec<&str> = namespaces.difference(&denied).copied().collect();
        if open.is_empty() {
            return;
        }
        for nc in inv.of_kind("eks.amazonaws.com", "NodeClass") {
            let field = JsonPath::keys(&["spec", "networkPolicy"]);
            let mode = nc.get(&field).and_then(Value::as_str);
            if mode.is_some_and(|m| m != "DefaultAllow") {
                continue;
            }
            let at = if mode.is_some() {
                field
            } else {
                JsonPath::keys(&["spec"])
            };
            out.report(
                &Self::META,
                nc,
                at,
                format!(
                    "NodeClass {}: spec.networkPolicy is {} and namespace(s) {} have no default-deny NetworkPolicy: their pods accept traffic from every pod",
                    nc.name,
                    mode.unwrap_or("unset (DefaultAllow)"),
                    open.join(", ")
                ),
                "Add a default-deny NetworkPolicy to each application namespace, or set spec.networkPolicy: DefaultDeny.",
            );
        }
    }
}
