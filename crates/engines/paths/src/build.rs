//! Builds the attack graph from the inventory. Every edge is an answer of an
//! engine (NetworkPolicy reachability, Pod Security checks, IAM trust and
//! policy evaluation, RBAC rules), with the evidence that makes it.

use crate::escape::{self, PodFacts};
use crate::expose;
use crate::model::*;
use crate::rbac;
use crate::{Input, NetpolMode, Note};
use eksguard_core::aws::AwsFacts;
use eksguard_core::{JsonPath, Object, ObjectRef};
use eksguard_iam::{
    Account, Binding, BindingStatus, BlastInput, ClusterFacts, Decision, Evaluator, Policy,
    Principal, Request, RoleAccess, Via, Workload as IamWorkload, binding_status, blast_radius,
};
use eksguard_netpol::analysis::{Enforcement, eks_enforcement};
use eksguard_netpol::{Cluster, ContainerPort, Labels, Protocol, Reachability};
use eksguard_pss::{Evaluator as PssEvaluator, Policy as PssPolicy};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

/// The address of the EC2 instance metadata service.
pub const IMDS: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);

/// The risk rules of the IAM engine that count as AWS data access.
pub const DATA_RULES: &[&str] = &[
    "s3-read-all",
    "secrets-read-all",
    "ssm-parameters-read-all",
    "ssm-parameters-path-all",
    "kms-decrypt-all",
];

/// A workload as the graph sees it.
#[derive(Debug, Clone)]
pub struct WorkloadInfo {
    pub id: eksguard_netpol::WorkloadId,
    pub label: String,
    pub namespace: String,
    /// The object holding the pod spec (the top owner, or a pod of it).
    pub object: Option<usize>,
    pub service_account: String,
    pub host_network: bool,
    /// Pod-network class (same namespace, labels and ports).
    pub class: Option<u32>,
    pub node: u32,
    pub ports: Vec<ContainerPort>,
}

/// A node pool: where pods may run, and what IMDS gives there.
#[derive(Debug, Clone)]
pub struct Pool {
    pub name: String,
    pub role: Option<String>,
    /// Why pod-network pods reach IMDS there (`None`: they do not).
    pub pods_reach_imds: Option<String>,
    /// Why host-network pods and the node itself reach it.
    pub host_imds: String,
}

/// What the graph was built from, kept for showing paths.
pub struct Built {
    pub graph: Graph,
    pub workloads: Vec<WorkloadInfo>,
    pub cluster: Arc<Cluster>,
    pub reach: Arc<Reachability>,
    /// Class representatives (workload index).
    pub class_rep: Vec<usize>,
    pub enforcement: Enforcement,
    /// Whether NetworkPolicies were treated as enforced.
    pub enforced: bool,
    pub notes: Vec<Note>,
    pub warnings: Vec<String>,
}

struct B<'i, 'a> {
    input: &'i Input<'a>,
    g: Graph,
    index: HashMap<NodeKind, u32>,
    notes: Vec<Note>,
    warnings: Vec<String>,
}

impl B<'_, '_> {
    fn node(&mut self, k: NodeKind) -> u32 {
        if let Some(&i) = self.index.get(&k) {
            return i;
        }
        let i = self.g.nodes.len() as u32;
        self.g.nodes.push(k.clone());
        self.index.insert(k, i);
        i
    }

    fn evidence(
        &mut self,
        kind: StepKind,
        object: impl Into<String>,
        because: String,
        anchor: Anchor,
    ) -> u32 {
        self.g.evidence.push(Evidence {
            kind,
            object: object.into(),
            because: Because::Text(because),
            anchor,
        });
        (self.g.evidence.len() - 1) as u32
    }

    fn edge(&mut self, a: u32, b: u32, ev: Option<u32>) {
        self.g.edges.push((a, b, ev));
    }

    fn cut(&mut self, gates: Vec<u32>, spec: CutSpec) -> u32 {
        let id = self.g.cuts.len() as u32;
        if gates.len() == 1 {
            let n = self.g.nodes.len();
            if self.g.gate_cut.len() < n {
                self.g.gate_cut.resize(n, None);
            }
            let slot = &mut self.g.gate_cut[gates[0] as usize];
            if slot.is_some() {
                return slot.unwrap_or(id);
            }
            *slot = Some(id);
        }
        self.g.cuts.push(CutSpec { gates, ..spec });
        id
    }
}

fn short(o: &Object) -> String {
    o.obj_ref().short()
}

fn namespace_of(o: &Object) -> &str {
    o.namespace.as_deref().unwrap_or("default")
}

/// `ObjectRef` of an IAM role.
pub fn role_ref(arn: &str) -> ObjectRef {
    ObjectRef {
        api_version: "aws:iam/2010-05-08".into(),
        kind: "AWS::IAM::Role".into(),
        namespace: None,
        name: arn.rsplit('/').next().unwrap_or(arn).to_owned(),
        arn: Some(arn.to_owned()),
    }
}

fn role_anchor(facts: Option<&AwsFacts>, arn: &str, path: JsonPath) -> Anchor {
    Anchor::Aws {
        object: role_ref(arn),
        source: facts
            .and_then(|f| f.role_by_arn(arn))
            .map(|r| r.source.clone()),
        path,
    }
}

fn ip(r: &eksguard_netpol::IpRange) -> IpAddr {
    match r.family {
        eksguard_netpol::Family::V4 => IpAddr::V4(Ipv4Addr::from(r.start as u32)),
        eksguard_netpol::Family::V6 => IpAddr::V6(Ipv6Addr::from(r.start)),
    }
}

fn labels_of(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Builds the graph. `mode` says how to treat NetworkPolicies when the input
/// shows enforcement off.
pub fn build(input: &Input<'_>, mode: NetpolMode) -> Built {
    let objects = input.objects;
    let t = std::time::Instant::now();
    let (cluster, _) = Cluster::from_objects(objects.iter().map(|o| &o.raw));
    let cluster = Arc::new(cluster);
    let reach = Arc::new(cluster.reachability());
    if std::env::var_os("EKSGUARD_PATHS_TIMING").is_some() {
        eprintln!("paths: NetworkPolicy reachability in {:.3?}", t.elapsed());
    }
    build_with(input, mode, cluster, reach)
}

pub(crate) fn build_with(
    input: &Input<'_>,
    mode: NetpolMode,
    cluster: Arc<Cluster>,
    reach: Arc<Reachability>,
) -> Built {
    let objects = input.objects;
    let mut b = B {
        input,
        g: Graph::default(),
        index: HashMap::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
    };
    let timing = std::env::var_os("EKSGUARD_PATHS_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let lap = |what: &str| {
        if timing {
            eprintln!("paths:   build: {what} at {:.3?}", t0.elapsed());
        }
    };
    let enforcement = eks_enforcement(&cluster);
    let enforced = match mode {
        NetpolMode::Enforced => true,
        NetpolMode::NotEnforced => false,
        NetpolMode::Auto => !matches!(enforcement, Enforcement::Disabled { .. }),
    };
    let unenforced_reason = match (&enforcement, enforced) {
        (_, true) => None,
        (Enforcement::Disabled { reason }, false) => Some(reason.clone()),
        (_, false) => Some(
            "NetworkPolicies taken as not enforced (--netpol-enforcement not-enforced)".to_owned(),
        ),
    };
    let internet = b.node(NodeKind::Internet);
    b.g.internet = internet;
    for t in TargetKind::ALL {
        let n = b.node(NodeKind::Target(t));
        b.g.targets.push((t, n));
    }

    // ---------- objects by kind ----------
    let mut top: HashMap<(String, String, String), usize> = HashMap::new();
    let mut pod_by_owner: HashMap<(String, String, String), usize> = HashMap::new();
    let mut pod_by_owner_name: HashMap<(String, String), usize> = HashMap::new();
    let mut sa_objects: HashMap<(String, String), usize> = HashMap::new();
    let mut services = Vec::new();
    let mut ingresses = Vec::new();
    let mut ingress_classes = Vec::new();
    let mut class_params = Vec::new();
    let mut roles_k8s: HashMap<(String, String), usize> = HashMap::new();
    let mut cluster_roles: HashMap<String, usize> = HashMap::new();
    let mut bindings_k8s = Vec::new();
    let mut token_secrets: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    let mut aws_auth = None;
    let mut node_classes = Vec::new();
    let mut node_pools_k8s = false;
    for (i, o) in objects.iter().enumerate() {
        let ns = namespace_of(o).to_owned();
        match (o.group(), o.kind.as_str()) {
            ("", "ServiceAccount") => {
                sa_objects.entry((ns.clone(), o.name.clone())).or_insert(i);
            }
            ("", "Service") => services.push(i),
            ("networking.k8s.io" | "extensions", "Ingress") => ingresses.push(i),
            ("networking.k8s.io", "IngressClass") => ingress_classes.push(i),
            ("eks.amazonaws.com" | "elbv2.k8s.aws", "IngressClassParams") => class_params.push(i),
            ("rbac.authorization.k8s.io", "Role") => {
                roles_k8s.entry((ns.clone(), o.name.clone())).or_insert(i);
            }
            ("rbac.authorization.k8s.io", "ClusterRole") => {
                cluster_roles.entry(o.name.clone()).or_insert(i);
            }
            ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
                bindings_k8s.push(i)
            }
            ("", "Secret") => {
                if let Some(sa) = o.annotation("kubernetes.io/service-account.name") {
                    token_secrets
                        .entry(ns.clone())
                        .or_default()
                        .push((sa.to_owned(), i));
                }
            }
            ("", "ConfigMap") if ns == "kube-system" && o.name == "aws-auth" => aws_auth = Some(i),
            ("eks.amazonaws.com", "NodeClass") => node_classes.push(i),
            ("karpenter.sh", "NodePool") => node_pools_k8s = true,
            _ => {}
        }
        if o.is_workload() && o.kind != "PodTemplate" {
            top.entry((ns.clone(), o.kind.clone(), o.name.clone()))
                .or_insert(i);
            if o.kind == "Pod"
                && let Some(refs) = o
                    .raw
                    .pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
            {
                let pick = refs
                    .iter()
                    .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
                    .or_else(|| refs.first());
                if let Some(r) = pick {
                    let name = r
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    let kind = r
                        .get("kind")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    pod_by_owner
                        .entry((ns.clone(), kind, name.clone()))
                        .or_insert(i);
                    pod_by_owner_name.entry((ns.clone(), name)).or_insert(i);
                }
            }
        }
    }

    lap("before node pools");
    // ---------- node pools ----------
    let facts = input.aws;
    let iam = input.iam.as_ref();
    let mut pools: Vec<Pool> = Vec::new();
    let host_imds =
        "a host-network process is on the node itself: IMDS answers it whatever the hop limit"
            .to_owned();
    if let Some(c) = facts.and_then(|f| f.cluster.as_ref())
        && let Some(cc) = &c.compute_config
        && cc.enabled == Some(true)
    {
        pools.push(Pool {
            name: "EKS Auto Mode nodes".into(),
            role: cc
                .node_role_arn
                .clone()
                .or_else(|| iam.and_then(|i| i.node_role.map(str::to_owned))),
            pods_reach_imds: None,
            host_imds: host_imds.clone(),
        });
    }
    if let Some(f) = facts {
        for ng in &f.nodegroups {
            let lt = ng.launch_template.as_ref().and_then(|spec| {
                f.launch_template_versions.iter().find(|v| {
                    (spec.id.is_some() && v.launch_template_id == spec.id)
                        || (spec.name.is_some() && v.launch_template_name == spec.name)
                })
            });
            let meta = lt
                .and_then(|v| v.launch_template_data.as_ref())
                .and_then(|d| d.metadata_options.as_ref());
            let pods = match meta {
                Some(m) if m.http_endpoint.as_deref() == Some("disabled") => None,
                Some(m) if m.http_tokens.as_deref() != Some("required") => Some("the launch template allows IMDSv1 (HttpTokens optional), which ignores the hop limit".to_owned()),
                Some(m) => match m.http_put_response_hop_limit {
                    Some(h) if h >= 2 => Some(format!("the launch template sets HttpPutResponseHopLimit {h}: IMDSv2 answers pods")),
                    Some(_) => None,
                    None => Some("the launch template's hop limit is not set: taken as reachable".to_owned()),
                },
                None => Some("the node group's launch template metadata options are not in the input: taken as reachable".to_owned()),
            };
            pools.push(Pool {
                name: format!("node group {}", ng.nodegroup_name),
                role: ng.node_role.clone(),
                pods_reach_imds: pods,
                host_imds: host_imds.clone(),
            });
        }
    }
    if pools.is_empty() {
        let auto = !node_classes.is_empty() || node_pools_k8s;
        let role = iam
            .and_then(|i| i.node_role.map(str::to_owned))
            .or_else(|| {
                // NodeClass `spec.role` names the role; find it in the account.
                let name = node_classes
                    .first()
                    .and_then(|&i| objects[i].raw.pointer("/spec/role"))
                    .and_then(Value::as_str)?;
                iam?.account
                    .roles
                    .iter()
                    .find(|r| r.arn.rsplit('/').next() == Some(name))
                    .map(|r| r.arn.clone())
            });
        pools.push(Pool {
            name: if auto {
                "EKS Auto Mode nodes".into()
            } else {
                "cluster nodes".into()
            },
            role,
            pods_reach_imds: None,
            host_imds: host_imds.clone(),
        });
        if !auto {
            b.warnings.push(
                "no node pool in the input (no EKS cluster, node group or NodeClass): IMDS is taken as out of reach of pod-network pods".into(),
            );
        }
    }
    let kube_nodes: Vec<u32> = pools
        .iter()
        .map(|p| b.node(NodeKind::KubeNode(p.name.clone())))
        .collect();

    lap("before workloads");
    // ---------- workloads ----------
    let pss_eval = PssEvaluator::new(input.options.k8s_minor);
    let ns_policy = |ns: &str| -> (PssPolicy, bool) {
        let labels: BTreeMap<String, String> = cluster
            .namespace(ns)
            .map(|n| n.labels.clone().into_iter().collect())
            .unwrap_or_default();
        let (p, _) = PssPolicy::from_labels(&labels, input.options.pss_defaults);
        let exempt = input
            .options
            .pss_exemptions
            .namespaces
            .iter()
            .any(|n| n == ns);
        (p, exempt)
    };
    let mut workloads: Vec<WorkloadInfo> = Vec::new();
    let mut facts_of: Vec<PodFacts> = Vec::new();
    let mut class_key: HashMap<(String, Labels, Vec<ContainerPort>), u32> = HashMap::new();
    let mut class_rep: Vec<usize> = Vec::new();
    for w in cluster.workloads() {
        let id = &w.id;
        let kind = id.kind.as_str();
        let object = top
            .get(&(id.namespace.clone(), kind.to_owned(), id.name.clone()))
            .or_else(|| pod_by_owner.get(&(id.namespace.clone(), kind.to_owned(), id.name.clone())))
            .or_else(|| pod_by_owner_name.get(&(id.namespace.clone(), id.name.clone())))
            .copied();
        let (policy, exempt) = ns_policy(&id.namespace);
        let pf = object
            .map(|i| {
                escape::pod_facts(
                    &objects[i],
                    &pss_eval,
                    &policy,
                    &input.options.pss_exemptions,
                )
            })
            .unwrap_or_default();
        if w.pod_objects == 0
            && let Some(why) = &pf.rejected
        {
            b.notes.push(Note {
                kind: StepKind::RunsAs,
                object: id.to_string(),
                because: format!(
                    "not a source: its pods are rejected by PodSecurity admission ({why})"
                ),
            });
            continue;
        }
        let _ = exempt;
        let spec = object.and_then(|i| objects[i].pod_spec());
        let sa = spec
            .as_ref()
            .map_or("default", |s| s.service_account())
            .to_owned();
        let node = b.node(NodeKind::Workload(id.to_string()));
        let class = (!w.host_network).then(|| {
            let key = (id.namespace.clone(), w.labels.clone(), w.ports.clone());
            let next = class_key.len() as u32;
            *class_key.entry(key).or_insert_with(|| {
                class_rep.push(workloads.len());
                next
            })
        });
        workloads.push(WorkloadInfo {
            id: id.clone(),
            label: id.to_string(),
            namespace: id.namespace.clone(),
            object,
            service_account: sa,
            host_network: w.host_network,
            class,
            node,
            ports: w.ports.clone(),
        });
        facts_of.push(pf);
        b.g.sources.push(node);
    }
    b.g.sources.insert(0, internet);
    let nclasses = class_rep.len();
    let has_hn = workloads.iter().any(|w| w.host_network);

    lap("before lateral movement");
    // ---------- lateral movement ----------
    let lateral_ev = {
        b.g.evidence.push(Evidence {
            kind: StepKind::Lateral,
            object: String::new(),
            because: Because::Lateral {
                unenforced: unenforced_reason.clone(),
            },
            anchor: Anchor::None,
        });
        (b.g.evidence.len() - 1) as u32
    };
    let class_out: Vec<u32> = (0..nclasses as u32)
        .map(|c| b.node(NodeKind::ClassOut(c)))
        .collect();
    let class_in: Vec<u32> = (0..nclasses as u32)
        .map(|c| b.node(NodeKind::ClassIn(c)))
        .collect();
    let (hn_out, hn_in) = if has_hn {
        (
            Some(b.node(NodeKind::ClassOut(u32::MAX))),
            Some(b.node(NodeKind::ClassIn(u32::MAX))),
        )
    } else {
        (None, None)
    };
    let wid = |i: usize| &workloads[i].id;
    if enforced {
        // Pairs the engine allows, read off its matrix in one pass (a
        // connection's workloads point into `reach.workloads()`).
        let rw = reach.workloads();
        let base = rw.as_ptr() as usize;
        let size = std::mem::size_of::<eksguard_netpol::WorkloadId>().max(1);
        let mine: HashMap<&eksguard_netpol::WorkloadId, usize> = workloads
            .iter()
            .enumerate()
            .map(|(i, w)| (&w.id, i))
            .collect();
        let class_of_reach: Vec<Option<u32>> = rw
            .iter()
            .map(|id| mine.get(id).and_then(|&i| workloads[i].class))
            .collect();
        let mut seen = vec![false; nclasses * nclasses];
        for c in reach.connections() {
            let (eksguard_netpol::PeerRef::Workload(s), eksguard_netpol::PeerRef::Workload(d)) =
                (c.src, c.dst)
            else {
                break;
            };
            let si = (s as *const eksguard_netpol::WorkloadId as usize - base) / size;
            let di = (d as *const eksguard_netpol::WorkloadId as usize - base) / size;
            let (Some(cs), Some(cd)) = (
                class_of_reach.get(si).copied().flatten(),
                class_of_reach.get(di).copied().flatten(),
            ) else {
                continue;
            };
            let k = cs as usize * nclasses + cd as usize;
            if !seen[k] {
                seen[k] = true;
                b.edge(
                    class_out[cs as usize],
                    class_in[cd as usize],
                    Some(lateral_ev),
                );
            }
        }
    } else {
        let hub = b.node(NodeKind::Unenforced);
        for c in 0..nclasses {
            b.edge(class_out[c], hub, None);
            b.edge(hub, class_in[c], Some(lateral_ev));
        }
    }
    if let (Some(o), Some(i)) = (hn_out, hn_in) {
        // Host-network pods: the NetworkPolicy engine allows everything to
        // and from them, whatever the other end's policies say, so these
        // edges bypass the other end's policy gates.
        b.edge(o, i, Some(lateral_ev));
        for w in workloads.iter().filter(|w| !w.host_network) {
            b.edge(o, w.node, Some(lateral_ev));
            b.edge(w.node, i, Some(lateral_ev));
        }
    }
    let np_cuttable = enforced;
    for (wi, w) in workloads.iter().enumerate() {
        let node = w.node;
        match w.class {
            Some(c) => {
                let win = b.node(NodeKind::WorkloadIn(w.label.clone()));
                let wout = b.node(NodeKind::WorkloadOut(w.label.clone()));
                b.edge(class_in[c as usize], win, None);
                b.edge(win, node, None);
                b.edge(node, wout, None);
                b.edge(wout, class_out[c as usize], None);
                if np_cuttable {
                    let anchor = w.object.map_or(Anchor::None, |i| Anchor::Object {
                        index: i,
                        path: JsonPath::keys(&["metadata", "name"]),
                    });
                    b.cut(vec![win], CutSpec {
                        kind: CutKind::NetworkPolicyIngress,
                        change: format!(
                            "Add a NetworkPolicy in namespace {} selecting {} for Ingress that admits only the peers it needs (pods elsewhere in the cluster can reach it today)",
                            w.namespace, w.label
                        ),
                        object: w.label.clone(),
                        anchor: anchor.clone(),
                        gates: vec![],
                        exact: true,
                    });
                    b.cut(vec![wout], CutSpec {
                        kind: CutKind::NetworkPolicyEgress,
                        change: format!(
                            "Add a NetworkPolicy in namespace {} selecting {} for Egress that allows only the destinations it needs (and not 169.254.169.254)",
                            w.namespace, w.label
                        ),
                        object: w.label.clone(),
                        anchor,
                        gates: vec![],
                        exact: true,
                    });
                }
            }
            None => {
                if let (Some(o), Some(i)) = (hn_out, hn_in) {
                    b.edge(i, node, None);
                    b.edge(node, o, None);
                }
            }
        }
        let _ = wi;
    }

    lap("before node credentials (IMDS)");
    // ---------- node credentials (IMDS) ----------
    let pool_roles: Vec<Option<u32>> = pools
        .iter()
        .map(|p| p.role.clone().map(|r| b.node(NodeKind::Role(r))))
        .collect();
    for (pi, p) in pools.iter().enumerate() {
        let Some(role) = pool_roles[pi] else { continue };
        let arn = p.role.clone().unwrap_or_default();
        let ev = b.evidence(
            StepKind::NodeCredentials,
            arn.clone(),
            format!(
                "the node's instance role on {}, from the instance metadata service of the node",
                p.name
            ),
            Anchor::None,
        );
        b.edge(kube_nodes[pi], role, Some(ev));
        if let Some(why) = &p.pods_reach_imds {
            for (c, &rep) in class_rep.iter().enumerate() {
                let allowed = !enforced
                    || reach
                        .to_address(wid(rep), IpAddr::V4(IMDS))
                        .is_some_and(|conn| conn.contains(Protocol::Tcp, 80));
                if allowed {
                    let ev = b.evidence(
                        StepKind::NodeCredentials,
                        arn.clone(),
                        format!(
                            "pods on {} reach IMDS ({why}) and {} egress to 169.254.169.254 TCP/80",
                            p.name,
                            if enforced {
                                "the NetworkPolicies allow"
                            } else {
                                "nothing enforces"
                            }
                        ),
                        Anchor::None,
                    );
                    b.edge(class_out[c], role, Some(ev));
                }
            }
        }
    }
    for (wi, w) in workloads.iter().enumerate() {
        if !w.host_network {
            continue;
        }
        let gate = b.node(NodeKind::HostNetGate(w.label.clone()));
        b.edge(w.node, gate, None);
        let mut any = false;
        for (pi, p) in pools.iter().enumerate() {
            let Some(role) = pool_roles[pi] else { continue };
            let ev = b.evidence(
                StepKind::NodeCredentials,
                p.role.clone().unwrap_or_default(),
                format!("hostNetwork: true on {}: {}", p.name, p.host_imds),
                w.object
                    .map_or(Anchor::None, |i| host_network_anchor(objects, i)),
            );
            b.edge(gate, role, Some(ev));
            any = true;
        }
        if any {
            let anchor = w
                .object
                .map_or(Anchor::None, |i| host_network_anchor(objects, i));
            b.cut(vec![gate], CutSpec {
                kind: CutKind::RemoveHostNetwork,
                change: format!("Remove hostNetwork: true from {} (it reaches the node's instance metadata service)", w.label),
                object: w.label.clone(),
                anchor,
                gates: vec![],
                exact: false,
            });
        }
        let _ = wi;
    }

    lap("before escape");
    // ---------- escape ----------
    for (wi, w) in workloads.iter().enumerate() {
        let causes = &facts_of[wi].escape;
        if causes.is_empty() {
            continue;
        }
        let gate = b.node(NodeKind::EscapeGate(w.label.clone()));
        b.edge(w.node, gate, None);
        let what: Vec<&str> = causes.iter().map(|c| c.what.as_str()).collect();
        let anchor = w.object.map_or(Anchor::None, |i| Anchor::Object {
            index: i,
            path: causes[0].path.clone(),
        });
        for (pi, &kn) in kube_nodes.iter().enumerate() {
            let ev = b.evidence(
                StepKind::Escape,
                pools[pi].name.clone(),
                format!(
                    "Pod Security baseline fails on {} of {}: the pod is equivalent to its node (root on it, every pod and credential there)",
                    what.join(", "),
                    w.label
                ),
                anchor.clone(),
            );
            b.edge(gate, kn, Some(ev));
        }
        b.cut(
            vec![gate],
            CutSpec {
                kind: CutKind::HardenPod,
                change: format!("Remove {} from {}", what.join(", "), w.label),
                object: w.label.clone(),
                anchor,
                gates: vec![],
                exact: true,
            },
        );
    }
    for (pi, &kn) in kube_nodes.iter().enumerate() {
        let gate = b.node(NodeKind::TargetGate(
            pools[pi].name.clone(),
            TargetKind::NodeTakeover,
        ));
        // The step that lands on the node already says why; reaching the
        // target from the node adds no step.
        b.edge(kn, gate, None);
        let t = b.node(NodeKind::Target(TargetKind::NodeTakeover));
        b.edge(gate, t, None);
    }

    lap("before ServiceAccounts");
    // ---------- ServiceAccounts ----------
    let mut sas_by_ns: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (ns, name) in sa_objects.keys() {
        sas_by_ns
            .entry(ns.clone())
            .or_default()
            .insert(name.clone());
    }
    for w in &workloads {
        sas_by_ns
            .entry(w.namespace.clone())
            .or_default()
            .insert(w.service_account.clone());
    }
    for n in cluster.namespaces() {
        sas_by_ns
            .entry(n.name.clone())
            .or_default()
            .insert("default".into());
    }
    let sa_key = |ns: &str, name: &str| format!("{ns}/{name}");
    for (wi, w) in workloads.iter().enumerate() {
        let key = sa_key(&w.namespace, &w.service_account);
        let sa_aws = b.node(NodeKind::SaAws(key.clone()));
        b.edge(w.node, sa_aws, None);
        // Token automount: the pod's field wins over the ServiceAccount's.
        let spec_field = w
            .object
            .and_then(|i| objects[i].pod_spec())
            .and_then(|s| s.bool_field("automountServiceAccountToken"));
        let sa_obj = sa_objects
            .get(&(w.namespace.clone(), w.service_account.clone()))
            .copied();
        let sa_field = sa_obj
            .and_then(|i| objects[i].raw.get("automountServiceAccountToken"))
            .and_then(Value::as_bool);
        let mounted = spec_field.or(sa_field).unwrap_or(true);
        if !mounted {
            continue;
        }
        let gate = b.node(NodeKind::TokenGate(w.label.clone()));
        let tok = b.node(NodeKind::SaToken(key.clone()));
        b.edge(w.node, gate, None);
        let why = match (spec_field, sa_field) {
            (Some(true), _) => "the pod sets automountServiceAccountToken: true".to_owned(),
            (None, Some(true)) => {
                format!("ServiceAccount {key} sets automountServiceAccountToken: true")
            }
            _ => "automountServiceAccountToken is not false (the default mounts the token)"
                .to_owned(),
        };
        let anchor = match w.object {
            Some(i) => {
                let base = objects[i]
                    .pod_spec()
                    .map(|s| s.path)
                    .unwrap_or_else(JsonPath::root);
                Anchor::Object {
                    index: i,
                    path: base.key("automountServiceAccountToken"),
                }
            }
            None => Anchor::None,
        };
        let ev = b.evidence(
            StepKind::Token,
            format!("ServiceAccount {key}"),
            format!("{why}: the pods hold the ServiceAccount's Kubernetes API token"),
            anchor.clone(),
        );
        b.edge(gate, tok, Some(ev));
        b.cut(vec![gate], CutSpec {
            kind: CutKind::NoTokenAutomount,
            change: format!("Set automountServiceAccountToken: false in the pod spec of {} (its ServiceAccount token opens the RBAC steps)", w.label),
            object: w.label.clone(),
            anchor,
            gates: vec![],
            exact: true,
        });
        let _ = wi;
    }

    lap("before exposure");
    // ---------- exposure ----------
    let node_sgs = facts
        .map(|f| expose::node_security_groups(f, objects))
        .unwrap_or_default();
    let ext_sources = reach.external_sources().to_vec();
    let external_ok = |w: &WorkloadInfo, proto: Protocol, port: u16| -> Option<String> {
        if w.host_network {
            return Some("host-network pod: no NetworkPolicy applies".into());
        }
        let from: Vec<String> = ext_sources
            .iter()
            .filter(|r| {
                reach
                    .from_address(ip(r), &w.id)
                    .is_some_and(|c| c.contains(proto, port))
            })
            .map(|r| r.to_string())
            .collect();
        let shown = if from.len() > 2 {
            format!("{}, … ({} ranges)", from[..2].join(", "), from.len())
        } else {
            from.join(", ")
        };
        match (enforced, from.is_empty()) {
            (true, true) => None,
            (true, false) => Some(format!(
                "the NetworkPolicies admit {proto}/{port} from outside the cluster ({shown})"
            )),
            (false, denied) => Some(format!(
                "NetworkPolicies are not enforced ({}); as written they would {}",
                unenforced_reason.as_deref().unwrap_or(""),
                if denied {
                    format!("deny {proto}/{port} from outside the cluster")
                } else {
                    format!("admit it from {shown}")
                }
            )),
        }
    };
    let select = |svc: &Object| -> Vec<usize> {
        let sel = labels_of(svc.raw.pointer("/spec/selector"));
        if sel.is_empty() {
            return Vec::new();
        }
        let ns = namespace_of(svc);
        cluster
            .workloads()
            .iter()
            .filter(|w| w.id.namespace == ns && sel.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
            .filter_map(|w| workloads.iter().position(|x| x.id == w.id))
            .collect()
    };
    // (proto, port) the pods receive for a Service port entry.
    let target_port = |w: &WorkloadInfo, p: &Value| -> Option<(Protocol, u16)> {
        let proto = p
            .get("protocol")
            .and_then(Value::as_str)
            .and_then(Protocol::parse)
            .unwrap_or(Protocol::Tcp);
        match p.get("targetPort") {
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .map(|n| (proto, n)),
            Some(Value::String(name)) => w
                .ports
                .iter()
                .find(|cp| cp.name.as_deref() == Some(name.as_str()) && cp.protocol == proto)
                .map(|cp| (proto, cp.port)),
            _ => p
                .get("port")
                .and_then(Value::as_u64)
                .and_then(|n| u16::try_from(n).ok())
                .map(|n| (proto, n)),
        }
    };
    let expose_to = |b: &mut B<'_, '_>,
                     gate: u32,
                     obj_idx: usize,
                     ports: &[Value],
                     targets: &[usize],
                     via: &str| {
        for &wi in targets {
            let w = &workloads[wi];
            for p in ports {
                let Some((proto, port)) = target_port(w, p) else {
                    continue;
                };
                match external_ok(w, proto, port) {
                    Some(why) => {
                        let ev = b.evidence(
                            StepKind::Ingress,
                            w.label.clone(),
                            format!("{via} forwards to {} on {proto}/{port}; {why}", w.label),
                            Anchor::Object { index: obj_idx, path: JsonPath::keys(&["spec", "selector"]) },
                        );
                        b.edge(gate, w.node, Some(ev));
                        break;
                    }
                    None => b.notes.push(Note {
                        kind: StepKind::Ingress,
                        object: w.label.clone(),
                        because: format!("{via} forwards {proto}/{port} but the NetworkPolicies admit no traffic from outside the cluster on it"),
                    }),
                }
            }
        }
    };
    for &si in &services {
        let svc = &objects[si];
        let label = short(svc);
        let ports: Vec<Value> = svc
            .raw
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let targets = select(svc);
        match expose::service_scheme(svc) {
            Ok(s) => {
                let lb = b.node(NodeKind::Exposure(label.clone()));
                let ev = b.evidence(
                    StepKind::Exposure,
                    label.clone(),
                    s.because.clone(),
                    Anchor::Object {
                        index: si,
                        path: s.path.clone(),
                    },
                );
                b.edge(internet, lb, Some(ev));
                expose_to(
                    &mut b,
                    lb,
                    si,
                    &ports,
                    &targets,
                    &format!("the load balancer of {label}"),
                );
                b.cut(vec![lb], CutSpec {
                    kind: CutKind::MakeInternal,
                    change: format!("Make the load balancer of {label} internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal), or put it behind an authenticated entry point"),
                    object: label.clone(),
                    anchor: Anchor::Object { index: si, path: s.path },
                    gates: vec![],
                    exact: true,
                });
            }
            Err(why) => {
                if svc.raw.pointer("/spec/type").and_then(Value::as_str) == Some("LoadBalancer") {
                    b.notes.push(Note {
                        kind: StepKind::Exposure,
                        object: label.clone(),
                        because: format!("not internet-facing: {why}"),
                    });
                }
            }
        }
        // Node ports (on NodePort and LoadBalancer Services).
        let ty = svc
            .raw
            .pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP");
        if matches!(ty, "NodePort" | "LoadBalancer") {
            for (pi, p) in ports.iter().enumerate() {
                let Some(np) = p
                    .get("nodePort")
                    .and_then(Value::as_u64)
                    .and_then(|n| u16::try_from(n).ok())
                else {
                    continue;
                };
                let proto = p
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_ascii_lowercase();
                let Some(sg) = expose::open_to_internet(&node_sgs, &proto, np) else {
                    continue;
                };
                let gate = b.node(NodeKind::Exposure(format!("{label} nodePort {np}")));
                let path = JsonPath::keys(&["spec", "ports"]).index(pi).key("nodePort");
                let ev = b.evidence(
                    StepKind::Exposure,
                    label.clone(),
                    format!("nodePort {np}: {sg}"),
                    Anchor::Object {
                        index: si,
                        path: path.clone(),
                    },
                );
                b.edge(internet, gate, Some(ev));
                expose_to(
                    &mut b,
                    gate,
                    si,
                    std::slice::from_ref(p),
                    &targets,
                    &format!("node port {np} of {label}"),
                );
                b.cut(vec![gate], CutSpec {
                    kind: CutKind::MakeInternal,
                    change: format!("Close {proto}/{np} to 0.0.0.0/0 on the nodes' security group, or drop the nodePort of {label}"),
                    object: label.clone(),
                    anchor: Anchor::Object { index: si, path },
                    gates: vec![],
                    exact: true,
                });
            }
        }
    }
    for &ii in &ingresses {
        let ing = &objects[ii];
        let label = short(ing);
        match expose::ingress_scheme(ing, objects, &ingress_classes, &class_params) {
            Ok(s) => {
                let lb = b.node(NodeKind::Exposure(label.clone()));
                let ev = b.evidence(
                    StepKind::Exposure,
                    label.clone(),
                    s.because.clone(),
                    Anchor::Object {
                        index: ii,
                        path: s.path.clone(),
                    },
                );
                b.edge(internet, lb, Some(ev));
                let ns = namespace_of(ing).to_owned();
                let mut backends: Vec<&Value> = Vec::new();
                if let Some(d) = ing.raw.pointer("/spec/defaultBackend/service") {
                    backends.push(d);
                }
                for r in ing
                    .raw
                    .pointer("/spec/rules")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    for p in r
                        .pointer("/http/paths")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(s) = p.pointer("/backend/service") {
                            backends.push(s);
                        }
                    }
                }
                for be in backends {
                    let Some(name) = be.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    let Some(&si) = services
                        .iter()
                        .find(|&&si| objects[si].name == name && namespace_of(&objects[si]) == ns)
                    else {
                        continue;
                    };
                    let svc = &objects[si];
                    let want_num = be.pointer("/port/number").and_then(Value::as_u64);
                    let want_name = be.pointer("/port/name").and_then(Value::as_str);
                    let ports: Vec<Value> = svc
                        .raw
                        .pointer("/spec/ports")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter(|p| {
                            (want_num.is_some()
                                && p.get("port").and_then(Value::as_u64) == want_num)
                                || (want_name.is_some()
                                    && p.get("name").and_then(Value::as_str) == want_name)
                        })
                        .cloned()
                        .collect();
                    let targets = select(svc);
                    expose_to(
                        &mut b,
                        lb,
                        ii,
                        &ports,
                        &targets,
                        &format!("the load balancer of {label} (backend {})", short(svc)),
                    );
                }
                b.cut(
                    vec![lb],
                    CutSpec {
                        kind: CutKind::MakeInternal,
                        change: format!(
                            "Make the load balancer of {label} internal (scheme: internal)"
                        ),
                        object: label.clone(),
                        anchor: Anchor::Object {
                            index: ii,
                            path: s.path,
                        },
                        gates: vec![],
                        exact: true,
                    },
                );
            }
            Err(why) => b.notes.push(Note {
                kind: StepKind::Exposure,
                object: label,
                because: format!("not internet-facing: {why}"),
            }),
        }
    }
    // Host ports and the ports of host-network pods, on the nodes' addresses.
    for (wi, w) in workloads.iter().enumerate() {
        let Some(oi) = w.object else { continue };
        let Some(spec) = objects[oi].pod_spec() else {
            continue;
        };
        for c in spec.containers() {
            for (pi, p) in c
                .value
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let host = p.get("hostPort").and_then(Value::as_u64).or_else(|| {
                    w.host_network
                        .then(|| p.get("containerPort").and_then(Value::as_u64))
                        .flatten()
                });
                let Some(port) = host.and_then(|n| u16::try_from(n).ok()) else {
                    continue;
                };
                let proto = p
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_ascii_lowercase();
                let Some(sg) = expose::open_to_internet(&node_sgs, &proto, port) else {
                    continue;
                };
                let path = c.path.clone().key("ports").index(pi);
                let gate = b.node(NodeKind::Exposure(format!("{} host port {port}", w.label)));
                let ev = b.evidence(
                    StepKind::Exposure,
                    w.label.clone(),
                    format!("host port {port} on every node it runs on: {sg}"),
                    Anchor::Object {
                        index: oi,
                        path: path.clone(),
                    },
                );
                b.edge(internet, gate, Some(ev));
                let ev2 = b.evidence(StepKind::Ingress, w.label.clone(), format!("the node forwards {proto}/{port} to the pod (host port; no NetworkPolicy applies)"), Anchor::Object { index: oi, path: path.clone() });
                b.edge(gate, w.node, Some(ev2));
                b.cut(vec![gate], CutSpec {
                    kind: CutKind::MakeInternal,
                    change: format!("Close {proto}/{port} to 0.0.0.0/0 on the nodes' security group, or drop the host port of {}", w.label),
                    object: w.label.clone(),
                    anchor: Anchor::Object { index: oi, path },
                    gates: vec![],
                    exact: true,
                });
            }
        }
        let _ = wi;
    }

    lap("before RBAC");
    // ---------- RBAC ----------
    let all_ns: Vec<String> = sas_by_ns.keys().cloned().collect();
    for &bi in &bindings_k8s {
        let bo = &objects[bi];
        let cluster_scope = bo.kind == "ClusterRoleBinding";
        let bns = bo.namespace.as_deref().filter(|_| !cluster_scope);
        let rk = bo
            .raw
            .pointer("/roleRef/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        let rn = bo
            .raw
            .pointer("/roleRef/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let (role_val, role_obj): (Option<Value>, Option<usize>) = match rk {
            "ClusterRole" => match cluster_roles.get(rn) {
                Some(&i) => (Some(objects[i].raw.clone()), Some(i)),
                None => (rbac::builtin(rn), None),
            },
            "Role" => match bns.and_then(|ns| roles_k8s.get(&(ns.to_owned(), rn.to_owned()))) {
                Some(&i) => (Some(objects[i].raw.clone()), Some(i)),
                None => (None, None),
            },
            _ => (None, None),
        };
        let Some(role_val) = role_val else { continue };
        let rules = rbac::rules(&role_val);
        let grants = rbac::grants(&rules, cluster_scope);
        if grants.is_empty() {
            continue;
        }
        let blabel = format!(
            "{} {}",
            bo.kind,
            bo.namespace
                .as_deref()
                .filter(|_| !cluster_scope)
                .map_or(bo.name.clone(), |ns| format!("{ns}/{}", bo.name))
        );
        let role_label = format!("{rk} {rn}");
        let rule_text = |i: usize| -> String {
            let r = rules.iter().find(|r| r.index == i);
            match r {
                Some(r) => format!(
                    "rule {i}: {} on {}",
                    r.verbs.join(","),
                    r.resources.join(",")
                ),
                None => format!("rule {i}"),
            }
        };
        let rule_anchor = |i: usize| match role_obj {
            Some(ri) => Anchor::Object {
                index: ri,
                path: JsonPath::keys(&["rules"]).index(i),
            },
            None => Anchor::Object {
                index: bi,
                path: JsonPath::keys(&["roleRef", "name"]),
            },
        };
        let subjects: Vec<Value> = bo
            .raw
            .get("subjects")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (si, subj) in subjects.iter().enumerate() {
            let Some((sns, sname)) = rbac::subject_service_accounts(subj, bo.namespace.as_deref())
            else {
                continue;
            };
            let sas: Vec<String> = match (&sns, &sname) {
                (Some(ns), Some(n)) => sas_by_ns
                    .get(ns)
                    .filter(|s| s.contains(n))
                    .map(|_| vec![sa_key(ns, n)])
                    .unwrap_or_default(),
                (Some(ns), None) => sas_by_ns
                    .get(ns)
                    .into_iter()
                    .flatten()
                    .map(|n| sa_key(ns, n))
                    .collect(),
                _ => sas_by_ns
                    .iter()
                    .flat_map(|(ns, s)| s.iter().map(move |n| sa_key(ns, n)))
                    .collect(),
            };
            if sas.is_empty() {
                continue;
            }
            let gate = b.node(NodeKind::RbacGate(blabel.clone(), si));
            let subj_text = format!(
                "{} {}",
                subj.get("kind").and_then(Value::as_str).unwrap_or(""),
                match (&sns, subj.get("kind").and_then(Value::as_str)) {
                    (Some(ns), Some("ServiceAccount")) =>
                        format!("{ns}/{}", sname.as_deref().unwrap_or("")),
                    _ => subj
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                }
            );
            let subject_anchor = Anchor::Object {
                index: bi,
                path: JsonPath::keys(&["subjects"]).index(si),
            };
            let ev = b.evidence(
                StepKind::Rbac,
                blabel.clone(),
                format!("{blabel} binds {role_label} to {subj_text}"),
                subject_anchor.clone(),
            );
            for sa in &sas {
                let tok = b.node(NodeKind::SaToken(sa.clone()));
                b.edge(tok, gate, Some(ev));
            }
            b.cut(vec![gate], CutSpec {
                kind: CutKind::RemoveSubject,
                change: format!("Remove {subj_text} from {blabel} (or bind a narrower role than {role_label})"),
                object: blabel.clone(),
                anchor: subject_anchor,
                gates: vec![],
                exact: true,
            });
            let scope_ns: Vec<String> = match bns {
                Some(ns) => vec![ns.to_owned()],
                None => vec!["*".to_owned()],
            };
            if let Some((ri, why)) = &grants.cluster_admin {
                let ev = b.evidence(
                    StepKind::Grant,
                    role_label.clone(),
                    format!("{role_label} {}: {why} — cluster-admin", rule_text(*ri)),
                    rule_anchor(*ri),
                );
                let t = b.node(NodeKind::Target(TargetKind::ClusterAdmin));
                b.edge(gate, t, Some(ev));
                // cluster-admin is terminal: no per-namespace capabilities.
                continue;
            }
            if let Some((ri, why)) = &grants.cluster_secrets {
                let ev = b.evidence(
                    StepKind::Grant,
                    role_label.clone(),
                    format!("{role_label} {}: {why}", rule_text(*ri)),
                    rule_anchor(*ri),
                );
                let t = b.node(NodeKind::Target(TargetKind::ClusterSecrets));
                b.edge(gate, t, Some(ev));
            }
            for (k, ri, why) in &grants.caps {
                if *k == CapKind::SaToken
                    && let Some(names) = &grants.token_names
                {
                    // Only the named ServiceAccounts.
                    for ns in &scope_ns {
                        let nss: Vec<&String> = if ns == "*" {
                            all_ns.iter().collect()
                        } else {
                            vec![ns]
                        };
                        for n in nss {
                            for sa in names {
                                if sas_by_ns.get(n).is_some_and(|s| s.contains(sa)) {
                                    let ev = b.evidence(
                                        StepKind::Grant,
                                        role_label.clone(),
                                        format!(
                                            "{role_label} {}: {why} for ServiceAccount {n}/{sa}",
                                            rule_text(*ri)
                                        ),
                                        rule_anchor(*ri),
                                    );
                                    let tok = b.node(NodeKind::SaToken(sa_key(n, sa)));
                                    b.edge(gate, tok, Some(ev));
                                }
                            }
                        }
                    }
                    continue;
                }
                for ns in &scope_ns {
                    let where_ = if ns == "*" {
                        "in every namespace".to_owned()
                    } else {
                        format!("in namespace {ns}")
                    };
                    let ev = b.evidence(
                        StepKind::Grant,
                        role_label.clone(),
                        format!("{role_label} {}: {why} {where_}", rule_text(*ri)),
                        rule_anchor(*ri),
                    );
                    let cap = b.node(NodeKind::Cap(*k, ns.clone()));
                    b.edge(gate, cap, Some(ev));
                }
            }
        }
    }

    lap("before AWS: roles, bindings, chaining, access");
    // ---------- AWS: roles, bindings, chaining, access ----------
    if let Some(iam) = iam {
        aws_side(&mut b, iam, facts, &sas_by_ns, aws_auth);
    }

    lap("before capabilities");
    // ---------- capabilities ----------
    let caps: Vec<(CapKind, String, u32)> =
        b.g.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match n {
                NodeKind::Cap(k, ns) => Some((*k, ns.clone(), i as u32)),
                _ => None,
            })
            .collect();
    for (k, ns, node) in caps {
        if ns == "*" {
            for n in &all_ns {
                let c = b.node(NodeKind::Cap(k, n.clone()));
                b.edge(node, c, None);
            }
            continue;
        }
        match k {
            CapKind::CreatePods | CapKind::SaToken => {
                for sa in sas_by_ns.get(&ns).into_iter().flatten() {
                    let key = sa_key(&ns, sa);
                    let anchor =
                        sa_objects
                            .get(&(ns.clone(), sa.clone()))
                            .map_or(Anchor::None, |&i| Anchor::Object {
                                index: i,
                                path: JsonPath::keys(&["metadata", "name"]),
                            });
                    let text = if k == CapKind::CreatePods {
                        format!(
                            "create a pod in {ns} running as ServiceAccount {key} (with its token and AWS identity)"
                        )
                    } else {
                        format!("mint a token for (or impersonate) ServiceAccount {key}")
                    };
                    let kind = if k == CapKind::CreatePods {
                        StepKind::CreatePod
                    } else {
                        StepKind::Grant
                    };
                    let ev = b.evidence(kind, format!("ServiceAccount {key}"), text, anchor);
                    let tok = b.node(NodeKind::SaToken(key.clone()));
                    b.edge(node, tok, Some(ev));
                    if k == CapKind::CreatePods {
                        let aws = b.node(NodeKind::SaAws(key.clone()));
                        b.edge(node, aws, Some(ev));
                    }
                }
                if k == CapKind::CreatePods {
                    let (policy, exempt) = ns_policy(&ns);
                    if escape::admits_privileged(&policy, exempt) {
                        let why = if exempt {
                            format!(
                                "namespace {ns} is exempt from PodSecurity admission: a privileged pod is admitted"
                            )
                        } else {
                            format!(
                                "namespace {ns} enforces Pod Security level \"{}\": a privileged pod is admitted",
                                policy.enforce.level.as_str()
                            )
                        };
                        let anchor = objects
                            .iter()
                            .position(|o| o.is("", "Namespace") && o.name == ns)
                            .map_or(Anchor::None, |i| Anchor::Object {
                                index: i,
                                path: JsonPath::keys(&["metadata", "labels"]),
                            });
                        let ev =
                            b.evidence(StepKind::CreatePod, format!("namespace {ns}"), why, anchor);
                        for &kn in &kube_nodes {
                            b.edge(node, kn, Some(ev));
                        }
                    }
                }
            }
            CapKind::Exec => {
                for w in workloads.iter().filter(|w| w.namespace == ns) {
                    let ev = b.evidence(
                        StepKind::Exec,
                        w.label.clone(),
                        format!("exec into a pod of {}", w.label),
                        Anchor::None,
                    );
                    b.edge(node, w.node, Some(ev));
                }
            }
            CapKind::ReadSecrets => {
                for (sa, si) in token_secrets.get(&ns).into_iter().flatten() {
                    let key = sa_key(&ns, sa);
                    let ev = b.evidence(
                        StepKind::SecretRead,
                        short(&objects[*si]),
                        format!(
                            "read Secret {} holding a token of ServiceAccount {key}",
                            short(&objects[*si])
                        ),
                        Anchor::Object {
                            index: *si,
                            path: JsonPath::keys(&["metadata", "annotations"])
                                .key("kubernetes.io/service-account.name"),
                        },
                    );
                    let tok = b.node(NodeKind::SaToken(key));
                    b.edge(node, tok, Some(ev));
                }
            }
        }
    }

    lap("before enforcement switch");
    // ---------- enforcement switch ----------
    if !enforced && matches!(enforcement, Enforcement::Disabled { .. }) && mode == NetpolMode::Auto
    {
        let anchor = objects
            .iter()
            .position(|o| {
                o.is("", "ConfigMap")
                    && o.name == "amazon-vpc-cni"
                    && o.namespace.as_deref() == Some("kube-system")
            })
            .map(|i| {
                let key = JsonPath::keys(&["data", "enable-network-policy-controller"]);
                let path = if key.lookup(&objects[i].raw).is_some() {
                    key
                } else {
                    JsonPath::keys(&["data"])
                };
                Anchor::Object { index: i, path }
            })
            .or_else(|| {
                node_classes.first().map(|&i| Anchor::Object {
                    index: i,
                    path: JsonPath::keys(&["spec", "networkPolicy"]),
                })
            })
            .unwrap_or(Anchor::None);
        b.g.cuts.push(CutSpec {
            kind: CutKind::EnableNetworkPolicies,
            change: "Set enable-network-policy-controller: \"true\" in ConfigMap kube-system/amazon-vpc-cni so the NetworkPolicies in force are enforced".into(),
            object: "ConfigMap kube-system/amazon-vpc-cni".into(),
            anchor,
            gates: Vec::new(),
            exact: true,
        });
    }

    let mut graph = b.g;
    graph.freeze();
    Built {
        graph,
        workloads,
        cluster,
        reach,
        class_rep,
        enforcement,
        enforced,
        notes: b.notes,
        warnings: b.warnings,
    }
}

fn host_network_anchor(objects: &[Object], i: usize) -> Anchor {
    let base = objects[i]
        .pod_spec()
        .map(|s| s.path)
        .unwrap_or_else(JsonPath::root);
    Anchor::Object {
        index: i,
        path: base.key("hostNetwork"),
    }
}

/// Labels of policies for an [`Evaluator`] built by `Account::evaluator`:
/// attached managed policies present in the account, then inline ones.
fn policy_labels(account: &Account, arn: &str) -> Vec<String> {
    let Some(r) = account.role(arn) else {
        return Vec::new();
    };
    r.managed_policy_arns
        .iter()
        .filter(|a| account.managed_policies.contains_key(*a))
        .cloned()
        .chain(r.inline_policies.iter().map(|(n, _)| format!("inline:{n}")))
        .collect()
}

/// Access of every role of the account, through the blast-radius engine
/// (one engine, so policy compilation is shared).
pub fn all_access(account: &Account) -> HashMap<String, Arc<RoleAccess>> {
    let workloads: Vec<IamWorkload> = account
        .roles
        .iter()
        .enumerate()
        .map(|(i, _)| IamWorkload {
            namespace: "\u{0}roles".into(),
            name: i.to_string(),
            kind: "Role".into(),
            service_account: i.to_string(),
        })
        .collect();
    let bindings: Vec<Binding> = account
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| Binding {
            namespace: "\u{0}roles".into(),
            service_account: i.to_string(),
            role_arn: r.arn.clone(),
            via: Via::NodeRole,
        })
        .collect();
    let blast = blast_radius(&BlastInput {
        facts: None,
        account,
        workloads: &workloads,
        bindings: &bindings,
        node_role_arn: None,
    });
    let mut out = HashMap::new();
    for w in blast {
        for r in w.roles {
            out.entry(r.arn.clone()).or_insert(r.access);
        }
    }
    out
}

/// A target a role reaches: the target, the evidence text and the granting
/// statements (policy label, statement index).
pub type RoleTarget = (TargetKind, String, Vec<(String, usize)>);

/// What a role reaches in AWS terms.
pub fn role_targets(access: &RoleAccess) -> Vec<RoleTarget> {
    let mut out = Vec::new();
    let describe = |hits: &[&eksguard_iam::RiskHit]| -> (String, Vec<(String, usize)>) {
        let mut parts = Vec::new();
        let mut stmts = Vec::new();
        for h in hits {
            let grants: Vec<String> = h
                .grants
                .iter()
                .map(|g| {
                    stmts.push((g.policy.clone(), g.statement));
                    format!(
                        "{} on {} ({} statement {}{})",
                        g.action,
                        g.resources.join(", "),
                        g.policy,
                        g.statement,
                        if g.conditional { ", conditional" } else { "" }
                    )
                })
                .collect();
            parts.push(format!("{} [{}]: {}", h.summary, h.rule, grants.join("; ")));
        }
        stmts.sort();
        stmts.dedup();
        (parts.join(" | "), stmts)
    };
    let esc: Vec<&eksguard_iam::RiskHit> = access.escalation.iter().collect();
    if access.admin_equivalent || !esc.is_empty() {
        let (mut text, stmts) = describe(&esc);
        if access.admin_equivalent {
            text = if text.is_empty() {
                "iam:* on every resource (administrator)".into()
            } else {
                format!("iam:* on every resource (administrator) | {text}")
            };
        }
        out.push((TargetKind::AwsAdmin, text, stmts));
    }
    let data: Vec<&eksguard_iam::RiskHit> = access
        .data_power
        .iter()
        .filter(|h| DATA_RULES.contains(&h.rule))
        .collect();
    if !data.is_empty() {
        let (text, stmts) = describe(&data);
        out.push((TargetKind::AwsData, text, stmts));
    }
    out
}

/// Whether `from` may assume `to` (identity policy and trust policy both
/// allow `sts:AssumeRole`): the identity statement and trust statement.
pub fn can_assume(
    account: &Account,
    from: &str,
    to: &eksguard_iam::Role,
) -> Option<(String, usize, usize)> {
    let ev = account.evaluator(from)?;
    assume_with(&ev, &policy_labels(account, from), from, to)
}

fn assume_with(
    ev: &Evaluator<'_>,
    labels: &[String],
    from: &str,
    to: &eksguard_iam::Role,
) -> Option<(String, usize, usize)> {
    let trust = to.trust.as_ref()?;
    let id = ev.evaluate(&Request::new("sts:AssumeRole", to.arn.clone()));
    if id.decision != Decision::Allow {
        return None;
    }
    let mut req = Request::new("sts:AssumeRole", to.arn.clone());
    req.principal = Some(Principal::aws(from));
    req.context.insert("aws:PrincipalArn", from);
    if let Some(acct) = from.split(':').nth(4) {
        req.context.insert("aws:PrincipalAccount", acct);
    }
    let t = Evaluator::new([trust]).evaluate(&req);
    if t.decision != Decision::Allow {
        return None;
    }
    let (policy, stmt) = id
        .statements
        .iter()
        .find_map(|m| match m.source {
            eksguard_iam::PolicySource::Identity(i) => {
                Some((labels.get(i).cloned().unwrap_or_default(), m.statement))
            }
            _ => None,
        })
        .unwrap_or_default();
    Some((
        policy,
        stmt,
        t.statements.first().map_or(0, |m| m.statement),
    ))
}

/// The trust statement that admits an IRSA binding (for the evidence and the
/// cut's location).
fn irsa_statement(trust: &Policy, facts: &ClusterFacts, ns: &str, sa: &str) -> Option<usize> {
    let issuer = facts.issuer();
    let mut req = Request::new("sts:AssumeRoleWithWebIdentity", "*");
    req.principal = Some(Principal::federated(facts.oidc_provider_arn()));
    req.context
        .insert(
            &format!("{issuer}:sub"),
            format!("system:serviceaccount:{ns}:{sa}"),
        )
        .insert(&format!("{issuer}:aud"), eksguard_iam::IRSA_AUDIENCE)
        .insert("aws:FederatedProvider", facts.oidc_provider_arn());
    let e = Evaluator::new([trust]).evaluate(&req);
    (e.decision == Decision::Allow).then(|| e.statements.first().map_or(0, |m| m.statement))
}

fn trust_path(facts: Option<&AwsFacts>, arn: &str, index: usize, condition: bool) -> JsonPath {
    let single = facts
        .and_then(|f| f.role_by_arn(arn))
        .and_then(|r| r.assume_role_policy_document.as_ref())
        .and_then(|d| d.get("Statement"))
        .is_some_and(Value::is_object);
    let base = JsonPath::keys(&["AssumeRolePolicyDocument", "Statement"]);
    let p = if single { base } else { base.index(index) };
    if condition { p.key("Condition") } else { p }
}

/// What an access entry policy gives: its name, capabilities, target, anchor.
type AccessGrant = (String, Vec<(CapKind, String)>, Option<TargetKind>, Anchor);

fn aws_side(
    b: &mut B<'_, '_>,
    iam: &crate::IamInput<'_>,
    facts: Option<&AwsFacts>,
    sas_by_ns: &BTreeMap<String, BTreeSet<String>>,
    aws_auth: Option<usize>,
) {
    let account = iam.account;
    let t0 = std::time::Instant::now();
    let access = all_access(account);
    if std::env::var_os("EKSGUARD_PATHS_TIMING").is_some() {
        eprintln!("paths:   aws: role access in {:.3?}", t0.elapsed());
    }
    // Role nodes and what each reaches.
    for r in &account.roles {
        let Some(a) = access.get(&r.arn) else {
            continue;
        };
        let targets = role_targets(a);
        if targets.is_empty() {
            continue;
        }
        let role = b.node(NodeKind::Role(r.arn.clone()));
        for (t, text, stmts) in targets {
            let gate = b.node(NodeKind::TargetGate(r.arn.clone(), t));
            let anchor = stmts
                .first()
                .map(|(p, s)| statement_anchor(facts, &r.arn, p, *s))
                .unwrap_or_else(|| role_anchor(facts, &r.arn, JsonPath::keys(&["RoleName"])));
            let ev = b.evidence(StepKind::AwsPermission, r.arn.clone(), text, anchor);
            b.edge(role, gate, Some(ev));
            let tn = b.node(NodeKind::Target(t));
            b.edge(gate, tn, None);
        }
    }
    // Role chaining.
    let assumers: Vec<&eksguard_iam::Role> = account
        .roles
        .iter()
        .filter(|r| {
            access
                .get(&r.arn)
                .is_some_and(|a| a.allows("sts:AssumeRole"))
        })
        .collect();
    // Only roles whose trust names AWS principals can be assumed by a role.
    let assumable: Vec<&eksguard_iam::Role> = account
        .roles
        .iter()
        .filter(|r| {
            r.trust.as_ref().is_some_and(|t| {
                t.statements.iter().any(|st| {
                    st.principals.as_ref().is_some_and(|p| {
                        p.any
                            || p.negated
                            || p.entries
                                .iter()
                                .any(|(k, _)| *k == eksguard_iam::PrincipalKind::Aws)
                    })
                })
            })
        })
        .collect();
    let chains: Vec<(String, String, String, usize, usize)> = {
        use rayon::prelude::*;
        assumers
            .par_iter()
            .flat_map_iter(|a| {
                let ev = account.evaluator(&a.arn);
                let labels = policy_labels(account, &a.arn);
                assumable
                    .iter()
                    .filter(|to| to.arn != a.arn)
                    .filter_map(|to| {
                        let (p, s, t) = assume_with(ev.as_ref()?, &labels, &a.arn, to)?;
                        Some((a.arn.clone(), to.arn.clone(), p, s, t))
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    for (from, to, policy, stmt, tstmt) in chains {
        let a = b.node(NodeKind::Role(from.clone()));
        let gate = b.node(NodeKind::ChainGate(from.clone(), to.clone()));
        let bn = b.node(NodeKind::Role(to.clone()));
        b.edge(a, gate, None);
        let ev = b.evidence(
            StepKind::RoleChain,
            to.clone(),
            format!("{from} may call sts:AssumeRole on it ({policy} statement {stmt}) and its trust policy admits {from} (statement {tstmt})"),
            role_anchor(facts, &to, trust_path(facts, &to, tstmt, false)),
        );
        b.edge(gate, bn, Some(ev));
        b.cut(vec![gate], CutSpec {
            kind: CutKind::ChainTrust,
            change: format!("Tighten the trust policy of {to} (statement {tstmt}) so that {from} cannot assume it (name the principals that need it, or add an aws:PrincipalArn condition)"),
            object: to.clone(),
            anchor: role_anchor(facts, &to, trust_path(facts, &to, tstmt, false)),
            gates: vec![],
            exact: true,
        });
    }
    // IRSA and Pod Identity bindings.
    let role_idx: HashMap<&str, usize> = account
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.arn.as_str(), i))
        .collect();
    for (bi, bd) in iam.bindings.iter().enumerate() {
        let key = format!("{}/{}", bd.namespace, bd.service_account);
        if !sas_by_ns
            .get(&bd.namespace)
            .is_some_and(|s| s.contains(&bd.service_account))
        {
            continue;
        }
        let role = role_idx
            .get(bd.role_arn.as_str())
            .map(|&i| &account.roles[i]);
        let status = match iam.cluster {
            Some(f) => binding_status(role, f, bd),
            None if role.is_some() => BindingStatus::Ok,
            None => BindingStatus::RoleMissing,
        };
        let origin = iam
            .binding_origins
            .get(bi)
            .copied()
            .unwrap_or(crate::BindingOrigin::Unknown);
        if status != BindingStatus::Ok {
            b.notes.push(Note {
                kind: StepKind::WorkloadIdentity,
                object: format!("ServiceAccount {key} → {}", bd.role_arn),
                because: status.explain(bd).unwrap_or_default(),
            });
            continue;
        }
        let stmt = match (role.and_then(|r| r.trust.as_ref()), iam.cluster, bd.via) {
            (Some(t), Some(f), Via::Irsa) => {
                irsa_statement(t, f, &bd.namespace, &bd.service_account)
            }
            _ => None,
        };
        let trust_text = match (iam.cluster, stmt) {
            (None, _) => {
                "the cluster's OIDC issuer is unknown, so the trust policy is taken as admitting it"
                    .to_owned()
            }
            (Some(_), Some(s)) => format!(
                "its trust policy (statement {s}) admits system:serviceaccount:{}:{} from this cluster's OIDC provider",
                bd.namespace, bd.service_account
            ),
            (Some(_), None) => format!(
                "its trust policy allows pods.eks.amazonaws.com sts:AssumeRole and sts:TagSession for {key} in this cluster"
            ),
        };
        let how = match (bd.via, origin) {
            (Via::Irsa, _) => format!(
                "ServiceAccount {key} is annotated eks.amazonaws.com/role-arn: {}",
                bd.role_arn
            ),
            (Via::PodIdentity, _) => format!(
                "an EKS Pod Identity association binds {key} to {}",
                bd.role_arn
            ),
            (Via::NodeRole, _) => format!("{key} runs as the node role"),
        };
        let sa_aws = b.node(NodeKind::SaAws(key.clone()));
        let gate = b.node(NodeKind::BindingGate(key.clone(), bd.role_arn.clone()));
        let rn = b.node(NodeKind::Role(bd.role_arn.clone()));
        b.edge(sa_aws, gate, None);
        let ev_anchor = match origin {
            crate::BindingOrigin::Annotation { object } => Anchor::Object {
                index: object,
                path: JsonPath::keys(&["metadata", "annotations"])
                    .key("eks.amazonaws.com/role-arn"),
            },
            _ => role_anchor(
                facts,
                &bd.role_arn,
                trust_path(facts, &bd.role_arn, stmt.unwrap_or(0), false),
            ),
        };
        let ev = b.evidence(
            StepKind::WorkloadIdentity,
            bd.role_arn.clone(),
            format!("{how}; {trust_text}"),
            ev_anchor,
        );
        b.edge(gate, rn, Some(ev));
        let (change, anchor) = match bd.via {
            Via::Irsa => (
                format!(
                    "Tighten the trust policy of {} (statement {}) so that its {}:sub condition no longer admits system:serviceaccount:{}:{} (or remove the eks.amazonaws.com/role-arn annotation)",
                    bd.role_arn,
                    stmt.unwrap_or(0),
                    iam.cluster.map_or("<issuer>", |c| c.issuer()),
                    bd.namespace,
                    bd.service_account
                ),
                role_anchor(
                    facts,
                    &bd.role_arn,
                    trust_path(facts, &bd.role_arn, stmt.unwrap_or(0), true),
                ),
            ),
            _ => (
                format!(
                    "Delete the Pod Identity association of {key} with {} (or add a kubernetes-service-account condition to its trust)",
                    bd.role_arn
                ),
                role_anchor(
                    facts,
                    &bd.role_arn,
                    trust_path(facts, &bd.role_arn, 0, true),
                ),
            ),
        };
        b.cut(
            vec![gate],
            CutSpec {
                kind: CutKind::TrustCondition,
                change,
                object: bd.role_arn.clone(),
                anchor,
                gates: vec![],
                exact: true,
            },
        );
    }
    // EKS access entries and aws-auth.
    let mode = facts
        .and_then(|f| f.cluster.as_ref())
        .and_then(|c| c.access_config.as_ref())
        .and_then(|a| a.authentication_mode.clone());
    let api = mode.as_deref().is_none_or(|m| m.contains("API"));
    let config_map = mode.as_deref().is_none_or(|m| m.contains("CONFIG_MAP"));
    if let (Some(f), true) = (facts, api) {
        for e in &f.access_entries {
            let arn = e.principal_arn.clone();
            if !arn.contains(":role/") {
                continue;
            }
            let mut grants: Vec<AccessGrant> = Vec::new();
            for (pi, p) in e.policies.iter().enumerate() {
                let name = p.policy_arn.rsplit('/').next().unwrap_or("").to_owned();
                let scope = p.access_scope.as_ref();
                let cluster_wide = scope.and_then(|s| s.scope_type.as_deref()) != Some("namespace");
                let nss: Vec<String> = if cluster_wide {
                    vec!["*".into()]
                } else {
                    scope.and_then(|s| s.namespaces.clone()).unwrap_or_default()
                };
                let anchor = Anchor::Aws {
                    object: role_ref(&arn),
                    source: Some(p.source.clone()),
                    path: JsonPath::keys(&["policyArn"]),
                };
                let _ = pi;
                match name.as_str() {
                    "AmazonEKSClusterAdminPolicy" if cluster_wide => {
                        grants.push((name, vec![], Some(TargetKind::ClusterAdmin), anchor))
                    }
                    "AmazonEKSClusterAdminPolicy"
                    | "AmazonEKSAdminPolicy"
                    | "AmazonEKSEditPolicy" => {
                        let caps: Vec<(CapKind, String)> = nss
                            .iter()
                            .flat_map(|ns| {
                                [
                                    CapKind::CreatePods,
                                    CapKind::Exec,
                                    CapKind::ReadSecrets,
                                    CapKind::SaToken,
                                ]
                                .map(|k| (k, ns.clone()))
                            })
                            .collect();
                        let t = cluster_wide.then_some(TargetKind::ClusterSecrets);
                        grants.push((name, caps, t, anchor));
                    }
                    _ => {}
                }
            }
            if e.kubernetes_groups
                .iter()
                .flatten()
                .any(|g| g == "system:masters")
            {
                grants.push((
                    "kubernetesGroups system:masters".into(),
                    vec![],
                    Some(TargetKind::ClusterAdmin),
                    Anchor::Aws {
                        object: role_ref(&arn),
                        source: None,
                        path: JsonPath::keys(&["kubernetesGroups"]),
                    },
                ));
            }
            for (name, caps, target, anchor) in grants {
                let role = b.node(NodeKind::Role(arn.clone()));
                let gate = b.node(NodeKind::AccessGate(format!("{arn} {name}")));
                b.edge(role, gate, None);
                let ev = b.evidence(
                    StepKind::AccessEntry,
                    format!("access entry {arn}"),
                    format!("the EKS access entry of {arn} associates {name}"),
                    anchor.clone(),
                );
                if let Some(t) = target {
                    let tn = b.node(NodeKind::Target(t));
                    b.edge(gate, tn, Some(ev));
                }
                for (k, ns) in caps {
                    let c = b.node(NodeKind::Cap(k, ns));
                    b.edge(gate, c, Some(ev));
                }
                b.cut(vec![gate], CutSpec {
                    kind: CutKind::RemoveAccess,
                    change: format!("Disassociate {name} from the access entry of {arn} (or scope it to the namespaces that need it)"),
                    object: arn.clone(),
                    anchor,
                    gates: vec![],
                    exact: true,
                });
            }
        }
    }
    if let (Some(ci), true) = (aws_auth, config_map) {
        let obj = &b.input.objects[ci];
        for key in ["mapRoles"] {
            let Some(text) = obj
                .raw
                .pointer(&format!("/data/{key}"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            for arn in masters_entries(text) {
                let role = b.node(NodeKind::Role(arn.clone()));
                let gate = b.node(NodeKind::AccessGate(format!("aws-auth {arn}")));
                b.edge(role, gate, None);
                let anchor = Anchor::Object {
                    index: ci,
                    path: JsonPath::keys(&["data", key]),
                };
                let ev = b.evidence(
                    StepKind::AccessEntry,
                    "ConfigMap kube-system/aws-auth",
                    format!("data.{key} maps {arn} to system:masters"),
                    anchor.clone(),
                );
                let tn = b.node(NodeKind::Target(TargetKind::ClusterAdmin));
                b.edge(gate, tn, Some(ev));
                b.cut(vec![gate], CutSpec {
                    kind: CutKind::RemoveAccess,
                    change: format!("Remove the system:masters mapping of {arn} from kube-system/aws-auth (use an access entry with a scoped policy)"),
                    object: "ConfigMap kube-system/aws-auth".into(),
                    anchor,
                    gates: vec![],
                    exact: true,
                });
            }
        }
    }
}

/// Where statement `index` of a role's policy is: the inline policy's
/// `get-role-policy` document, or the managed policy's default version.
pub fn statement_anchor(
    facts: Option<&AwsFacts>,
    role_arn: &str,
    policy: &str,
    index: usize,
) -> Anchor {
    let stmt = |base: JsonPath, doc: Option<&Value>| {
        let single = doc
            .and_then(|d| d.get("Statement"))
            .is_some_and(Value::is_object);
        let p = base.key("Statement");
        if single { p } else { p.index(index) }
    };
    if let Some(name) = policy.strip_prefix("inline:") {
        let found = facts
            .and_then(|f| f.role_by_arn(role_arn))
            .and_then(|r| r.inline_policies.iter().find(|p| p.policy_name == name));
        return Anchor::Aws {
            object: role_ref(role_arn),
            source: found.map(|p| p.source.clone()),
            path: stmt(
                JsonPath::keys(&["PolicyDocument"]),
                found.map(|p| &p.policy_document),
            ),
        };
    }
    let mp = facts.and_then(|f| f.managed_policies.get(policy));
    let source = mp.map(|p| eksguard_core::aws::AwsSource {
        origin: p
            .source
            .origin
            .replace("get-policy.json", "get-policy-version.json")
            .into(),
        path: JsonPath::keys(&["PolicyVersion", "Document"]),
    });
    Anchor::Aws {
        object: ObjectRef {
            api_version: "aws:iam/2010-05-08".into(),
            kind: "AWS::IAM::ManagedPolicy".into(),
            namespace: None,
            name: policy.rsplit('/').next().unwrap_or(policy).to_owned(),
            arn: Some(policy.to_owned()),
        },
        source,
        path: stmt(JsonPath::root(), mp.and_then(|p| p.document.as_ref())),
    }
}

/// The principal ARN of every `aws-auth` entry whose groups include
/// `system:masters` (read line by line, as the ACC-002 control does).
pub fn masters_entries(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split_once(" #").map_or(l, |(a, _)| a))
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let is_item = |l: &str| l.trim_start().starts_with("- ") || l.trim() == "-";
    let top = lines.iter().filter(|l| is_item(l)).map(|l| indent(l)).min();
    let mut entries: Vec<Vec<&str>> = Vec::new();
    for l in lines {
        if top.is_some_and(|t| is_item(l) && indent(l) == t) || entries.is_empty() {
            entries.push(Vec::new());
        }
        if let Some(e) = entries.last_mut() {
            e.push(l);
        }
    }
    entries
        .iter()
        .filter(|e| {
            e.iter().any(|l| {
                l.split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | ',' | '"' | '\''))
                    .any(|t| t == "system:masters")
            })
        })
        .filter_map(|e| {
            e.iter().find_map(|l| {
                let l = l.trim_start().trim_start_matches("- ").trim_start();
                let l = l.trim_start_matches(['{', '"', '\'']);
                let rest = l.strip_prefix("rolearn")?;
                let rest = rest
                    .trim_start_matches(['"', '\''])
                    .trim_start()
                    .strip_prefix(':')?;
                let v = rest
                    .trim()
                    .split([',', '}'])
                    .next()?
                    .trim()
                    .trim_matches(['"', '\'']);
                (!v.is_empty()).then(|| v.to_owned())
            })
        })
        .collect()
}
