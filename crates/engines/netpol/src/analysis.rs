//! Analysis helpers behind the catalog controls. They return data (identity + JSON path);
//! the controls turn it into findings.

use crate::conn::Protocol;
use crate::eval::{Direction, Engine, Target};
use crate::model::{Cluster, NsMatch, PeerSpec, PolicyId, PortValue, WorkloadId};
use std::collections::BTreeMap;

/// Ports that should never be reachable from everywhere: SSH, databases, caches,
/// search engines, etcd, the kubelet.
pub const SENSITIVE_PORTS: &[(Protocol, u16)] = &[
    (Protocol::Tcp, 22),
    (Protocol::Tcp, 1433),
    (Protocol::Tcp, 2379),
    (Protocol::Tcp, 2380),
    (Protocol::Tcp, 3306),
    (Protocol::Tcp, 5432),
    (Protocol::Tcp, 6379),
    (Protocol::Tcp, 9200),
    (Protocol::Tcp, 9300),
    (Protocol::Tcp, 10250),
    (Protocol::Tcp, 11211),
    (Protocol::Tcp, 27017),
];

/// The Amazon VPC CNI network policy agent's limit on unique port combinations per
/// protocol in each `ingress:`/`egress:` selector
/// (<https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html>; newer
/// revisions count the 24 per resolved CIDR across all policies, which a static model
/// cannot resolve).
pub const EKS_PORTS_PER_PROTOCOL_LIMIT: usize = 24;

/// A location inside a policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyPath {
    /// The policy.
    pub policy: PolicyId,
    /// JSON path, e.g. `spec.ingress[0].from[1].namespaceSelector`.
    pub path: String,
}

/// A namespace whose workloads are not all isolated for a direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageGap {
    /// Namespace.
    pub namespace: String,
    /// Direction lacking default-deny coverage.
    pub direction: Direction,
    /// Workloads no NetworkPolicy isolates for that direction.
    pub uncovered: Vec<WorkloadId>,
}

/// Namespaces with enforced workloads but no default deny for `dir`.
///
/// What counts as default deny: every enforced (non-host-network) workload in the
/// namespace is selected by at least one NetworkPolicy (or ApplicationNetworkPolicy)
/// whose policy types include `dir`. Isolation is what "default deny" buys: anything not
/// explicitly allowed is dropped. A `podSelector: {}` policy with no rules is the usual
/// way to get it, but per-workload policies that together select every workload count
/// too. Cluster-scoped tiers are not counted.
pub fn namespaces_without_default_deny(cluster: &Cluster, dir: Direction) -> Vec<CoverageGap> {
    let eng = Engine::new(cluster);
    let mut by_ns: BTreeMap<&str, Vec<WorkloadId>> = BTreeMap::new();
    let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
    for (pos, &wi) in eng.enforced.iter().enumerate() {
        let w = &cluster.workloads[wi];
        seen.insert(&w.id.namespace, ());
        let c = eng.class_of[pos];
        let isolated = match dir {
            Direction::Ingress => !eng.np_in[c].is_empty(),
            Direction::Egress => !eng.np_out[c].is_empty(),
        };
        if !isolated {
            by_ns.entry(&w.id.namespace).or_default().push(w.id.clone());
        }
    }
    by_ns
        .into_iter()
        .map(|(ns, uncovered)| CoverageGap {
            namespace: ns.to_string(),
            direction: dir,
            uncovered,
        })
        .collect()
}

fn isolated_dir(eng: &Engine<'_>, pos: usize, dir: Direction) -> bool {
    let c = eng.class_of[pos];
    match dir {
        Direction::Ingress => !eng.np_in[c].is_empty(),
        Direction::Egress => !eng.np_out[c].is_empty(),
    }
}

fn ns_fully_isolated(cluster: &Cluster, eng: &Engine<'_>, ns: &str, dir: Direction) -> bool {
    let mut any = false;
    for (pos, &wi) in eng.enforced.iter().enumerate() {
        if cluster.workloads[wi].id.namespace == ns {
            any = true;
            if !isolated_dir(eng, pos, dir) {
                return false;
            }
        }
    }
    any
}

/// Enforced workloads selected by no NetworkPolicy-tier policy in either direction
/// (they accept and send everything unless a cluster-scoped tier intervenes).
pub fn unselected_workloads(cluster: &Cluster) -> Vec<WorkloadId> {
    let eng = Engine::new(cluster);
    eng.enforced
        .iter()
        .enumerate()
        .filter(|&(pos, _)| {
            !isolated_dir(&eng, pos, Direction::Ingress)
                && !isolated_dir(&eng, pos, Direction::Egress)
        })
        .map(|(_, &wi)| cluster.workloads[wi].id.clone())
        .collect()
}

/// A policy whose `podSelector` matches no workload of its namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmptySelection {
    /// The policy, path `spec.podSelector`.
    pub at: PolicyPath,
    /// False if the namespace has no workloads in the input at all: then the policy may
    /// well select pods deployed from elsewhere, and a control may want to stay quiet.
    pub namespace_has_workloads: bool,
}

/// NetworkPolicy-tier policies selecting no workload. `podSelector: {}` selects every
/// workload of its namespace (host-network ones included), so it is reported only when
/// the namespace has no workload in the input.
pub fn policies_selecting_nothing(cluster: &Cluster) -> Vec<EmptySelection> {
    cluster
        .policies
        .iter()
        .filter_map(|p| {
            let in_ns: Vec<_> = cluster
                .workloads
                .iter()
                .filter(|w| w.id.namespace == p.namespace)
                .collect();
            if in_ns.iter().any(|w| p.pod_selector.matches(&w.labels)) {
                return None;
            }
            Some(EmptySelection {
                at: PolicyPath {
                    policy: p.id.clone(),
                    path: "spec.podSelector".into(),
                },
                namespace_has_workloads: !in_ns.is_empty(),
            })
        })
        .collect()
}

/// A peer selector that can never match: it requires a namespace label no namespace has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadPeer {
    /// Where, e.g. `spec.ingress[0].from[1].namespaceSelector`.
    pub at: PolicyPath,
    /// The label keys no namespace carries.
    pub missing_keys: Vec<String>,
}

/// Rules that can never match because a `namespaceSelector` requires a label key that no
/// namespace in the input carries (a typo such as `name: prod` instead of
/// `kubernetes.io/metadata.name: prod` is the usual cause).
pub fn never_matching_peers(cluster: &Cluster) -> Vec<DeadPeer> {
    let has_key = |k: &str| cluster.namespaces.iter().any(|n| n.labels.contains_key(k));
    let mut out = Vec::new();
    let mut check = |policy: &PolicyId, path: String, peer: &PeerSpec| {
        if let PeerSpec::Pods {
            ns: NsMatch::Selector(s),
            ..
        } = peer
        {
            let missing: Vec<String> = s
                .required_keys()
                .filter(|k| !has_key(k))
                .map(str::to_string)
                .collect();
            if !missing.is_empty() {
                out.push(DeadPeer {
                    at: PolicyPath {
                        policy: policy.clone(),
                        path,
                    },
                    missing_keys: missing,
                });
            }
        }
    };
    for p in &cluster.policies {
        for (list, field, rules) in [("ingress", "from", &p.ingress), ("egress", "to", &p.egress)] {
            for (ri, r) in rules.iter().enumerate() {
                for (pi, peer) in r.peers.iter().flatten().enumerate() {
                    check(
                        &p.id,
                        format!("spec.{list}[{ri}].{field}[{pi}].namespaceSelector"),
                        peer,
                    );
                }
            }
        }
    }
    for tp in &cluster.tier_policies {
        for (rules, _) in [(&tp.ingress, ()), (&tp.egress, ())] {
            for r in rules {
                for (pi, peer) in r.peers.iter().enumerate() {
                    let path = r.peer_paths.get(pi).cloned().unwrap_or_default();
                    check(&tp.id, path, peer);
                }
            }
        }
    }
    out
}

/// A sensitive port a workload accepts from everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPort {
    /// The workload.
    pub workload: WorkloadId,
    /// Protocol.
    pub protocol: Protocol,
    /// Port.
    pub port: u16,
    /// The rules that admit traffic from outside the cluster on that port.
    pub rules: Vec<PolicyPath>,
}

/// Isolated workloads that nevertheless accept a sensitive port (one their containers
/// declare) from every workload and from every external address (0.0.0.0/0 included).
/// Workloads no policy selects are the business of [`unselected_workloads`].
pub fn open_sensitive_ports(cluster: &Cluster, ports: &[(Protocol, u16)]) -> Vec<OpenPort> {
    let eng = Engine::new(cluster);
    let mut out = Vec::new();
    let nclasses = eng.classes.len();
    for (pos, &wi) in eng.enforced.iter().enumerate() {
        let d = eng.class_of[pos];
        if eng.np_in[d].is_empty() {
            continue;
        }
        let w = &cluster.workloads[wi];
        for &(proto, port) in ports {
            if !w
                .ports
                .iter()
                .any(|cp| cp.protocol == proto && cp.port == port)
            {
                continue;
            }
            let from_everywhere = (0..eng.ext_in.len()).all(|r| {
                eng.side(Direction::Ingress, d, Target::Ext(r), Some(d))
                    .contains(proto, port)
            }) && (0..nclasses).all(|s| {
                eng.side(Direction::Ingress, d, Target::Class(s), Some(d))
                    .contains(proto, port)
            });
            if !from_everywhere {
                continue;
            }
            let mut rules = Vec::new();
            for &pi in &eng.np_in[d] {
                for (ri, r) in eng.ing[pi].iter().enumerate() {
                    let ext_any =
                        (0..eng.ext_in.len()).any(|x| r.matching_peer(Target::Ext(x)).is_some());
                    if ext_any
                        && crate::eval::resolve_ports(&r.ports, Some(&w.ports))
                            .contains(proto, port)
                    {
                        rules.push(PolicyPath {
                            policy: cluster.policies[pi].id.clone(),
                            path: format!("spec.ingress[{ri}]"),
                        });
                    }
                }
            }
            out.push(OpenPort {
                workload: w.id.clone(),
                protocol: proto,
                port,
                rules,
            });
        }
    }
    out
}

/// Egress to the whole address space in a namespace that otherwise claims default deny.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldEgress {
    /// Where: `spec.egress[i].to[j].ipBlock` (a /0 block) or `spec.egress[i]` (no `to`, no `ports`).
    pub at: PolicyPath,
    /// True if the rule carves exceptions out of the /0 block.
    pub has_except: bool,
}

/// Rules allowing egress to `0.0.0.0/0` or `::/0` (on any ports), or to every
/// destination on every port (absent `to` and `ports`), in namespaces where every
/// workload is isolated for egress.
pub fn world_egress_in_default_deny_namespaces(cluster: &Cluster) -> Vec<WorldEgress> {
    let eng = Engine::new(cluster);
    let mut out = Vec::new();
    for p in &cluster.policies {
        if !p.affects_egress || !ns_fully_isolated(cluster, &eng, &p.namespace, Direction::Egress) {
            continue;
        }
        for (ri, r) in p.egress.iter().enumerate() {
            match &r.peers {
                // An absent `to` limited by ports (the usual "DNS anywhere" rule) is left
                // to the reviewer; an absent `to` with absent ports opens everything.
                None if r.ports.is_some() => {}
                None => out.push(WorldEgress {
                    at: PolicyPath {
                        policy: p.id.clone(),
                        path: format!("spec.egress[{ri}]"),
                    },
                    has_except: false,
                }),
                Some(peers) => {
                    for (pi, peer) in peers.iter().enumerate() {
                        if let PeerSpec::IpBlock(b) = peer
                            && b.cidr.is_full()
                        {
                            out.push(WorldEgress {
                                at: PolicyPath {
                                    policy: p.id.clone(),
                                    path: format!("spec.egress[{ri}].to[{pi}].ipBlock"),
                                },
                                has_except: !b.except.is_empty(),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// Rules combining an `ipBlock` peer with a named port. Named ports resolve against pod
/// container ports, which an address range does not have: Kubernetes matches nothing for
/// those addresses, and the Amazon VPC CNI network policy agent drops the entry.
pub fn named_ports_toward_ip_blocks(cluster: &Cluster) -> Vec<PolicyPath> {
    let mut out = Vec::new();
    for p in &cluster.policies {
        for (list, field, rules) in [("ingress", "from", &p.ingress), ("egress", "to", &p.egress)] {
            let _ = field;
            for (ri, r) in rules.iter().enumerate() {
                let has_block = r
                    .peers
                    .iter()
                    .flatten()
                    .any(|x| matches!(x, PeerSpec::IpBlock(_)));
                if !has_block {
                    continue;
                }
                for ps in r.ports.iter().flatten() {
                    if matches!(
                        ps.value,
                        PortValue::Named(_) | PortValue::NamedAnyProtocol(_)
                    ) {
                        out.push(PolicyPath {
                            policy: p.id.clone(),
                            path: format!("spec.{list}[{ri}].ports[{}].port", ps.index),
                        });
                    }
                }
            }
        }
    }
    out
}

/// A rule listing more port entries for one protocol than the VPC CNI agent supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortLimitExceeded {
    /// Where: `spec.ingress[i].ports`.
    pub at: PolicyPath,
    /// Protocol.
    pub protocol: Protocol,
    /// Number of entries for that protocol.
    pub count: usize,
}

/// Rules with more than `limit` port entries for one protocol (EKS: 24).
pub fn rules_over_port_limit(cluster: &Cluster, limit: usize) -> Vec<PortLimitExceeded> {
    let mut out = Vec::new();
    for p in &cluster.policies {
        for (list, rules) in [("ingress", &p.ingress), ("egress", &p.egress)] {
            for (ri, r) in rules.iter().enumerate() {
                for proto in Protocol::ALL {
                    let count = r
                        .ports
                        .iter()
                        .flatten()
                        .filter(|ps| ps.protocol == proto)
                        .count();
                    if count > limit {
                        out.push(PortLimitExceeded {
                            at: PolicyPath {
                                policy: p.id.clone(),
                                path: format!("spec.{list}[{ri}].ports"),
                            },
                            protocol: proto,
                            count,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Pods with no owner at all. EKS user guide: "Network policies are only applied to Pods
/// that are part of a Deployment. Standalone Pods that don't have a
/// `metadata.ownerReferences` set can't have network policies applied to them", so they
/// stay open whatever the policies say.
pub fn standalone_pods(cluster: &Cluster) -> Vec<WorkloadId> {
    cluster
        .workloads
        .iter()
        .filter(|w| w.standalone)
        .map(|w| w.id.clone())
        .collect()
}

/// Host-network workloads: NetworkPolicy does not apply to them.
pub fn host_network_workloads(cluster: &Cluster) -> Vec<WorkloadId> {
    cluster
        .workloads
        .iter()
        .filter(|w| w.host_network)
        .map(|w| w.id.clone())
        .collect()
}

/// Whether the EKS network policy agent enforces anything, as far as the input shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enforcement {
    /// `enable-network-policy-controller: "true"` in `kube-system/amazon-vpc-cni`.
    Enabled,
    /// The input shows enforcement is off; the reason names the setting.
    Disabled {
        /// Which setting, and its value.
        reason: String,
    },
    /// Nothing in the input says either way (e.g. a manifest repository).
    Unknown,
}

/// Reads the ConfigMap `kube-system/amazon-vpc-cni` key `enable-network-policy-controller`
/// and Auto Mode NodeClasses. Auto Mode needs the ConfigMap key set to `"true"` before
/// any policy is enforced; NodeClass `spec.networkPolicy` only picks the default
/// (`DefaultAllow` / `DefaultDeny`).
pub fn eks_enforcement(cluster: &Cluster) -> Enforcement {
    match &cluster.eks.vpc_cni_network_policy_controller {
        Some(Some(v)) if v == "true" => Enforcement::Enabled,
        Some(Some(v)) => Enforcement::Disabled {
            reason: format!("ConfigMap kube-system/amazon-vpc-cni sets enable-network-policy-controller to {v:?}"),
        },
        Some(None) => Enforcement::Disabled {
            reason: "ConfigMap kube-system/amazon-vpc-cni has no enable-network-policy-controller key".into(),
        },
        None if !cluster.eks.node_classes.is_empty() => Enforcement::Disabled {
            reason: "Auto Mode NodeClasses present but ConfigMap kube-system/amazon-vpc-cni (enable-network-policy-controller) is absent".into(),
        },
        None => Enforcement::Unknown,
    }
}

/// True if there is at least one policy of any kind (for "policies exist but enforcement is off").
pub fn has_policies(cluster: &Cluster) -> bool {
    !cluster.policies.is_empty() || !cluster.tier_policies.is_empty()
}
