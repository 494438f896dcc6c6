use super::{cluster, report_at_policy, report_at_workload};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};
use eksguard_netpol::analysis::{SENSITIVE_PORTS, open_sensitive_ports};

control! {
    /// ## What it checks
    /// Workloads that NetworkPolicies isolate for ingress but that still
    /// accept a sensitive port from every pod of every namespace and from
    /// every external address (`0.0.0.0/0` and `::/0`), on a port their
    /// containers declare. Sensitive ports: SSH (22), SQL Server (1433),
    /// etcd (2379, 2380), MySQL (3306), PostgreSQL (5432), Redis (6379),
    /// Elasticsearch/OpenSearch (9200, 9300), the kubelet (10250),
    /// Memcached (11211) and MongoDB (27017). The finding points at the
    /// rule that admits the outside world (an `ingress` rule without
    /// `from`, or with an `ipBlock` such as `0.0.0.0/0`).
    ///
    /// ## Why it matters
    /// These services hold data or control the node and are rarely meant to
    /// be reachable from everything. A rule open to all sources makes the
    /// default deny around them meaningless, and behind a LoadBalancer or
    /// on a public subnet it exposes them to the internet.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   podSelector: {matchLabels: {app: postgres}}
    ///   ingress:
    ///     - ports: [{port: 5432}]       # no `from`: every source
    /// ```
    ///
    /// ## Fix
    /// Replace the open rule with `from` peers naming the clients
    /// (`podSelector`, `namespaceSelector` on `kubernetes.io/metadata.name`,
    /// or the narrowest `ipBlock`).
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
    /// - EKS Best Practices Guide, Network Security: "Network policy"
    /// - CIS Amazon EKS Benchmark, 4.3 (CNI plugin and network policies)
    pub struct SensitivePortOpen {
        id: "NETPOL-006",
        name: "sensitive-port-open-to-everywhere",
        title: "Sensitive port accepted from every pod and every address",
        severity: High,
        pillar: NetworkPolicy,
        responsibility: Customer,
    }
}

const FIX: &str = "Restrict the rule's `from` to the clients that need this port (podSelector, namespaceSelector on kubernetes.io/metadata.name, or a narrow ipBlock).";

impl Control for SensitivePortOpen {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("networking.k8s.io", "NetworkPolicy")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Workloads
    }

    /// Cost: O(n) in objects besides the NetworkPolicy model, built once
    /// per scan for all NETPOL controls; the object of each finding is found
    /// in O(1).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let cluster = cluster(inv);
        for open in open_sensitive_ports(&cluster, SENSITIVE_PORTS) {
            let message = format!(
                "{} accepts {} {} from every pod and every external address",
                open.workload, open.protocol, open.port
            );
            match open.rules.first() {
                Some(rule) => {
                    let message = format!("{message} ({} {} admits it)", rule.policy, rule.path);
                    report_at_policy(&Self::META, inv, rule, message, FIX, out);
                }
                // Admitted through a cluster-scoped tier only: point at the workload.
                None => report_at_workload(
                    &Self::META,
                    inv,
                    &open.workload,
                    |_| JsonPath::keys(&["metadata", "name"]),
                    message,
                    FIX,
                    out,
                ),
            }
        }
    }
}
