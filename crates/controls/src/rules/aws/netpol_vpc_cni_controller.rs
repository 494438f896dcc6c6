use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{Inventory, JsonPath, Object};
use serde_json::Value;

const KEY: &str = "enable-network-policy-controller";

control! {
    /// ## What it checks
    /// The `kube-system/amazon-vpc-cni` ConfigMap: its
    /// `data.enable-network-policy-controller` must be `"true"`. When the
    /// scan has EKS Auto Mode NodeClasses and NetworkPolicies but no such
    /// ConfigMap, the first NetworkPolicy is reported: nothing enforces it.
    ///
    /// ## Why it matters
    /// In EKS Auto Mode, NetworkPolicies are enforced only once this
    /// ConfigMap turns the network policy controller on. Without it every
    /// NetworkPolicy in the cluster is accepted by the API server and
    /// silently ignored: the isolation it describes does not exist.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// metadata: {name: amazon-vpc-cni, namespace: kube-system}
    /// data:
    ///   enable-network-policy-controller: "false"
    /// ```
    ///
    /// ## Fix
    /// Set `enable-network-policy-controller: "true"` in the
    /// `kube-system/amazon-vpc-cni` ConfigMap (create it if missing), and
    /// check the NodeClass `networkPolicy` default (NETPOL-101).
    ///
    /// ## References
    /// - EKS User Guide, "Use network policies with EKS Auto Mode" (amazon-vpc-cni ConfigMap)
    /// - EKS User Guide, "Limit pod traffic with Kubernetes network policies"
    pub struct VpcCniPolicyController {
        id: "NETPOL-102",
        name: "vpc-cni-network-policy-controller-off",
        title: "Network policy enforcement is not enabled (amazon-vpc-cni)",
        severity: High,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

fn is_vpc_cni_config(obj: &Object) -> bool {
    obj.is("", "ConfigMap") && obj.name == "amazon-vpc-cni" && obj.namespace.as_deref() == Some("kube-system")
}

impl Control for VpcCniPolicyController {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["ConfigMap"]
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if !is_vpc_cni_config(obj) {
            return;
        }
        let field = JsonPath::keys(&["data", KEY]);
        let value = obj.get(&field).and_then(Value::as_str);
        if value.is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return;
        }
        let (at, shown) = match value {
            Some(v) => (field, format!("is {v:?}")),
            None => (JsonPath::keys(&["data"]), "is not set".to_owned()),
        };
        out.report(
            &Self::META,
            obj,
            at,
            format!("kube-system/amazon-vpc-cni: data.{KEY} {shown}: NetworkPolicies are not enforced"),
            format!("Set data.{KEY}: \"true\" in kube-system/amazon-vpc-cni."),
        );
    }

    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        if inv.find("", "ConfigMap", Some("kube-system"), "amazon-vpc-cni").is_some()
            || inv.of_kind("eks.amazonaws.com", "NodeClass").next().is_none()
        {
            return;
        }
        let Some(policy) = inv.of_kind("networking.k8s.io", "NetworkPolicy").next() else { return };
        out.report(
            &Self::META,
            policy,
            JsonPath::keys(&["spec"]),
            format!(
                "{}: the cluster uses EKS Auto Mode NodeClasses but has no kube-system/amazon-vpc-cni ConfigMap enabling the network policy controller: this NetworkPolicy (and every other) is not enforced",
                policy.obj_ref().short()
            ),
            format!("Create kube-system/amazon-vpc-cni with data.{KEY}: \"true\"."),
        );
    }
}
