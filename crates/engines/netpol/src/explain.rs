//! `netpol why`: which policies and rules decide a connection, side by side.

use crate::conn::{ConnSet, Protocol};
use crate::error::Error;
use crate::eval::{CRule, Direction, Engine, Target};
use crate::format::HOST_NETWORK_MARK;
use crate::ip::IpRange;
use crate::model::{Action, Cluster, ContainerPort, PeerSpec, PolicyId, PortValue, WorkloadKind};
use std::fmt;
use std::net::IpAddr;

/// One end of a `why` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A workload, by namespace and name (kind optional when unambiguous).
    Workload {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// Kind, from a `[Kind]` suffix.
        kind: Option<WorkloadKind>,
    },
    /// An address outside the cluster.
    Address(IpAddr),
}

impl Endpoint {
    /// Parses `NAMESPACE/NAME`, `NAMESPACE/NAME[Kind]` or an IP address. The
    /// `[host-network]` mark that `reach` prints after a kind is accepted and ignored.
    pub fn parse(input: &str) -> Result<Endpoint, Error> {
        let bad = || Error::InvalidEndpoint {
            input: input.to_string(),
        };
        if let Ok(ip) = input.parse::<IpAddr>() {
            return Ok(Endpoint::Address(ip));
        }
        let (ns, rest) = input.split_once('/').ok_or_else(bad)?;
        let rest = rest.strip_suffix(HOST_NETWORK_MARK).unwrap_or(rest);
        let (name, kind) = match rest.strip_suffix(']').and_then(|r| r.split_once('[')) {
            Some((n, k)) => (n, Some(WorkloadKind::parse(k).ok_or_else(bad)?)),
            None => (rest, None),
        };
        if ns.is_empty() || name.is_empty() || name.contains('/') {
            return Err(bad());
        }
        Ok(Endpoint::Workload {
            namespace: ns.to_string(),
            name: name.to_string(),
            kind,
        })
    }
}

/// Parses `PROTOCOL/PORT`, e.g. `TCP/8080` (protocol case-insensitive).
pub fn parse_port(input: &str) -> Result<(Protocol, u16), Error> {
    let bad = || Error::InvalidPort {
        input: input.to_string(),
    };
    let (p, n) = input.split_once('/').ok_or_else(bad)?;
    let proto = Protocol::parse(p).ok_or_else(bad)?;
    let port: u16 = n.parse().map_err(|_| bad())?;
    if port == 0 {
        return Err(bad());
    }
    Ok((proto, port))
}

/// How the policies of one side treat the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideStatus {
    /// This end is an external address: it has no policies of its own.
    External,
    /// This end runs on the host network (`spec.hostNetwork: true`): no NetworkPolicy (nor
    /// cluster-scoped tier) selects it; the node's security groups govern its traffic.
    HostNetwork,
    /// No NetworkPolicy selects the pod for this direction: allowed unless a
    /// cluster-scoped tier says otherwise.
    NotIsolated,
    /// At least one NetworkPolicy isolates the pod for this direction.
    Isolated,
}

/// Why a rule did not admit the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// The policy has no rules for this direction: it only isolates.
    NoRules,
    /// No peer of the rule matches the other end.
    PeerMismatch,
    /// The peer matches but the queried port is not among the rule's ports.
    PortMismatch,
    /// The peer matches but the named port does not exist on the destination pod
    /// (with that protocol), so the entry allows nothing.
    NamedPortUnresolved(String),
    /// The other end runs on the host network and every peer of the rule is a pod or
    /// namespace selector, which never matches it (its traffic carries the node's address).
    SelectorsOnly,
}

/// A NetworkPolicy-tier rule and what it does for this connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVerdict {
    /// The policy.
    pub policy: PolicyId,
    /// JSON path of the rule (or of the matching peer), e.g. `spec.ingress[0].from[1]`.
    pub path: String,
    /// Connections the rule admits for this pair (empty if it misses).
    pub admits: ConnSet,
    /// Why it admits nothing relevant, if so.
    pub miss: Option<Miss>,
    /// Set when the other end runs on the host network and the rule matches it through
    /// ipBlocks: the rule applies only if the node's address is in these ranges.
    pub node_addresses: Option<Vec<IpRange>>,
}

/// A cluster-scoped (admin or baseline tier) rule that matched the pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierVerdict {
    /// The policy.
    pub policy: PolicyId,
    /// JSON path of the rule.
    pub path: String,
    /// The rule's `name` (or its path if unnamed).
    pub rule_name: String,
    /// Its action.
    pub action: Action,
    /// The connections the rule covers for this pair.
    pub conns: ConnSet,
    /// Set when the other end runs on the host network: the rule applies only if the
    /// node's address is in these ranges (its `networks`).
    pub node_addresses: Option<Vec<IpRange>>,
}

/// What a pod-network side allows with a host-network peer on another node than its own.
/// With a pod on its own node everything is allowed: a pod cannot block traffic with its
/// node (the EKS VPC CNI agent admits the node's IP address both ways).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherNode {
    /// Allowed whatever the other node's address.
    pub at_least: ConnSet,
    /// Allowed for some node address (the node's IP is not in the manifests).
    pub at_most: ConnSet,
}

/// One direction of a `why` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// Egress (decided at the source) or ingress (decided at the destination).
    pub direction: Direction,
    /// The end whose policies apply (`ns/name[Kind]` or the address).
    pub subject: String,
    /// Isolation status.
    pub status: SideStatus,
    /// NetworkPolicy-tier policies selecting the subject for this direction.
    pub selecting: Vec<PolicyId>,
    /// Their rules, each with what it admits or why it does not.
    pub rules: Vec<RuleVerdict>,
    /// Matching admin / baseline tier rules in evaluation order.
    pub tiers: Vec<TierVerdict>,
    /// What this side allows.
    pub allowed: ConnSet,
    /// Set when this end is on the pod network and the other end on the host network.
    pub other_node: Option<OtherNode>,
}

/// The answer to `netpol why --from A --to B [--port P]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Source as displayed.
    pub from: String,
    /// Destination as displayed.
    pub to: String,
    /// The queried port, if any.
    pub port: Option<(Protocol, u16)>,
    /// Egress side (policies of the source).
    pub egress: Side,
    /// Ingress side (policies of the destination).
    pub ingress: Side,
    /// Connections allowed end to end (egress ∩ ingress).
    pub allowed: ConnSet,
}

impl Explanation {
    /// True if the queried port (or, without a port, anything at all) is allowed.
    pub fn is_allowed(&self) -> bool {
        match self.port {
            Some((p, n)) => self.allowed.contains(p, n),
            None => !self.allowed.is_empty(),
        }
    }
}

enum End {
    Class(usize, String),
    HostNet(String),
    Ext(IpAddr),
}

fn locate(cluster: &Cluster, eng: &Engine<'_>, e: &Endpoint, input: &str) -> Result<End, Error> {
    match e {
        Endpoint::Address(ip) => Ok(End::Ext(*ip)),
        Endpoint::Workload {
            namespace,
            name,
            kind,
        } => {
            let wi = cluster
                .workloads
                .iter()
                .position(|w| {
                    &w.id.namespace == namespace
                        && &w.id.name == name
                        && kind.is_none_or(|k| k == w.id.kind)
                })
                .ok_or_else(|| Error::UnknownWorkload {
                    input: input.to_string(),
                })?;
            let w = &cluster.workloads[wi];
            match eng.enforced.iter().position(|&i| i == wi) {
                Some(pos) => Ok(End::Class(eng.class_of[pos], w.id.to_string())),
                None => Ok(End::HostNet(w.id.to_string())),
            }
        }
    }
}

/// The split range holding an address, or [`Target::Unlisted`] (an address no ipBlock
/// names, e.g. IPv6 when no block uses IPv6).
fn address_target(ranges: &[IpRange], ip: IpAddr) -> Target {
    ranges
        .iter()
        .position(|r| r.contains(ip))
        .map_or(Target::Unlisted, Target::Ext)
}

/// Explains which policies select the source (egress side) and the destination (ingress
/// side), which rule admits the connection, or why nothing does.
///
/// A host-network end is selected by no policy (its side allows everything). Against a
/// pod-network end, its traffic carries its node's IP address: that side always allows
/// its own node and judges other nodes' addresses by ipBlocks only ([`Side::other_node`]).
pub fn explain(
    cluster: &Cluster,
    from: &str,
    to: &str,
    port: Option<(Protocol, u16)>,
) -> Result<Explanation, Error> {
    let eng = Engine::new(cluster);
    let fe = locate(cluster, &eng, &Endpoint::parse(from)?, from)?;
    let te = locate(cluster, &eng, &Endpoint::parse(to)?, to)?;
    if matches!((&fe, &te), (End::Ext(_), End::Ext(_))) {
        return Err(Error::NoWorkload {
            from: from.into(),
            to: to.into(),
        });
    }
    let subject = |e: &End| match e {
        End::Class(_, n) | End::HostNet(n) => n.clone(),
        End::Ext(ip) => ip.to_string(),
    };
    let shown = |e: &End| match e {
        End::HostNet(n) => format!("{n}{HOST_NETWORK_MARK}"),
        _ => subject(e),
    };
    let owner = match &te {
        End::Class(c, _) => Some(*c),
        _ => None,
    };
    let egress = match (&fe, &te) {
        (End::Ext(_), _) => passive(Direction::Egress, subject(&fe), SideStatus::External),
        (End::HostNet(_), _) => passive(Direction::Egress, subject(&fe), SideStatus::HostNetwork),
        (End::Class(s, n), End::HostNet(_)) => {
            node_side(&eng, Direction::Egress, *s, n.clone(), None, port)
        }
        (End::Class(s, n), End::Class(d, _)) => side(
            &eng,
            Direction::Egress,
            *s,
            n.clone(),
            Target::Class(*d),
            owner,
            port,
        ),
        (End::Class(s, n), End::Ext(ip)) => side(
            &eng,
            Direction::Egress,
            *s,
            n.clone(),
            address_target(&eng.ext_out, *ip),
            owner,
            port,
        ),
    };
    let ingress = match (&fe, &te) {
        (_, End::Ext(_)) => passive(Direction::Ingress, subject(&te), SideStatus::External),
        (_, End::HostNet(_)) => passive(Direction::Ingress, subject(&te), SideStatus::HostNetwork),
        (End::HostNet(_), End::Class(d, n)) => {
            node_side(&eng, Direction::Ingress, *d, n.clone(), Some(*d), port)
        }
        (End::Class(s, _), End::Class(d, n)) => side(
            &eng,
            Direction::Ingress,
            *d,
            n.clone(),
            Target::Class(*s),
            Some(*d),
            port,
        ),
        (End::Ext(ip), End::Class(d, n)) => side(
            &eng,
            Direction::Ingress,
            *d,
            n.clone(),
            address_target(&eng.ext_in, *ip),
            Some(*d),
            port,
        ),
    };
    let allowed = egress.allowed.intersect(&ingress.allowed);
    Ok(Explanation {
        from: shown(&fe),
        to: shown(&te),
        port,
        egress,
        ingress,
        allowed,
    })
}

fn passive(direction: Direction, subject: String, status: SideStatus) -> Side {
    Side {
        direction,
        subject,
        status,
        selecting: Vec::new(),
        rules: Vec::new(),
        tiers: Vec::new(),
        allowed: ConnSet::all(),
        other_node: None,
    }
}

fn side(
    eng: &Engine<'_>,
    dir: Direction,
    subj: usize,
    subject: String,
    t: Target,
    owner: Option<usize>,
    port: Option<(Protocol, u16)>,
) -> Side {
    let cluster = eng.cluster;
    let (pols, rules, field, list) = match dir {
        Direction::Ingress => (&eng.np_in[subj], &eng.ing, "from", "ingress"),
        Direction::Egress => (&eng.np_out[subj], &eng.egr, "to", "egress"),
    };
    let owner_ports = owner.map(|c| eng.class_ports(c));
    let mut verdicts = Vec::new();
    for &pi in pols {
        let policy = cluster.policies[pi].id.clone();
        if rules[pi].is_empty() {
            verdicts.push(RuleVerdict {
                policy,
                path: format!("spec.{list}"),
                admits: ConnSet::none(),
                miss: Some(Miss::NoRules),
                node_addresses: None,
            });
            continue;
        }
        for (ri, r) in rules[pi].iter().enumerate() {
            verdicts.push(rule_verdict(
                policy.clone(),
                r,
                ri,
                list,
                field,
                t,
                owner_ports,
                port,
            ));
        }
    }
    let (admin, base, store) = match dir {
        Direction::Ingress => (&eng.admin_in[subj], &eng.base_in[subj], &eng.tier_in),
        Direction::Egress => (&eng.admin_out[subj], &eng.base_out[subj], &eng.tier_out),
    };
    let mut tiers = Vec::new();
    for &ri in admin.iter().chain(base.iter()) {
        let r = &store[ri];
        if let Some(peer) = r.crule.matching_peer(t) {
            let tp = &cluster.tier_policies[r.policy];
            let conns = crate::eval::resolve_ports(&r.crule.ports, owner_ports);
            if conns.is_empty() {
                continue;
            }
            let tr = match dir {
                Direction::Ingress => tp.ingress.get(r.rule),
                Direction::Egress => tp.egress.get(r.rule),
            };
            let path = match (tr, peer) {
                (Some(tr), Some(j)) => tr
                    .peer_paths
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| format!("spec.{list}[{}]", tr.index)),
                (Some(tr), None) => format!("spec.{list}[{}]", tr.index),
                (None, _) => format!("spec.{list}"),
            };
            tiers.push(TierVerdict {
                policy: tp.id.clone(),
                path,
                rule_name: tr.map(|t| t.name.clone()).unwrap_or_default(),
                action: r.action,
                conns,
                node_addresses: None,
            });
        }
    }
    Side {
        direction: dir,
        subject,
        status: if pols.is_empty() {
            SideStatus::NotIsolated
        } else {
            SideStatus::Isolated
        },
        selecting: pols
            .iter()
            .map(|&pi| cluster.policies[pi].id.clone())
            .collect(),
        rules: verdicts,
        tiers,
        allowed: eng.side(dir, subj, t, owner).into_owned(),
        other_node: None,
    }
}

/// Sorted, merged union of address ranges.
fn merged(mut v: Vec<IpRange>) -> Vec<IpRange> {
    v.sort_unstable_by_key(|r| (r.family, r.start, r.end));
    let mut out: Vec<IpRange> = Vec::with_capacity(v.len());
    for r in v {
        match out.last_mut() {
            Some(l) if l.family == r.family && r.start <= l.end.saturating_add(1) => {
                l.end = l.end.max(r.end)
            }
            _ => out.push(r),
        }
    }
    out
}

/// The ipBlock peers of a rule: the union of their address sets and the index of the first.
fn ip_block_peers<'p>(peers: impl Iterator<Item = &'p PeerSpec>) -> Option<(Vec<IpRange>, usize)> {
    let mut ranges = Vec::new();
    let mut first = None;
    for (j, p) in peers.enumerate() {
        if let PeerSpec::IpBlock(b) = p {
            ranges.extend(b.intervals());
            first.get_or_insert(j);
        }
    }
    first.map(|f| (merged(ranges), f))
}

/// A pod-network side whose other end runs on the host network: its traffic carries its
/// node's address. The pod's own node is always allowed; another node's address is judged
/// like any address outside the pod network, which only ipBlocks and peer-less rules match.
fn node_side(
    eng: &Engine<'_>,
    dir: Direction,
    subj: usize,
    subject: String,
    owner: Option<usize>,
    port: Option<(Protocol, u16)>,
) -> Side {
    let cluster = eng.cluster;
    let (pols, rules, field, list, ext) = match dir {
        Direction::Ingress => (&eng.np_in[subj], &eng.ing, "from", "ingress", &eng.ext_in),
        Direction::Egress => (&eng.np_out[subj], &eng.egr, "to", "egress", &eng.ext_out),
    };
    let owner_ports = owner.map(|c| eng.class_ports(c));
    let mut verdicts = Vec::new();
    for &pi in pols {
        let p = &cluster.policies[pi];
        if rules[pi].is_empty() {
            verdicts.push(RuleVerdict {
                policy: p.id.clone(),
                path: format!("spec.{list}"),
                admits: ConnSet::none(),
                miss: Some(Miss::NoRules),
                node_addresses: None,
            });
            continue;
        }
        let source = match dir {
            Direction::Ingress => &p.ingress,
            Direction::Egress => &p.egress,
        };
        for (ri, r) in rules[pi].iter().enumerate() {
            let base = format!("spec.{list}[{ri}]");
            let blocks = source
                .get(ri)
                .and_then(|sr| ip_block_peers(sr.peers.iter().flatten()));
            let (path, node_addresses) = match (r.all_peers, blocks) {
                (true, _) => (base, None),
                (false, Some((ranges, j))) => (format!("{base}.{field}[{j}]"), Some(ranges)),
                (false, None) => {
                    verdicts.push(RuleVerdict {
                        policy: p.id.clone(),
                        path: base,
                        admits: ConnSet::none(),
                        miss: Some(Miss::SelectorsOnly),
                        node_addresses: None,
                    });
                    continue;
                }
            };
            let (admits, miss) = port_verdict(r, owner_ports, port);
            verdicts.push(RuleVerdict {
                policy: p.id.clone(),
                path,
                admits,
                miss,
                node_addresses,
            });
        }
    }
    let (admin, base, store) = match dir {
        Direction::Ingress => (&eng.admin_in[subj], &eng.base_in[subj], &eng.tier_in),
        Direction::Egress => (&eng.admin_out[subj], &eng.base_out[subj], &eng.tier_out),
    };
    let mut tiers = Vec::new();
    for &ri in admin.iter().chain(base.iter()) {
        let r = &store[ri];
        let tp = &cluster.tier_policies[r.policy];
        let Some(tr) = (match dir {
            Direction::Ingress => tp.ingress.get(r.rule),
            Direction::Egress => tp.egress.get(r.rule),
        }) else {
            continue;
        };
        let Some((ranges, j)) = ip_block_peers(tr.peers.iter()) else {
            continue;
        };
        let conns = crate::eval::resolve_ports(&r.crule.ports, owner_ports);
        if conns.is_empty() {
            continue;
        }
        tiers.push(TierVerdict {
            policy: tp.id.clone(),
            path: tr
                .peer_paths
                .get(j)
                .cloned()
                .unwrap_or_else(|| format!("spec.{list}[{}]", tr.index)),
            rule_name: tr.name.clone(),
            action: r.action,
            conns,
            node_addresses: Some(ranges),
        });
    }
    // Bounds over every address the node could have: each split range, and addresses no
    // ipBlock names when the split does not cover IPv6.
    let mut targets: Vec<Target> = (0..ext.len()).map(Target::Ext).collect();
    if !ext.iter().any(|r| r.family == crate::ip::Family::V6) {
        targets.push(Target::Unlisted);
    }
    let mut at_least = ConnSet::all();
    let mut at_most = ConnSet::none();
    for t in targets {
        let c = eng.side(dir, subj, t, owner);
        at_least = at_least.intersect(&c);
        at_most.union_with(&c);
    }
    Side {
        direction: dir,
        subject,
        status: if pols.is_empty() {
            SideStatus::NotIsolated
        } else {
            SideStatus::Isolated
        },
        selecting: pols
            .iter()
            .map(|&pi| cluster.policies[pi].id.clone())
            .collect(),
        rules: verdicts,
        tiers,
        allowed: ConnSet::all(),
        other_node: Some(OtherNode { at_least, at_most }),
    }
}

/// What a rule whose peer matches admits, and why that misses the queried port, if it does.
fn port_verdict(
    r: &CRule,
    owner_ports: Option<&[ContainerPort]>,
    port: Option<(Protocol, u16)>,
) -> (ConnSet, Option<Miss>) {
    let admits = crate::eval::resolve_ports(&r.ports, owner_ports);
    let unresolved = r.ports.iter().flatten().find_map(|p| match &p.value {
        PortValue::Named(n) | PortValue::NamedAnyProtocol(n) => {
            let found = owner_ports.unwrap_or_default().iter().any(|cp| {
                cp.name.as_deref() == Some(n.as_str())
                    && (matches!(p.value, PortValue::NamedAnyProtocol(_))
                        || cp.protocol == p.protocol)
            });
            (!found).then(|| n.clone())
        }
        _ => None,
    });
    let relevant = match port {
        Some((p, n)) => admits.contains(p, n),
        None => !admits.is_empty(),
    };
    let miss = if relevant {
        None
    } else if let Some(n) = unresolved {
        Some(Miss::NamedPortUnresolved(n))
    } else {
        Some(Miss::PortMismatch)
    };
    (admits, miss)
}

#[allow(clippy::too_many_arguments)]
fn rule_verdict(
    policy: PolicyId,
    r: &CRule,
    ri: usize,
    list: &str,
    field: &str,
    t: Target,
    owner_ports: Option<&[ContainerPort]>,
    port: Option<(Protocol, u16)>,
) -> RuleVerdict {
    let base = format!("spec.{list}[{ri}]");
    let Some(peer) = r.matching_peer(t) else {
        return RuleVerdict {
            policy,
            path: base,
            admits: ConnSet::none(),
            miss: Some(Miss::PeerMismatch),
            node_addresses: None,
        };
    };
    let path = match peer {
        Some(j) => format!("{base}.{field}[{j}]"),
        None => base.clone(),
    };
    let (admits, miss) = port_verdict(r, owner_ports, port);
    RuleVerdict {
        policy,
        path,
        admits,
        miss,
        node_addresses: None,
    }
}

fn ranges_text(v: &[IpRange]) -> String {
    v.iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} side ({}): ", self.direction, self.subject)?;
        match self.status {
            SideStatus::External => writeln!(f, "external address, no policies apply")?,
            SideStatus::HostNetwork => writeln!(
                f,
                "{} runs on the host network: NetworkPolicies do not select it; traffic to and from it is governed by the node's security groups",
                self.subject
            )?,
            SideStatus::NotIsolated => writeln!(
                f,
                "no NetworkPolicy selects it for {}, so it is not isolated",
                self.direction
            )?,
            SideStatus::Isolated => {
                let names: Vec<String> = self.selecting.iter().map(|p| p.to_string()).collect();
                writeln!(f, "isolated by {}", names.join(", "))?;
            }
        }
        let with = match self.direction {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        };
        let only_if = |v: &Option<Vec<IpRange>>| match v {
            Some(r) => format!(" if the node's address is in {}", ranges_text(r)),
            None => String::new(),
        };
        if self.other_node.is_some() {
            writeln!(
                f,
                "  the other end runs on the host network: its traffic carries its node's IP address, which pod and namespace selectors never match"
            )?;
            writeln!(
                f,
                "  {with} its own node: always allowed (a pod cannot block traffic with its node; the VPC CNI network policy agent admits the node's IP address)"
            )?;
            if !self.rules.is_empty() || !self.tiers.is_empty() {
                writeln!(
                    f,
                    "  {with} other nodes, only what admits the node's IP address applies:"
                )?;
            }
        }
        for t in &self.tiers {
            let action = match t.action {
                Action::Allow => "allows",
                Action::Deny => "denies",
                Action::Pass => "passes to the next tier",
            };
            writeln!(
                f,
                "  - {} {} (rule {:?}) {} {}{}",
                t.policy,
                t.path,
                t.rule_name,
                action,
                t.conns,
                only_if(&t.node_addresses)
            )?;
        }
        for r in &self.rules {
            match &r.miss {
                None => writeln!(
                    f,
                    "  - {} {} admits {}{}",
                    r.policy,
                    r.path,
                    r.admits,
                    only_if(&r.node_addresses)
                )?,
                Some(Miss::NoRules) => writeln!(
                    f,
                    "  - {} has no {} rules: it only isolates",
                    r.policy, self.direction
                )?,
                Some(Miss::PeerMismatch) => writeln!(
                    f,
                    "  - {} {}: no peer matches the other end",
                    r.policy, r.path
                )?,
                Some(Miss::PortMismatch) => writeln!(
                    f,
                    "  - {} {}: peer matches, port does not (rule allows {}{})",
                    r.policy,
                    r.path,
                    r.admits,
                    only_if(&r.node_addresses)
                )?,
                Some(Miss::NamedPortUnresolved(n)) => writeln!(
                    f,
                    "  - {} {}: peer matches, but named port {n:?} is not declared by the destination pod, so it allows nothing",
                    r.policy, r.path
                )?,
                Some(Miss::SelectorsOnly) => writeln!(
                    f,
                    "  - {} {}: pod and namespace selectors never match a host-network pod",
                    r.policy, r.path
                )?,
            }
        }
        match &self.other_node {
            None => {
                if self.status == SideStatus::Isolated
                    && self.rules.iter().all(|r| r.miss.is_some())
                    && self.tiers.is_empty()
                {
                    writeln!(f, "  no rule admits this connection")?;
                }
            }
            Some(o) if o.at_least == o.at_most => {
                writeln!(f, "  {with} other nodes allows: {}", o.at_least)?;
            }
            Some(o) => writeln!(
                f,
                "  {with} other nodes allows: at least {}, at most {}, depending on the node's address (ask `netpol why` with the node's IP address)",
                o.at_least, o.at_most
            )?,
        }
        writeln!(f, "  {} allows: {}", self.direction, self.allowed)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.is_allowed() {
            "ALLOWED"
        } else {
            "DENIED"
        };
        match self.port {
            Some((p, n)) => writeln!(f, "{} => {} on {p}/{n}: {verdict}", self.from, self.to)?,
            None => writeln!(
                f,
                "{} => {}: {verdict} ({})",
                self.from, self.to, self.allowed
            )?,
        }
        write!(f, "{}", self.egress)?;
        write!(f, "{}", self.ingress)
    }
}
