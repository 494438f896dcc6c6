//! Input model: namespaces, workloads and policies built from raw Kubernetes objects.

use crate::conn::Protocol;
use crate::ip::{IpBlock, IpRange};
use crate::selector::{Labels, Selector};
use k8s_openapi::api::networking::v1 as netv1;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Label Kubernetes sets on every namespace to its own name (immutable since 1.22).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// A namespace and its labels (always including [`NAMESPACE_NAME_LABEL`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// Namespace name.
    pub name: String,
    /// Labels, including `kubernetes.io/metadata.name`.
    pub labels: Labels,
    /// True if the namespace was not in the input but referenced by an object.
    pub synthesized: bool,
}

/// The kind of a workload: its top owner present in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    /// apps/v1 Deployment.
    Deployment,
    /// apps/v1 StatefulSet.
    StatefulSet,
    /// apps/v1 DaemonSet.
    DaemonSet,
    /// batch/v1 Job.
    Job,
    /// batch/v1 CronJob.
    CronJob,
    /// apps/v1 ReplicaSet.
    ReplicaSet,
    /// v1 ReplicationController.
    ReplicationController,
    /// v1 Pod (bare, or whose owner is not in the input).
    Pod,
}

impl WorkloadKind {
    /// Parses a `kind` value.
    pub fn parse(kind: &str) -> Option<WorkloadKind> {
        Some(match kind {
            "Deployment" => WorkloadKind::Deployment,
            "StatefulSet" => WorkloadKind::StatefulSet,
            "DaemonSet" => WorkloadKind::DaemonSet,
            "Job" => WorkloadKind::Job,
            "CronJob" => WorkloadKind::CronJob,
            "ReplicaSet" => WorkloadKind::ReplicaSet,
            "ReplicationController" => WorkloadKind::ReplicationController,
            "Pod" => WorkloadKind::Pod,
            _ => return None,
        })
    }

    /// The `kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::Pod => "Pod",
        }
    }
}

/// Identity of a workload, displayed as `ns/name[Kind]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkloadId {
    /// Namespace.
    pub namespace: String,
    /// Object name.
    pub name: String,
    /// Kind of the top owner.
    pub kind: WorkloadKind,
}

impl fmt::Display for WorkloadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}[{}]",
            self.namespace,
            self.name,
            self.kind.as_str()
        )
    }
}

/// A container port, used to resolve named ports in policies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainerPort {
    /// `ports[].name`, if any.
    pub name: Option<String>,
    /// `ports[].containerPort`.
    pub port: u16,
    /// `ports[].protocol` (default TCP).
    pub protocol: Protocol,
}

/// A workload: pods grouped by their top owner present in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Identity.
    pub id: WorkloadId,
    /// Pod labels (from the pod template, or the pod itself).
    pub labels: Labels,
    /// Container ports of the pod template.
    pub ports: Vec<ContainerPort>,
    /// `spec.hostNetwork`: policies are not enforced on host-network pods.
    pub host_network: bool,
    /// A Pod with no owner reference at all (the VPC CNI agent does not enforce on these).
    pub standalone: bool,
    /// Number of Pod objects in the input grouped under this workload.
    pub pod_objects: usize,
}

/// Kind of a policy object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    /// networking.k8s.io/v1 NetworkPolicy.
    NetworkPolicy,
    /// EKS Auto Mode ApplicationNetworkPolicy (networking.k8s.aws): NetworkPolicy plus `domainNames`.
    ApplicationNetworkPolicy,
    /// policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy.
    AdminNetworkPolicy,
    /// policy.networking.k8s.io/v1alpha1 BaselineAdminNetworkPolicy.
    BaselineAdminNetworkPolicy,
    /// ClusterNetworkPolicy (EKS networking.k8s.aws/v1alpha1, or upstream v1alpha2).
    ClusterNetworkPolicy,
}

impl PolicyKind {
    /// The `kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::NetworkPolicy => "NetworkPolicy",
            PolicyKind::ApplicationNetworkPolicy => "ApplicationNetworkPolicy",
            PolicyKind::AdminNetworkPolicy => "AdminNetworkPolicy",
            PolicyKind::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
            PolicyKind::ClusterNetworkPolicy => "ClusterNetworkPolicy",
        }
    }
}

/// Identity of a policy, displayed as `Kind ns/name` (or `Kind name` if cluster-scoped).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyId {
    /// Kind.
    pub kind: PolicyKind,
    /// Namespace (None for cluster-scoped kinds).
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

impl fmt::Display for PolicyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind.as_str(), ns, self.name),
            None => write!(f, "{} {}", self.kind.as_str(), self.name),
        }
    }
}

/// A non-fatal problem with one input object; the object is skipped or read partially.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Position of the object in the input iterator.
    pub index: usize,
    /// `Kind ns/name` of the object, if known.
    pub object: String,
    /// JSON path inside the object.
    pub path: String,
    /// What is wrong and what the engine did.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "object #{} {} at {}: {}",
            self.index, self.object, self.path, self.message
        )
    }
}

// ---------- compiled policy representation (crate-internal) ----------

/// Which namespaces a pod peer may come from.
#[derive(Debug, Clone)]
pub(crate) enum NsMatch {
    /// Only the policy's own namespace (peer with `podSelector` but no `namespaceSelector`).
    Same(String),
    /// Namespaces matching a selector.
    Selector(Selector),
}

#[derive(Debug, Clone)]
pub(crate) enum PeerSpec {
    Pods {
        ns: NsMatch,
        pods: Selector,
    },
    IpBlock(IpBlock),
    Domains(Vec<String>),
    /// Unusable peer (empty, bad CIDR, ANP `nodes`): matches nothing.
    Nothing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PortValue {
    All,
    Range(u16, u16),
    Named(String),
    NamedAnyProtocol(String),
}

#[derive(Debug, Clone)]
pub(crate) struct PortSpec {
    pub protocol: Protocol,
    pub value: PortValue,
    /// Position in the source `ports` list (entries that fail to parse are dropped).
    pub index: usize,
}

/// One ingress or egress rule of a NetworkPolicy-tier policy.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// None: `from`/`to` absent or empty, matches every peer.
    pub peers: Option<Vec<PeerSpec>>,
    /// None: `ports` absent or empty, matches every port.
    pub ports: Option<Vec<PortSpec>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub id: PolicyId,
    pub namespace: String,
    pub pod_selector: Selector,
    pub affects_ingress: bool,
    pub affects_egress: bool,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tier {
    Admin,
    Baseline,
}

/// Action of a cluster-scoped rule. EKS `Accept` is read as `Allow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Allow (`Accept` in EKS ClusterNetworkPolicy): admit, skip lower tiers.
    Allow,
    /// Deny: drop, skip lower tiers.
    Deny,
    /// Pass: skip the rest of this tier, let the next tier decide.
    Pass,
}

#[derive(Debug, Clone)]
pub(crate) struct TierRule {
    pub name: String,
    /// Position in the source rule list.
    pub index: usize,
    /// JSON path of each entry of `peers` (a `networks` list expands to several peers).
    pub peer_paths: Vec<String>,
    pub action: Action,
    pub peers: Vec<PeerSpec>,
    pub ports: Option<Vec<PortSpec>>,
}

#[derive(Debug, Clone)]
pub(crate) struct TierPolicy {
    pub id: PolicyId,
    pub tier: Tier,
    pub priority: i64,
    pub subject_ns: Selector,
    pub subject_pods: Selector,
    pub ingress: Vec<TierRule>,
    pub egress: Vec<TierRule>,
}

/// EKS facts that decide whether the VPC CNI network policy agent enforces anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EksFacts {
    /// `data.enable-network-policy-controller` of ConfigMap `kube-system/amazon-vpc-cni`,
    /// `Some(None)` if the ConfigMap exists without the key, `None` if absent from the input.
    pub vpc_cni_network_policy_controller: Option<Option<String>>,
    /// Auto Mode NodeClasses (`eks.amazonaws.com`) and their `spec.networkPolicy`.
    pub node_classes: Vec<(String, Option<String>)>,
}

/// Everything the engine needs: namespaces, workloads and policies.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub(crate) namespaces: Vec<Namespace>,
    pub(crate) workloads: Vec<Workload>,
    pub(crate) policies: Vec<Policy>,
    pub(crate) tier_policies: Vec<TierPolicy>,
    pub(crate) eks: EksFacts,
}

impl Cluster {
    /// Namespaces, sorted by name.
    pub fn namespaces(&self) -> &[Namespace] {
        &self.namespaces
    }

    /// Workloads, sorted by namespace, name, kind.
    pub fn workloads(&self) -> &[Workload] {
        &self.workloads
    }

    /// Looks up a workload by namespace and name (and kind, if given).
    pub fn workload(
        &self,
        namespace: &str,
        name: &str,
        kind: Option<WorkloadKind>,
    ) -> Option<&Workload> {
        self.workloads.iter().find(|w| {
            w.id.namespace == namespace && w.id.name == name && kind.is_none_or(|k| k == w.id.kind)
        })
    }

    /// Identities of all policies (NetworkPolicy tier first, then cluster-scoped ones).
    pub fn policy_ids(&self) -> impl Iterator<Item = &PolicyId> {
        self.policies
            .iter()
            .map(|p| &p.id)
            .chain(self.tier_policies.iter().map(|p| &p.id))
    }

    /// EKS enforcement facts found in the input.
    pub fn eks_facts(&self) -> &EksFacts {
        &self.eks
    }

    /// Looks up a namespace by name.
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces
            .binary_search_by(|n| n.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.namespaces[i])
    }

    /// Builds the model from raw Kubernetes objects (as the collector hands them over:
    /// `apiVersion`/`kind` plus the raw JSON). Unknown kinds are ignored; objects that
    /// cannot be read produce a [`Warning`] and are skipped. `kind: List` is expanded.
    pub fn from_objects<'a, I>(objects: I) -> (Cluster, Vec<Warning>)
    where
        I: IntoIterator<Item = &'a Value>,
    {
        let mut b = Builder::default();
        for (i, obj) in objects.into_iter().enumerate() {
            b.add(i, obj, 0);
        }
        b.finish()
    }
}

// ---------- builder ----------

#[derive(Default)]
struct Builder {
    namespaces: BTreeMap<String, Labels>,
    declared: std::collections::BTreeSet<String>,
    raw_workloads: Vec<RawWorkload>,
    policies: Vec<Policy>,
    tier_policies: Vec<TierPolicy>,
    eks: EksFacts,
    warnings: Vec<Warning>,
}

struct RawWorkload {
    index: usize,
    kind: WorkloadKind,
    namespace: String,
    name: String,
    labels: Labels,
    ports: Vec<ContainerPort>,
    host_network: bool,
    /// The controlling (or first) owner reference: `kind` (None if absent or empty) and name.
    owner: Option<(Option<String>, String)>,
    has_owner_refs: bool,
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

fn labels_at(v: &Value, ptr: &str) -> Labels {
    v.pointer(ptr)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

impl Builder {
    fn warn(&mut self, index: usize, object: &str, path: &str, message: impl Into<String>) {
        self.warnings.push(Warning {
            index,
            object: object.to_string(),
            path: path.to_string(),
            message: message.into(),
        });
    }

    fn add(&mut self, index: usize, obj: &Value, depth: usize) {
        let kind = str_at(obj, "/kind").unwrap_or("");
        let api = str_at(obj, "/apiVersion").unwrap_or("");
        if kind == "List" || kind.ends_with("List") && obj.get("items").is_some() {
            if depth < 4 {
                // Typed lists (`PodList` from the API) omit kind/apiVersion on their items.
                let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
                for item in obj
                    .get("items")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    match (item_kind, item.get("kind")) {
                        (Some(k), None) => {
                            let mut item = item.clone();
                            if let Some(m) = item.as_object_mut() {
                                m.insert("kind".into(), Value::String(k.to_string()));
                                m.entry("apiVersion")
                                    .or_insert_with(|| Value::String(api.to_string()));
                            }
                            self.add(index, &item, depth + 1);
                        }
                        _ => self.add(index, item, depth + 1),
                    }
                }
            }
            return;
        }
        let name = str_at(obj, "/metadata/name").unwrap_or("").to_string();
        let ns = str_at(obj, "/metadata/namespace")
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
            .to_string();
        let group = api.split('/').next().unwrap_or("");
        match kind {
            "Namespace" if api == "v1" => {
                if name.is_empty() {
                    self.warn(
                        index,
                        "Namespace",
                        "metadata.name",
                        "namespace without a name; skipped",
                    );
                    return;
                }
                self.declared.insert(name.clone());
                self.namespaces
                    .insert(name, labels_at(obj, "/metadata/labels"));
            }
            "NetworkPolicy" if group == "networking.k8s.io" => {
                self.add_network_policy(index, obj, PolicyKind::NetworkPolicy, &ns, &name)
            }
            "ApplicationNetworkPolicy" => self.add_network_policy(
                index,
                obj,
                PolicyKind::ApplicationNetworkPolicy,
                &ns,
                &name,
            ),
            "AdminNetworkPolicy" if group == "policy.networking.k8s.io" => {
                self.add_tier_policy(index, obj, PolicyKind::AdminNetworkPolicy, &name)
            }
            "BaselineAdminNetworkPolicy" if group == "policy.networking.k8s.io" => {
                self.add_tier_policy(index, obj, PolicyKind::BaselineAdminNetworkPolicy, &name)
            }
            "ClusterNetworkPolicy"
                if group == "networking.k8s.aws" || group == "policy.networking.k8s.io" =>
            {
                self.add_tier_policy(index, obj, PolicyKind::ClusterNetworkPolicy, &name)
            }
            "ConfigMap" if ns == "kube-system" && name == "amazon-vpc-cni" => {
                self.eks.vpc_cni_network_policy_controller =
                    Some(str_at(obj, "/data/enable-network-policy-controller").map(str::to_string));
            }
            "NodeClass" if group == "eks.amazonaws.com" => {
                self.eks
                    .node_classes
                    .push((name, str_at(obj, "/spec/networkPolicy").map(str::to_string)));
            }
            _ => {
                if let Some(k) = WorkloadKind::parse(kind)
                    && (group == "apps" || group == "batch" || api == "v1")
                {
                    self.add_workload(index, obj, k, ns, name);
                }
            }
        }
    }

    fn add_workload(
        &mut self,
        index: usize,
        obj: &Value,
        kind: WorkloadKind,
        ns: String,
        name: String,
    ) {
        let tpl = match kind {
            WorkloadKind::Pod => "",
            WorkloadKind::CronJob => "/spec/jobTemplate/spec/template",
            _ => "/spec/template",
        };
        let label_obj = format!("{} {}/{}", kind.as_str(), ns, name);
        if name.is_empty() {
            self.warn(
                index,
                &label_obj,
                "metadata.name",
                "workload without a name; skipped",
            );
            return;
        }
        let labels = labels_at(obj, &format!("{tpl}/metadata/labels"));
        let spec = obj.pointer(&format!("{tpl}/spec"));
        let host_network = spec
            .and_then(|s| s.get("hostNetwork"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut ports = Vec::new();
        for (ci, c) in spec
            .and_then(|s| s.get("containers"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for (pi, p) in c
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let port = p.get("containerPort").and_then(Value::as_u64);
                let protocol = match p.get("protocol").and_then(Value::as_str) {
                    None => Some(Protocol::Tcp),
                    Some(s) => Protocol::parse(s),
                };
                match (
                    port.and_then(|n| u16::try_from(n).ok()).filter(|&n| n > 0),
                    protocol,
                ) {
                    (Some(port), Some(protocol)) => ports.push(ContainerPort {
                        name: p.get("name").and_then(Value::as_str).map(str::to_string),
                        port,
                        protocol,
                    }),
                    _ => {
                        let path = format!("{}.containers[{ci}].ports[{pi}]", tpl_path(tpl));
                        self.warn(
                            index,
                            &label_obj,
                            &path,
                            "invalid containerPort or protocol; ignored",
                        );
                    }
                }
            }
        }
        ports.sort();
        ports.dedup();
        let refs = obj
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array);
        let has_owner_refs = refs.is_some_and(|r| !r.is_empty());
        let owner = refs.and_then(|r| {
            let pick = r
                .iter()
                .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
                .or_else(|| r.first())?;
            let name = pick.get("name")?.as_str().filter(|n| !n.is_empty())?;
            let kind = pick
                .get("kind")
                .and_then(Value::as_str)
                .filter(|k| !k.is_empty());
            Some((kind.map(str::to_string), name.to_string()))
        });
        self.raw_workloads.push(RawWorkload {
            index,
            kind,
            namespace: ns,
            name,
            labels,
            ports,
            host_network,
            owner,
            has_owner_refs,
        });
    }

    fn add_network_policy(
        &mut self,
        index: usize,
        obj: &Value,
        kind: PolicyKind,
        ns: &str,
        name: &str,
    ) {
        let id = PolicyId {
            kind,
            namespace: Some(ns.to_string()),
            name: name.to_string(),
        };
        let object = id.to_string();
        let spec_raw = obj.get("spec").cloned().unwrap_or(Value::Null);
        let spec: netv1::NetworkPolicySpec = match serde_json::from_value(spec_raw.clone()) {
            Ok(s) => s,
            Err(e) => {
                self.warn(
                    index,
                    &object,
                    "spec",
                    format!("cannot read spec ({e}); policy skipped"),
                );
                return;
            }
        };
        let (pod_selector, bad) = Selector::compile(&spec.pod_selector.clone().unwrap_or_default());
        if let Some(op) = bad {
            self.warn(
                index,
                &object,
                "spec.podSelector",
                format!("unknown operator {op:?}; selects nothing"),
            );
        }
        // API reference, NetworkPolicySpec.policyTypes: "If this field is not specified, it
        // will default based on the existence of ingress or egress rules; policies that
        // contain an egress section are assumed to affect egress, and all policies (whether
        // or not they contain an ingress section) are assumed to affect ingress."
        // The defaulting code (SetDefaults_NetworkPolicy) tests `len(spec.egress) != 0`.
        let types = spec.policy_types.clone().unwrap_or_default();
        let (affects_ingress, affects_egress) = if types.is_empty() {
            (true, spec.egress.as_ref().is_some_and(|e| !e.is_empty()))
        } else {
            let mut known = (false, false);
            for (ti, t) in types.iter().enumerate() {
                match t.as_str() {
                    "Ingress" => known.0 = true,
                    "Egress" => known.1 = true,
                    other => self.warn(
                        index,
                        &object,
                        &format!("spec.policyTypes[{ti}]"),
                        format!("unknown policy type {other:?}; ignored"),
                    ),
                }
            }
            known
        };
        let mut ingress = Vec::new();
        for (ri, r) in spec.ingress.iter().flatten().enumerate() {
            let base = format!("spec.ingress[{ri}]");
            let peers = self.np_peers(
                index,
                &object,
                ns,
                r.from.as_deref(),
                &base,
                "from",
                &spec_raw,
            );
            let ports = self.np_ports(index, &object, r.ports.as_deref(), &base);
            ingress.push(Rule { peers, ports });
        }
        let mut egress = Vec::new();
        for (ri, r) in spec.egress.iter().flatten().enumerate() {
            let base = format!("spec.egress[{ri}]");
            let peers = self.np_peers(index, &object, ns, r.to.as_deref(), &base, "to", &spec_raw);
            let ports = self.np_ports(index, &object, r.ports.as_deref(), &base);
            egress.push(Rule { peers, ports });
        }
        self.namespaces.entry(ns.to_string()).or_default();
        self.policies.push(Policy {
            id,
            namespace: ns.to_string(),
            pod_selector,
            affects_ingress,
            affects_egress,
            ingress,
            egress,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn np_peers(
        &mut self,
        index: usize,
        object: &str,
        ns: &str,
        peers: Option<&[netv1::NetworkPolicyPeer]>,
        base: &str,
        field: &str,
        spec_raw: &Value,
    ) -> Option<Vec<PeerSpec>> {
        // API reference, NetworkPolicyIngressRule.from: "If this field is empty or missing,
        // this rule matches all sources"; a non-empty list matches if any peer matches (OR).
        let peers = peers.filter(|p| !p.is_empty())?;
        let mut out = Vec::new();
        for (pi, p) in peers.iter().enumerate() {
            let path = format!("{base}.{field}[{pi}]");
            // ApplicationNetworkPolicy: `domainNames` sits beside the standard peer fields.
            let raw_ptr = format!(
                "/{}",
                path.trim_start_matches("spec.")
                    .replace('[', "/")
                    .replace("].", "/")
                    .replace(']', "")
                    .replace('.', "/")
            );
            let domains: Vec<String> = spec_raw
                .pointer(&raw_ptr)
                .and_then(|v| v.get("domainNames"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|d| d.as_str().map(str::to_lowercase))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(ipb) = &p.ip_block {
                out.push(self.ip_block(index, object, &path, &ipb.cidr, ipb.except.as_deref()));
                if p.pod_selector.is_some() || p.namespace_selector.is_some() {
                    self.warn(
                        index,
                        object,
                        &path,
                        "ipBlock combined with selectors is invalid; only the ipBlock is used",
                    );
                }
                continue;
            }
            if !domains.is_empty() {
                out.push(PeerSpec::Domains(domains));
                continue;
            }
            match (&p.namespace_selector, &p.pod_selector) {
                (None, None) => {
                    self.warn(
                        index,
                        object,
                        &path,
                        "peer sets no selector or ipBlock; matches nothing",
                    );
                    out.push(PeerSpec::Nothing);
                }
                (nsel, psel) => {
                    let ns_match = match nsel {
                        // API reference, NetworkPolicyPeer.namespaceSelector: "If podSelector is
                        // also set, then the NetworkPolicyPeer as a whole selects the pods
                        // matching podSelector in the namespaces selected by namespaceSelector.
                        // Otherwise it selects all pods in the namespaces selected by
                        // namespaceSelector."
                        Some(s) => NsMatch::Selector(self.sel(
                            index,
                            object,
                            &format!("{path}.namespaceSelector"),
                            s,
                        )),
                        // ... podSelector alone selects pods in the policy's own namespace.
                        None => NsMatch::Same(ns.to_string()),
                    };
                    let pods = match psel {
                        Some(s) => self.sel(index, object, &format!("{path}.podSelector"), s),
                        None => Selector::everything(),
                    };
                    out.push(PeerSpec::Pods { ns: ns_match, pods });
                }
            }
        }
        Some(out)
    }

    fn sel(&mut self, index: usize, object: &str, path: &str, s: &LabelSelector) -> Selector {
        let (sel, bad) = Selector::compile(s);
        if let Some(op) = bad {
            self.warn(
                index,
                object,
                path,
                format!("unknown operator {op:?}; selects nothing"),
            );
        }
        sel
    }

    fn ip_block(
        &mut self,
        index: usize,
        object: &str,
        path: &str,
        cidr: &str,
        except: Option<&[String]>,
    ) -> PeerSpec {
        let Some(c) = IpRange::parse_cidr(cidr) else {
            self.warn(
                index,
                object,
                &format!("{path}.ipBlock.cidr"),
                format!("invalid CIDR {cidr:?}; matches nothing"),
            );
            return PeerSpec::Nothing;
        };
        let mut ex = Vec::new();
        for (ei, e) in except.unwrap_or_default().iter().enumerate() {
            match IpRange::parse_cidr(e) {
                Some(r) => ex.push(r),
                None => {
                    // Dropping a bad except would widen the block; refuse the whole peer.
                    self.warn(
                        index,
                        object,
                        &format!("{path}.ipBlock.except[{ei}]"),
                        format!("invalid CIDR {e:?}; the ipBlock matches nothing"),
                    );
                    return PeerSpec::Nothing;
                }
            }
        }
        PeerSpec::IpBlock(IpBlock {
            cidr: c,
            except: ex,
        })
    }

    fn np_ports(
        &mut self,
        index: usize,
        object: &str,
        ports: Option<&[netv1::NetworkPolicyPort]>,
        base: &str,
    ) -> Option<Vec<PortSpec>> {
        // API reference, NetworkPolicyIngressRule.ports: "If this field is empty or missing,
        // this rule matches all ports".
        let ports = ports.filter(|p| !p.is_empty())?;
        let mut out = Vec::new();
        for (pi, p) in ports.iter().enumerate() {
            let path = format!("{base}.ports[{pi}]");
            // NetworkPolicyPort.protocol: "If not specified, this field defaults to TCP."
            let protocol = match p.protocol.as_deref() {
                None => Protocol::Tcp,
                Some(s) => match Protocol::parse(s) {
                    Some(p) => p,
                    None => {
                        self.warn(
                            index,
                            object,
                            &format!("{path}.protocol"),
                            format!("unknown protocol {s:?}; port entry ignored"),
                        );
                        continue;
                    }
                },
            };
            let value = match &p.port {
                // NetworkPolicyPort.port: "If this is not provided, this matches all port names and numbers."
                None => PortValue::All,
                Some(IntOrString::Int(n)) => {
                    let Some(lo) = u16::try_from(*n).ok().filter(|&n| n > 0) else {
                        self.warn(
                            index,
                            object,
                            &format!("{path}.port"),
                            format!("port {n} out of range; port entry ignored"),
                        );
                        continue;
                    };
                    // NetworkPolicyPort.endPort: the range port..endPort, inclusive.
                    match p.end_port {
                        None => PortValue::Range(lo, lo),
                        Some(e) => match u16::try_from(e).ok().filter(|&e| e >= lo) {
                            Some(hi) => PortValue::Range(lo, hi),
                            None => {
                                self.warn(index, object, &format!("{path}.endPort"), format!("endPort {e} is below port {lo} or out of range; port entry ignored"));
                                continue;
                            }
                        },
                    }
                }
                Some(IntOrString::String(s)) => {
                    if p.end_port.is_some() {
                        self.warn(
                            index,
                            object,
                            &format!("{path}.endPort"),
                            "endPort with a named port is invalid; endPort ignored",
                        );
                    }
                    if s.chars().all(|c| c.is_ascii_digit()) {
                        self.warn(
                            index,
                            object,
                            &format!("{path}.port"),
                            format!("port {s:?} is a string, so the API reads it as a port name"),
                        );
                    }
                    PortValue::Named(s.clone())
                }
            };
            out.push(PortSpec {
                protocol,
                value,
                index: pi,
            });
        }
        Some(out)
    }

    fn add_tier_policy(&mut self, index: usize, obj: &Value, kind: PolicyKind, name: &str) {
        let id = PolicyId {
            kind,
            namespace: None,
            name: name.to_string(),
        };
        let object = id.to_string();
        let spec: TierSpec = match obj.get("spec").map(|s| serde_json::from_value(s.clone())) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                self.warn(
                    index,
                    &object,
                    "spec",
                    format!("cannot read spec ({e}); policy skipped"),
                );
                return;
            }
            None => {
                self.warn(index, &object, "spec", "no spec; policy skipped");
                return;
            }
        };
        let tier = match kind {
            PolicyKind::AdminNetworkPolicy => Tier::Admin,
            PolicyKind::BaselineAdminNetworkPolicy => Tier::Baseline,
            _ => match spec.tier.as_deref() {
                Some("Admin") => Tier::Admin,
                Some("Baseline") => Tier::Baseline,
                other => {
                    self.warn(
                        index,
                        &object,
                        "spec.tier",
                        format!("unknown tier {other:?}; policy skipped"),
                    );
                    return;
                }
            },
        };
        let (subject_ns, subject_pods) = match &spec.subject {
            Some(TierSubject {
                namespaces: Some(n),
                ..
            }) => (
                self.sel(index, &object, "spec.subject.namespaces", n),
                Selector::everything(),
            ),
            Some(TierSubject { pods: Some(p), .. }) => (
                self.sel(
                    index,
                    &object,
                    "spec.subject.pods.namespaceSelector",
                    &p.namespace_selector.clone().unwrap_or_default(),
                ),
                self.sel(
                    index,
                    &object,
                    "spec.subject.pods.podSelector",
                    &p.pod_selector.clone().unwrap_or_default(),
                ),
            ),
            _ => {
                self.warn(
                    index,
                    &object,
                    "spec.subject",
                    "no subject; policy selects nothing and is skipped",
                );
                return;
            }
        };
        let ingress = self.tier_rules(index, &object, &spec.ingress, "ingress", "from");
        let egress = self.tier_rules(index, &object, &spec.egress, "egress", "to");
        self.tier_policies.push(TierPolicy {
            id,
            tier,
            // BANP is a singleton without priority.
            priority: spec.priority.unwrap_or(0),
            subject_ns,
            subject_pods,
            ingress,
            egress,
        });
    }

    fn tier_rules(
        &mut self,
        index: usize,
        object: &str,
        rules: &[TierRuleRaw],
        dir: &str,
        field: &str,
    ) -> Vec<TierRule> {
        let mut out = Vec::new();
        for (ri, r) in rules.iter().enumerate() {
            let base = format!("spec.{dir}[{ri}]");
            let action = match r.action.as_str() {
                "Allow" | "Accept" => Action::Allow,
                "Deny" => Action::Deny,
                "Pass" => Action::Pass,
                other => {
                    self.warn(
                        index,
                        object,
                        &format!("{base}.action"),
                        format!("unknown action {other:?}; rule ignored"),
                    );
                    continue;
                }
            };
            let mut peers = Vec::new();
            let mut peer_paths = Vec::new();
            for (pi, p) in r.peers(field).iter().enumerate() {
                let path = format!("{base}.{field}[{pi}]");
                let before = peers.len();
                self.tier_peer(index, object, p, &path, &mut peers);
                peer_paths.extend(std::iter::repeat_n(path, peers.len() - before));
            }
            let ports = r.ports.as_ref().filter(|p| !p.is_empty()).map(|ports| {
                let mut v = Vec::new();
                for (pi, p) in ports.iter().enumerate() {
                    match p.to_spec(pi) {
                        Some(s) => v.push(s),
                        None => self.warn(
                            index,
                            object,
                            &format!("{base}.ports[{pi}]"),
                            "unreadable port entry; ignored",
                        ),
                    }
                }
                v
            });
            out.push(TierRule {
                name: r.name.clone().unwrap_or_else(|| base.clone()),
                index: ri,
                peer_paths,
                action,
                peers,
                ports,
            });
        }
        out
    }

    fn tier_peer(
        &mut self,
        index: usize,
        object: &str,
        p: &TierPeerRaw,
        path: &str,
        peers: &mut Vec<PeerSpec>,
    ) {
        if let Some(n) = &p.namespaces {
            let s = self.sel(index, object, &format!("{path}.namespaces"), n);
            peers.push(PeerSpec::Pods {
                ns: NsMatch::Selector(s),
                pods: Selector::everything(),
            });
        } else if let Some(pp) = &p.pods {
            let ns = self.sel(
                index,
                object,
                &format!("{path}.pods.namespaceSelector"),
                &pp.namespace_selector.clone().unwrap_or_default(),
            );
            let pods = self.sel(
                index,
                object,
                &format!("{path}.pods.podSelector"),
                &pp.pod_selector.clone().unwrap_or_default(),
            );
            peers.push(PeerSpec::Pods {
                ns: NsMatch::Selector(ns),
                pods,
            });
        } else if let Some(nets) = &p.networks {
            for (ni, n) in nets.iter().enumerate() {
                peers.push(self.ip_block(
                    index,
                    object,
                    &format!("{path}.networks[{ni}]"),
                    n,
                    None,
                ));
            }
        } else if let Some(d) = &p.domain_names {
            peers.push(PeerSpec::Domains(
                d.iter().map(|s| s.to_lowercase()).collect(),
            ));
        } else {
            self.warn(
                index,
                object,
                path,
                "peer type not modelled (e.g. nodes); matches nothing",
            );
            peers.push(PeerSpec::Nothing);
        }
    }

    fn finish(mut self) -> (Cluster, Vec<Warning>) {
        // Resolve each workload object to its top owner present in the input.
        let key_of = |w: &RawWorkload| {
            (
                w.namespace.clone(),
                w.kind.as_str().to_string(),
                w.name.clone(),
            )
        };
        let index: HashMap<(String, String, String), usize> = self
            .raw_workloads
            .iter()
            .enumerate()
            .map(|(i, w)| (key_of(w), i))
            .collect();
        // Owner references without a `kind` (hand-written or stripped dumps) are resolved by
        // name when exactly one workload object of the namespace carries it.
        let mut by_name: HashMap<(&str, &str), Option<usize>> = HashMap::new();
        for (i, w) in self.raw_workloads.iter().enumerate() {
            by_name
                .entry((w.namespace.as_str(), w.name.as_str()))
                .and_modify(|e| *e = None)
                .or_insert(Some(i));
        }
        let mut tops: BTreeMap<(String, String, WorkloadKind), Workload> = BTreeMap::new();
        for i in 0..self.raw_workloads.len() {
            let mut cur = i;
            for _ in 0..8 {
                let w = &self.raw_workloads[cur];
                let next = match &w.owner {
                    Some((Some(k), n)) => index
                        .get(&(w.namespace.clone(), k.clone(), n.clone()))
                        .copied(),
                    Some((None, n)) => by_name
                        .get(&(w.namespace.as_str(), n.as_str()))
                        .copied()
                        .flatten(),
                    None => None,
                };
                match next {
                    Some(n) if n != cur => cur = n,
                    _ => break,
                }
            }
            let top = &self.raw_workloads[cur];
            // A pod whose owner is not in the input (e.g. a `kubectl get pods` dump) is
            // grouped under its owner reference, as np-guard's netpol-analyzer does, so
            // replicas collapse into one workload instead of one line per pod. An owner
            // reference without a kind groups by name; the kind shown is then `Pod`, as
            // netpol-analyzer shows it (`ns/owner[Pod]`).
            let (name, kind) = match (&top.owner, top.kind) {
                (Some((Some(k), n)), WorkloadKind::Pod) => match WorkloadKind::parse(k) {
                    Some(k) => (n.clone(), k),
                    None => (top.name.clone(), top.kind),
                },
                (Some((None, n)), WorkloadKind::Pod) => (n.clone(), WorkloadKind::Pod),
                _ => (top.name.clone(), top.kind),
            };
            let key = (top.namespace.clone(), name.clone(), kind);
            let raw = &self.raw_workloads[i];
            let is_pod = usize::from(raw.kind == WorkloadKind::Pod);
            if let Some(existing) = tops.get_mut(&key) {
                existing.pod_objects += is_pod;
                if cur == i && existing.labels != raw.labels {
                    self.warnings.push(Warning {
                        index: raw.index,
                        object: format!("{} {}/{}", raw.kind.as_str(), raw.namespace, raw.name),
                        path: "metadata.labels".into(),
                        message: format!("labels differ from other pods of {}/{}; the first pod's labels are used", key.0, key.1),
                    });
                }
                continue;
            }
            self.namespaces.entry(top.namespace.clone()).or_default();
            tops.insert(
                key,
                Workload {
                    id: WorkloadId {
                        namespace: top.namespace.clone(),
                        name,
                        kind,
                    },
                    labels: top.labels.clone(),
                    ports: top.ports.clone(),
                    host_network: top.host_network,
                    standalone: top.kind == WorkloadKind::Pod && !top.has_owner_refs,
                    pod_objects: is_pod,
                },
            );
        }
        let mut namespaces: Vec<Namespace> = Vec::new();
        for (name, labels) in &self.namespaces {
            let mut labels = labels.clone();
            // Every namespace carries its name as a label (API-server defaulting since 1.21).
            labels.insert(NAMESPACE_NAME_LABEL.to_string(), name.clone());
            namespaces.push(Namespace {
                name: name.clone(),
                labels,
                synthesized: !self.declared.contains(name),
            });
        }
        let mut cluster = Cluster {
            namespaces,
            workloads: tops.into_values().collect(),
            policies: self.policies,
            tier_policies: self.tier_policies,
            eks: self.eks,
        };
        cluster.policies.sort_by(|a, b| a.id.cmp(&b.id));
        cluster
            .tier_policies
            .sort_by(|a, b| (a.tier, a.priority, &a.id).cmp(&(b.tier, b.priority, &b.id)));
        (cluster, self.warnings)
    }
}

fn tpl_path(tpl: &str) -> String {
    let t = tpl.trim_start_matches('/').replace('/', ".");
    if t.is_empty() {
        "spec".into()
    } else {
        format!("{t}.spec")
    }
}

// ---------- serde structs for the cluster-scoped CRDs (unknown fields tolerated) ----------

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TierSpec {
    tier: Option<String>,
    priority: Option<i64>,
    subject: Option<TierSubject>,
    ingress: Vec<TierRuleRaw>,
    egress: Vec<TierRuleRaw>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TierSubject {
    namespaces: Option<LabelSelector>,
    pods: Option<TierPods>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
struct TierPods {
    namespace_selector: Option<LabelSelector>,
    pod_selector: Option<LabelSelector>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TierRuleRaw {
    name: Option<String>,
    action: String,
    from: Vec<TierPeerRaw>,
    to: Vec<TierPeerRaw>,
    ports: Option<Vec<TierPortRaw>>,
}

impl TierRuleRaw {
    fn peers(&self, field: &str) -> &[TierPeerRaw] {
        if field == "from" {
            &self.from
        } else {
            &self.to
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TierPeerRaw {
    namespaces: Option<LabelSelector>,
    pods: Option<TierPods>,
    networks: Option<Vec<String>>,
    domain_names: Option<Vec<String>>,
}

/// Port entry of ANP/BANP (`portNumber`, `namedPort`, `portRange`); NetworkPolicy-style
/// `protocol`/`port`/`endPort` entries are accepted too.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TierPortRaw {
    port_number: Option<PortNumberRaw>,
    named_port: Option<String>,
    port_range: Option<PortRangeRaw>,
    protocol: Option<String>,
    port: Option<Value>,
    end_port: Option<u16>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PortNumberRaw {
    protocol: Option<String>,
    port: u16,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PortRangeRaw {
    protocol: Option<String>,
    start: u16,
    end: u16,
}

fn proto(p: &Option<String>) -> Option<Protocol> {
    match p {
        None => Some(Protocol::Tcp),
        Some(s) => Protocol::parse(s),
    }
}

impl TierPortRaw {
    fn to_spec(&self, index: usize) -> Option<PortSpec> {
        if let Some(n) = &self.port_number {
            return (n.port > 0).then_some(PortSpec {
                protocol: proto(&n.protocol)?,
                value: PortValue::Range(n.port, n.port),
                index,
            });
        }
        if let Some(n) = &self.named_port {
            // ANP namedPort carries no protocol: the container port's own protocol applies.
            return Some(PortSpec {
                protocol: Protocol::Tcp,
                value: PortValue::NamedAnyProtocol(n.clone()),
                index,
            });
        }
        if let Some(r) = &self.port_range {
            return (r.start > 0 && r.start <= r.end).then_some(PortSpec {
                protocol: proto(&r.protocol)?,
                value: PortValue::Range(r.start, r.end),
                index,
            });
        }
        let protocol = proto(&self.protocol)?;
        match &self.port {
            None => Some(PortSpec {
                protocol,
                value: PortValue::All,
                index,
            }),
            Some(Value::Number(n)) => {
                let lo = u16::try_from(n.as_u64()?).ok().filter(|&p| p > 0)?;
                let hi = self.end_port.unwrap_or(lo);
                (hi >= lo).then_some(PortSpec {
                    protocol,
                    value: PortValue::Range(lo, hi),
                    index,
                })
            }
            Some(Value::String(s)) => Some(PortSpec {
                protocol,
                value: PortValue::Named(s.clone()),
                index,
            }),
            _ => None,
        }
    }
}
