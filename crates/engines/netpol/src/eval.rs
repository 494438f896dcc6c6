//! The reachability engine: compiles a [`Cluster`] into per-class indexes and evaluates
//! every ordered pair of equivalence classes.
//!
//! Workloads with the same namespace, pod labels and container ports are
//! indistinguishable to every policy kind, so they form one class; the matrix is
//! computed per class pair and expanded to workload pairs only when read.

use crate::conn::ConnSet;
use crate::ip::{IpBlock, IpRange, covered_indices, split_space};
use crate::model::{
    Action, Cluster, ContainerPort, NsMatch, PeerSpec, PortSpec, PortValue, Rule, Tier, WorkloadId,
};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

static ALL: LazyLock<ConnSet> = LazyLock::new(ConnSet::all);
static NONE: LazyLock<ConnSet> = LazyLock::new(ConnSet::none);

/// Traffic direction, seen from the pod a policy selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Traffic into the selected pod.
    Ingress,
    /// Traffic out of the selected pod.
    Egress,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        })
    }
}

/// One end of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    /// A workload in the cluster.
    Workload(WorkloadId),
    /// An external address range (one piece of the split at ipBlock boundaries).
    External(IpRange),
    /// A domain name from an ApplicationNetworkPolicy / ClusterNetworkPolicy `domainNames`.
    Domain(String),
}

/// `ns/name[Kind]`, `a.b.c.d-e.f.g.h[External]` or `example.com[Domain]`.
impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Workload(w) => w.fmt(f),
            Peer::External(r) => write!(f, "{r}[External]"),
            Peer::Domain(d) => write!(f, "{d}[Domain]"),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct BitSet(Vec<u64>);

impl BitSet {
    fn new(n: usize) -> BitSet {
        BitSet(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    pub(crate) fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// What a rule is evaluated against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Class(usize),
    Ext(usize),
    Domain(usize),
    /// An address outside every split range (IPv6 when no ipBlock uses IPv6): only
    /// peer-less rules match it.
    Unlisted,
}

/// A rule with its peers pre-matched against classes, external ranges and domains.
#[derive(Debug)]
pub(crate) struct CRule {
    pub all_peers: bool,
    /// Per peer: the classes / ranges / domains it matches (index-aligned with the source peers).
    pub peers: Vec<CPeer>,
    pub ports: Option<Vec<PortSpec>>,
    /// Ports without named entries, resolved once.
    pub static_ports: Option<ConnSet>,
}

#[derive(Debug)]
pub(crate) struct CPeer {
    pub classes: BitSet,
    pub ext: BitSet,
    pub domains: BitSet,
}

impl CRule {
    pub(crate) fn matching_peer(&self, t: Target) -> Option<Option<usize>> {
        if self.all_peers {
            return Some(None);
        }
        self.peers
            .iter()
            .position(|p| match t {
                Target::Class(c) => p.classes.has(c),
                Target::Ext(r) => p.ext.has(r),
                Target::Domain(d) => p.domains.has(d),
                Target::Unlisted => false,
            })
            .map(Some)
    }

    fn matches(&self, t: Target) -> bool {
        self.matching_peer(t).is_some()
    }
}

#[derive(Debug)]
pub(crate) struct CTierRule {
    pub policy: usize,
    pub rule: usize,
    pub action: Action,
    pub crule: CRule,
}

/// Resolves policy ports against the destination pod's container ports.
/// API reference, NetworkPolicyPort.port: a named port is looked up on the destination pod,
/// with the rule's protocol; a name that no container declares matches nothing.
pub(crate) fn resolve_ports(
    ports: &Option<Vec<PortSpec>>,
    owner: Option<&[ContainerPort]>,
) -> ConnSet {
    let Some(ports) = ports else {
        return ConnSet::all();
    };
    let mut out = ConnSet::none();
    for p in ports {
        match &p.value {
            PortValue::All => out.union_with(&ConnSet::protocol(p.protocol)),
            PortValue::Range(lo, hi) => out.union_with(&ConnSet::range(p.protocol, *lo, *hi)),
            PortValue::Named(n) => {
                for cp in owner.unwrap_or_default() {
                    if cp.name.as_deref() == Some(n.as_str()) && cp.protocol == p.protocol {
                        out.union_with(&ConnSet::port(cp.protocol, cp.port));
                    }
                }
            }
            PortValue::NamedAnyProtocol(n) => {
                for cp in owner.unwrap_or_default() {
                    if cp.name.as_deref() == Some(n.as_str()) {
                        out.union_with(&ConnSet::port(cp.protocol, cp.port));
                    }
                }
            }
        }
    }
    out
}

fn has_named(ports: &Option<Vec<PortSpec>>) -> bool {
    ports.iter().flatten().any(|p| {
        matches!(
            p.value,
            PortValue::Named(_) | PortValue::NamedAnyProtocol(_)
        )
    })
}

pub(crate) struct Class {
    pub ns: usize,
    pub rep: usize,
}

/// Compiled indexes over a cluster.
pub(crate) struct Engine<'c> {
    pub cluster: &'c Cluster,
    /// Indices (into `cluster.workloads`) of workloads on which policies are enforced.
    pub enforced: Vec<usize>,
    pub classes: Vec<Class>,
    /// Class of each enforced workload (aligned with `enforced`).
    pub class_of: Vec<usize>,
    /// Per class: NetworkPolicy-tier policies isolating it, per direction.
    pub np_in: Vec<Vec<usize>>,
    pub np_out: Vec<Vec<usize>>,
    /// Per policy, per rule.
    pub ing: Vec<Vec<CRule>>,
    pub egr: Vec<Vec<CRule>>,
    /// Per class: admin / baseline rules in evaluation order, per direction.
    pub admin_in: Vec<Vec<usize>>,
    pub admin_out: Vec<Vec<usize>>,
    pub base_in: Vec<Vec<usize>>,
    pub base_out: Vec<Vec<usize>>,
    pub tier_in: Vec<CTierRule>,
    pub tier_out: Vec<CTierRule>,
    pub ext_in: Vec<IpRange>,
    pub ext_out: Vec<IpRange>,
    pub domains: Vec<String>,
}

fn domain_matches(pattern: &str, domain: &str) -> bool {
    if pattern == domain {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => domain.len() > suffix.len() + 1 && domain.ends_with(&format!(".{suffix}")),
        None => false,
    }
}

impl<'c> Engine<'c> {
    pub fn new(cluster: &'c Cluster) -> Engine<'c> {
        let ns_index: HashMap<&str, usize> = cluster
            .namespaces
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), i))
            .collect();
        // Host-network pods share the node's network namespace: NetworkPolicy does not apply.
        let enforced: Vec<usize> = (0..cluster.workloads.len())
            .filter(|&i| !cluster.workloads[i].host_network)
            .collect();
        let mut key_to_class: HashMap<(usize, &crate::selector::Labels, &[ContainerPort]), usize> =
            HashMap::new();
        let mut classes = Vec::new();
        let mut class_of = Vec::with_capacity(enforced.len());
        for &wi in &enforced {
            let w = &cluster.workloads[wi];
            let ns = ns_index.get(w.id.namespace.as_str()).copied().unwrap_or(0);
            let key = (ns, &w.labels, w.ports.as_slice());
            let c = *key_to_class.entry(key).or_insert_with(|| {
                classes.push(Class { ns, rep: wi });
                classes.len() - 1
            });
            class_of.push(c);
        }
        let mut classes_by_ns: Vec<Vec<usize>> = vec![Vec::new(); cluster.namespaces.len()];
        for (ci, c) in classes.iter().enumerate() {
            if let Some(v) = classes_by_ns.get_mut(c.ns) {
                v.push(ci);
            }
        }
        let nclasses = classes.len();

        // External ranges, split separately per direction (as netpol-analyzer does).
        let mut in_blocks: Vec<&IpBlock> = Vec::new();
        let mut out_blocks: Vec<&IpBlock> = Vec::new();
        let mut domains: Vec<String> = Vec::new();
        for p in &cluster.policies {
            for r in &p.ingress {
                for peer in r.peers.iter().flatten() {
                    if let PeerSpec::IpBlock(b) = peer {
                        in_blocks.push(b);
                    }
                }
            }
            for r in &p.egress {
                for peer in r.peers.iter().flatten() {
                    match peer {
                        PeerSpec::IpBlock(b) => out_blocks.push(b),
                        PeerSpec::Domains(d) => domains.extend(d.iter().cloned()),
                        _ => {}
                    }
                }
            }
        }
        for tp in &cluster.tier_policies {
            for r in &tp.ingress {
                for peer in &r.peers {
                    if let PeerSpec::IpBlock(b) = peer {
                        in_blocks.push(b);
                    }
                }
            }
            for r in &tp.egress {
                for peer in &r.peers {
                    match peer {
                        PeerSpec::IpBlock(b) => out_blocks.push(b),
                        PeerSpec::Domains(d) => domains.extend(d.iter().cloned()),
                        _ => {}
                    }
                }
            }
        }
        domains.sort();
        domains.dedup();
        let ext_in = split_space(&in_blocks);
        let ext_out = split_space(&out_blocks);

        let ns_labels = |i: usize| &cluster.namespaces[i].labels;
        let compile_peer = |peer: &PeerSpec, ext: &[IpRange]| -> CPeer {
            let mut cp = CPeer {
                classes: BitSet::new(nclasses),
                ext: BitSet::new(ext.len()),
                domains: BitSet::new(domains.len()),
            };
            match peer {
                PeerSpec::Pods { ns, pods } => {
                    let nss: Vec<usize> = match ns {
                        NsMatch::Same(n) => ns_index.get(n.as_str()).copied().into_iter().collect(),
                        NsMatch::Selector(s) => (0..cluster.namespaces.len())
                            .filter(|&i| s.matches(ns_labels(i)))
                            .collect(),
                    };
                    for n in nss {
                        for &c in &classes_by_ns[n] {
                            if pods.matches(&cluster.workloads[classes[c].rep].labels) {
                                cp.classes.set(c);
                            }
                        }
                    }
                }
                PeerSpec::IpBlock(b) => {
                    for i in covered_indices(ext, &b.intervals()) {
                        cp.ext.set(i);
                    }
                }
                PeerSpec::Domains(ds) => {
                    for (i, d) in domains.iter().enumerate() {
                        if ds.iter().any(|p| domain_matches(p, d)) {
                            cp.domains.set(i);
                        }
                    }
                }
                PeerSpec::Nothing => {}
            }
            cp
        };
        let compile_rule = |r: &Rule, ext: &[IpRange]| -> CRule {
            let static_ports = (!has_named(&r.ports)).then(|| resolve_ports(&r.ports, None));
            CRule {
                all_peers: r.peers.is_none(),
                peers: r
                    .peers
                    .iter()
                    .flatten()
                    .map(|p| compile_peer(p, ext))
                    .collect(),
                ports: r.ports.clone(),
                static_ports,
            }
        };

        let mut np_in = vec![Vec::new(); nclasses];
        let mut np_out = vec![Vec::new(); nclasses];
        let mut ing = Vec::new();
        let mut egr = Vec::new();
        for (pi, p) in cluster.policies.iter().enumerate() {
            if let Some(&n) = ns_index.get(p.namespace.as_str()) {
                for &c in &classes_by_ns[n] {
                    if p.pod_selector
                        .matches(&cluster.workloads[classes[c].rep].labels)
                    {
                        if p.affects_ingress {
                            np_in[c].push(pi);
                        }
                        if p.affects_egress {
                            np_out[c].push(pi);
                        }
                    }
                }
            }
            // Rules of a direction the policy does not affect are ignored (API reference,
            // policyTypes: only listed types apply).
            ing.push(if p.affects_ingress {
                p.ingress.iter().map(|r| compile_rule(r, &ext_in)).collect()
            } else {
                Vec::new()
            });
            egr.push(if p.affects_egress {
                p.egress.iter().map(|r| compile_rule(r, &ext_out)).collect()
            } else {
                Vec::new()
            });
        }

        let mut admin_in = vec![Vec::new(); nclasses];
        let mut admin_out = vec![Vec::new(); nclasses];
        let mut base_in = vec![Vec::new(); nclasses];
        let mut base_out = vec![Vec::new(); nclasses];
        let mut tier_in = Vec::new();
        let mut tier_out = Vec::new();
        // tier_policies are sorted by (tier, priority, id): evaluation order.
        for (ti, tp) in cluster.tier_policies.iter().enumerate() {
            let subject: Vec<usize> = (0..nclasses)
                .filter(|&c| {
                    tp.subject_ns.matches(ns_labels(classes[c].ns))
                        && tp
                            .subject_pods
                            .matches(&cluster.workloads[classes[c].rep].labels)
                })
                .collect();
            for (dir_rules, store, per_class_admin, per_class_base, ext) in [
                (
                    &tp.ingress,
                    &mut tier_in,
                    &mut admin_in,
                    &mut base_in,
                    &ext_in,
                ),
                (
                    &tp.egress,
                    &mut tier_out,
                    &mut admin_out,
                    &mut base_out,
                    &ext_out,
                ),
            ] {
                for (ri, r) in dir_rules.iter().enumerate() {
                    let rule = Rule {
                        peers: Some(r.peers.clone()),
                        ports: r.ports.clone(),
                    };
                    store.push(CTierRule {
                        policy: ti,
                        rule: ri,
                        action: r.action,
                        crule: compile_rule(&rule, ext),
                    });
                    let idx = store.len() - 1;
                    for &c in &subject {
                        match tp.tier {
                            Tier::Admin => per_class_admin[c].push(idx),
                            Tier::Baseline => per_class_base[c].push(idx),
                        }
                    }
                }
            }
        }

        Engine {
            cluster,
            enforced,
            classes,
            class_of,
            np_in,
            np_out,
            ing,
            egr,
            admin_in,
            admin_out,
            base_in,
            base_out,
            tier_in,
            tier_out,
            ext_in,
            ext_out,
            domains,
        }
    }

    pub(crate) fn class_ports(&self, c: usize) -> &[ContainerPort] {
        &self.cluster.workloads[self.classes[c].rep].ports
    }

    fn rule_ports<'a>(&self, r: &'a CRule, owner: Option<usize>) -> Cow<'a, ConnSet> {
        match &r.static_ports {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(resolve_ports(&r.ports, owner.map(|c| self.class_ports(c)))),
        }
    }

    /// NetworkPolicy tier for one direction: `None` if no policy isolates `subj` in that
    /// direction, else the union of what the isolating policies' rules admit from/to `t`.
    pub(crate) fn np_side(
        &self,
        dir: Direction,
        subj: usize,
        t: Target,
        owner: Option<usize>,
    ) -> Option<Cow<'_, ConnSet>> {
        let (pols, rules) = match dir {
            Direction::Ingress => (&self.np_in[subj], &self.ing),
            Direction::Egress => (&self.np_out[subj], &self.egr),
        };
        if pols.is_empty() {
            return None;
        }
        // API reference, NetworkPolicySpec: policies are additive; traffic is allowed if at
        // least one rule of any policy selecting the pod allows it.
        let mut acc: Option<Cow<'_, ConnSet>> = None;
        for &pi in pols {
            for r in &rules[pi] {
                if !r.matches(t) {
                    continue;
                }
                let p = self.rule_ports(r, owner);
                acc = Some(match acc {
                    None => p,
                    Some(a) => Cow::Owned(a.union(&p)),
                });
                if acc.as_ref().is_some_and(|a| a.is_all()) {
                    return Some(Cow::Borrowed(&ALL));
                }
            }
        }
        Some(acc.unwrap_or(Cow::Borrowed(&NONE)))
    }

    /// Full precedence for one direction: admin tier (ANP / CNP Admin, first match by
    /// priority), then NetworkPolicy tier, then baseline tier (BANP / CNP Baseline),
    /// then the default allow.
    pub(crate) fn side(
        &self,
        dir: Direction,
        subj: usize,
        t: Target,
        owner: Option<usize>,
    ) -> Cow<'_, ConnSet> {
        let (admin, base, store) = match dir {
            Direction::Ingress => (&self.admin_in[subj], &self.base_in[subj], &self.tier_in),
            Direction::Egress => (&self.admin_out[subj], &self.base_out[subj], &self.tier_out),
        };
        if admin.is_empty() && base.is_empty() {
            return self
                .np_side(dir, subj, t, owner)
                .unwrap_or(Cow::Borrowed(&ALL));
        }
        let mut remaining = ConnSet::all();
        let mut allowed = ConnSet::none();
        let mut passed = ConnSet::none();
        for &ri in admin {
            let r = &store[ri];
            if remaining.is_empty() {
                break;
            }
            if !r.crule.matches(t) {
                continue;
            }
            let eff = remaining.intersect(&self.rule_ports(&r.crule, owner));
            match r.action {
                Action::Allow => allowed.union_with(&eff),
                Action::Deny => {}
                Action::Pass => passed.union_with(&eff),
            }
            remaining = remaining.subtract(&eff);
        }
        let undecided = remaining.union(&passed);
        if let Some(np) = self.np_side(dir, subj, t, owner) {
            allowed.union_with(&undecided.intersect(&np));
            return Cow::Owned(allowed);
        }
        let mut remaining = undecided;
        for &ri in base {
            let r = &store[ri];
            if remaining.is_empty() {
                break;
            }
            if !r.crule.matches(t) {
                continue;
            }
            let eff = remaining.intersect(&self.rule_ports(&r.crule, owner));
            match r.action {
                // A baseline Pass skips the rest of the tier: the default (allow) applies.
                Action::Allow | Action::Pass => allowed.union_with(&eff),
                Action::Deny => {}
            }
            remaining = remaining.subtract(&eff);
        }
        allowed.union_with(&remaining);
        Cow::Owned(allowed)
    }

    /// Allowed connections from class `s` to class `d`: egress side of `s` ∩ ingress side of `d`.
    pub(crate) fn class_pair(&self, s: usize, d: usize) -> Cow<'_, ConnSet> {
        let e = self.side(Direction::Egress, s, Target::Class(d), Some(d));
        if e.is_empty() {
            return e;
        }
        let i = self.side(Direction::Ingress, d, Target::Class(s), Some(d));
        intersect_cow(e, i)
    }
}

fn intersect_cow<'a>(a: Cow<'a, ConnSet>, b: Cow<'a, ConnSet>) -> Cow<'a, ConnSet> {
    if a.is_all() {
        b
    } else if b.is_all() {
        a
    } else {
        Cow::Owned(a.intersect(&b))
    }
}

/// The computed reachability: allowed connections for every ordered pair of workloads,
/// from every external range to every workload, and from every workload to every external
/// range and domain.
///
/// Host-network workloads are in it too, marked ([`Reachability::is_host_network`],
/// [`Connection::src_host_network`]): no NetworkPolicy selects them, so everything to and
/// from them is `All Connections` (see [`Cluster::reachability`] for why that is exact).
#[derive(Debug, Clone)]
pub struct Reachability {
    /// Every workload of the cluster, in the cluster's order.
    workloads: Vec<WorkloadId>,
    host_network: Vec<bool>,
    host_network_ids: Vec<WorkloadId>,
    by_id: HashMap<WorkloadId, usize>,
    /// Class of each workload; host-network workloads share the extra class `nclasses`.
    class_of: Vec<u32>,
    nclasses: usize,
    /// `nclasses * nclasses` pod-network class pairs.
    pair: Vec<u32>,
    ext_in: Vec<IpRange>,
    ext_out: Vec<IpRange>,
    /// Per class (the host-network class last): external sources, adjacent ranges that allow
    /// the same connections merged.
    ext_in_rows: Vec<Vec<(IpRange, u32)>>,
    /// Per class (the host-network class last): external destinations, merged likewise.
    ext_out_rows: Vec<Vec<(IpRange, u32)>>,
    domains: Vec<String>,
    /// Per class (the host-network class last), per domain.
    domain_conn: Vec<u32>,
    conns: Vec<ConnSet>,
    /// Index of `All Connections` in `conns`.
    all: u32,
}

/// One allowed connection (never empty, never a self-pair).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection<'a> {
    /// Source.
    pub src: PeerRef<'a>,
    /// Destination.
    pub dst: PeerRef<'a>,
    /// Allowed connections.
    pub conn: &'a ConnSet,
    /// The source is a workload on the host network (`spec.hostNetwork: true`).
    pub src_host_network: bool,
    /// The destination is a workload on the host network.
    pub dst_host_network: bool,
}

/// A borrowed [`Peer`], so iterating a large matrix allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerRef<'a> {
    /// A workload.
    Workload(&'a WorkloadId),
    /// An external range.
    External(&'a IpRange),
    /// A domain name.
    Domain(&'a str),
}

impl fmt::Display for PeerRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerRef::Workload(w) => w.fmt(f),
            PeerRef::External(r) => write!(f, "{r}[External]"),
            PeerRef::Domain(d) => write!(f, "{d}[Domain]"),
        }
    }
}

impl PeerRef<'_> {
    /// An owned copy.
    pub fn to_peer(&self) -> Peer {
        match self {
            PeerRef::Workload(w) => Peer::Workload((*w).clone()),
            PeerRef::External(r) => Peer::External(**r),
            PeerRef::Domain(d) => Peer::Domain(d.to_string()),
        }
    }
}

struct Interner {
    map: HashMap<ConnSet, u32>,
    list: Vec<ConnSet>,
}

impl Interner {
    fn new() -> Interner {
        let mut i = Interner {
            map: HashMap::new(),
            list: Vec::new(),
        };
        i.get(&ConnSet::none());
        i
    }
    fn get(&mut self, c: &ConnSet) -> u32 {
        if let Some(&i) = self.map.get(c) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(c.clone());
        self.map.insert(c.clone(), i);
        i
    }
}

/// Rows of one class against the split external ranges, adjacent ranges of one family that
/// allow the same connections merged into one (the split itself is shared by every class,
/// so it is finer than any one class needs).
fn merge_rows(ranges: &[IpRange], conn: impl Fn(usize) -> u32) -> Vec<(IpRange, u32)> {
    let mut out: Vec<(IpRange, u32)> = Vec::new();
    for (i, r) in ranges.iter().enumerate() {
        let c = conn(i);
        match out.last_mut() {
            Some((last, lc))
                if *lc == c
                    && last.family == r.family
                    && last.end.checked_add(1) == Some(r.start) =>
            {
                last.end = r.end;
            }
            _ => out.push((*r, c)),
        }
    }
    out
}

impl Reachability {
    pub(crate) fn compute(cluster: &Cluster) -> Reachability {
        let eng = Engine::new(cluster);
        let n = eng.classes.len();
        let mut interner = Interner::new();
        let all = interner.get(&ConnSet::all());
        let mut pair = Vec::with_capacity(n * n);
        // Rows in parallel, interned in bounded chunks so peak memory stays near the output.
        const CHUNK: usize = 64;
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let rows: Vec<Vec<Cow<'_, ConnSet>>> = (start..end)
                .into_par_iter()
                .map(|s| (0..n).map(|d| eng.class_pair(s, d)).collect())
                .collect();
            for row in rows {
                for c in row {
                    pair.push(interner.get(&c));
                }
            }
            start = end;
        }
        // External sources have no egress policy: only the destination's ingress side applies.
        let ext_in_rows = Self::ext_rows(&eng, &mut interner, all, &eng.ext_in, |s, r| {
            eng.side(Direction::Ingress, s, Target::Ext(r), Some(s))
        });
        let ext_out_rows = Self::ext_rows(&eng, &mut interner, all, &eng.ext_out, |s, r| {
            eng.side(Direction::Egress, s, Target::Ext(r), None)
        });
        let mut domain_conn = Vec::with_capacity(eng.domains.len() * (n + 1));
        for s in 0..n {
            for k in 0..eng.domains.len() {
                let c = eng.side(Direction::Egress, s, Target::Domain(k), None);
                domain_conn.push(interner.get(&c));
            }
        }
        domain_conn.extend(std::iter::repeat_n(all, eng.domains.len()));

        let mut class_of = vec![n as u32; cluster.workloads.len()];
        for (pos, &wi) in eng.enforced.iter().enumerate() {
            class_of[wi] = eng.class_of[pos] as u32;
        }
        let workloads: Vec<WorkloadId> = cluster.workloads.iter().map(|w| w.id.clone()).collect();
        Reachability {
            by_id: workloads
                .iter()
                .enumerate()
                .map(|(i, w)| (w.clone(), i))
                .collect(),
            host_network: cluster.workloads.iter().map(|w| w.host_network).collect(),
            host_network_ids: cluster
                .workloads
                .iter()
                .filter(|w| w.host_network)
                .map(|w| w.id.clone())
                .collect(),
            workloads,
            class_of,
            nclasses: n,
            pair,
            ext_in: eng.ext_in.clone(),
            ext_out: eng.ext_out.clone(),
            ext_in_rows,
            ext_out_rows,
            domains: eng.domains.clone(),
            domain_conn,
            conns: interner.list,
            all,
        }
    }

    /// Per class, then the host-network class (everything allowed): merged external rows.
    fn ext_rows<'e, F>(
        eng: &'e Engine<'_>,
        interner: &mut Interner,
        all: u32,
        ranges: &[IpRange],
        side: F,
    ) -> Vec<Vec<(IpRange, u32)>>
    where
        F: Fn(usize, usize) -> Cow<'e, ConnSet> + Sync,
    {
        let n = eng.classes.len();
        let mut out = Vec::with_capacity(n + 1);
        const CHUNK: usize = 64;
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let rows: Vec<Vec<Cow<'e, ConnSet>>> = (start..end)
                .into_par_iter()
                .map(|s| (0..ranges.len()).map(|r| side(s, r)).collect())
                .collect();
            for row in rows {
                let ids: Vec<u32> = row.iter().map(|c| interner.get(c)).collect();
                out.push(merge_rows(ranges, |r| ids[r]));
            }
            start = end;
        }
        out.push(merge_rows(ranges, |_| all));
        out
    }

    /// Host-network workloads (`spec.hostNetwork: true`), in the matrix with everything
    /// allowed to and from them.
    pub fn host_network(&self) -> impl Iterator<Item = &WorkloadId> + '_ {
        self.workloads
            .iter()
            .zip(&self.host_network)
            .filter(|(_, h)| **h)
            .map(|(w, _)| w)
    }

    /// The host-network workloads as a slice, for callers of the old API: before they were
    /// in the matrix, they were listed here only. Same workloads as
    /// [`Reachability::host_network`].
    pub fn not_enforced(&self) -> &[WorkloadId] {
        &self.host_network_ids
    }

    /// True if the workload is in the matrix and runs on the host network.
    pub fn is_host_network(&self, w: &WorkloadId) -> bool {
        self.index_of(w).is_some_and(|i| self.host_network[i])
    }

    /// Every workload, host-network ones included.
    pub fn workloads(&self) -> &[WorkloadId] {
        &self.workloads
    }

    /// Number of equivalence classes the matrix was computed over (pod-network workloads;
    /// host-network ones need none).
    pub fn class_count(&self) -> usize {
        self.nclasses
    }

    /// External ranges used as sources: the address space split at the boundaries of the
    /// address sets of the ingress ipBlocks. Rows of the output merge adjacent ones that
    /// allow the same connections.
    pub fn external_sources(&self) -> &[IpRange] {
        &self.ext_in
    }

    /// External ranges used as destinations (split at the egress ipBlocks' set boundaries).
    pub fn external_destinations(&self) -> &[IpRange] {
        &self.ext_out
    }

    fn index_of(&self, w: &WorkloadId) -> Option<usize> {
        self.by_id.get(w).copied()
    }

    /// Allowed connections between two workloads (`None` if either is not in the input).
    pub fn between(&self, src: &WorkloadId, dst: &WorkloadId) -> Option<&ConnSet> {
        let (s, d) = (self.index_of(src)?, self.index_of(dst)?);
        Some(self.pair_conn(s, d))
    }

    fn pair_conn(&self, s: usize, d: usize) -> &ConnSet {
        let (cs, cd) = (self.class_of[s] as usize, self.class_of[d] as usize);
        if cs == self.nclasses || cd == self.nclasses {
            return &self.conns[self.all as usize];
        }
        &self.conns[self.pair[cs * self.nclasses + cd] as usize]
    }

    fn row_at(rows: &[(IpRange, u32)], ip: std::net::IpAddr) -> Option<u32> {
        rows.iter().find(|(r, _)| r.contains(ip)).map(|&(_, c)| c)
    }

    /// Allowed connections from an external address to a workload.
    pub fn from_address(&self, ip: std::net::IpAddr, dst: &WorkloadId) -> Option<&ConnSet> {
        let d = self.class_of[self.index_of(dst)?] as usize;
        Some(&self.conns[Self::row_at(&self.ext_in_rows[d], ip)? as usize])
    }

    /// Allowed connections from a workload to an external address.
    pub fn to_address(&self, src: &WorkloadId, ip: std::net::IpAddr) -> Option<&ConnSet> {
        let s = self.class_of[self.index_of(src)?] as usize;
        Some(&self.conns[Self::row_at(&self.ext_out_rows[s], ip)? as usize])
    }

    /// Every allowed connection (non-empty, not a self-pair), in matrix order: workload
    /// pairs, then external sources, then external and domain destinations. External rows
    /// are per workload, adjacent ranges that allow the same connections merged.
    pub fn connections(&self) -> impl Iterator<Item = Connection<'_>> + '_ {
        let nw = self.workloads.len();
        let hn = &self.host_network;
        let pairs = (0..nw).flat_map(move |s| {
            (0..nw).filter(move |&d| d != s).map(move |d| Connection {
                src: PeerRef::Workload(&self.workloads[s]),
                dst: PeerRef::Workload(&self.workloads[d]),
                conn: self.pair_conn(s, d),
                src_host_network: hn[s],
                dst_host_network: hn[d],
            })
        });
        let ext_in = (0..nw).flat_map(move |d| {
            self.ext_in_rows[self.class_of[d] as usize]
                .iter()
                .map(move |(r, c)| Connection {
                    src: PeerRef::External(r),
                    dst: PeerRef::Workload(&self.workloads[d]),
                    conn: &self.conns[*c as usize],
                    src_host_network: false,
                    dst_host_network: hn[d],
                })
        });
        let nd = self.domains.len();
        let ext_out = (0..nw).flat_map(move |s| {
            let cs = self.class_of[s] as usize;
            self.ext_out_rows[cs]
                .iter()
                .map(move |(r, c)| Connection {
                    src: PeerRef::Workload(&self.workloads[s]),
                    dst: PeerRef::External(r),
                    conn: &self.conns[*c as usize],
                    src_host_network: hn[s],
                    dst_host_network: false,
                })
                .chain((0..nd).map(move |k| Connection {
                    src: PeerRef::Workload(&self.workloads[s]),
                    dst: PeerRef::Domain(&self.domains[k]),
                    conn: &self.conns[self.domain_conn[cs * nd + k] as usize],
                    src_host_network: hn[s],
                    dst_host_network: false,
                }))
        });
        pairs
            .chain(ext_in)
            .chain(ext_out)
            .filter(|c| !c.conn.is_empty())
    }

    /// Number of allowed connections ([`Reachability::connections`] count).
    pub fn len(&self) -> usize {
        self.connections().count()
    }

    /// True if nothing is allowed at all.
    pub fn is_empty(&self) -> bool {
        self.connections().next().is_none()
    }
}

impl Cluster {
    /// Computes allowed connections for every ordered pair of workloads and between
    /// workloads and external ranges.
    ///
    /// Host-network workloads (`spec.hostNetwork: true`) share the node's network namespace:
    /// no NetworkPolicy, AdminNetworkPolicy or ClusterNetworkPolicy selects them (the VPC CNI
    /// agent attaches its programs to pod interfaces they do not have), and pod and namespace
    /// selectors in rules never match them, because their traffic carries the node's IP
    /// address. So everything to and from them is allowed, with these exactness notes:
    /// - with external addresses and other host-network workloads: no policy applies at all;
    ///   the node's security groups govern that traffic;
    /// - with a pod-network workload: its policies judge the node's IP address, which only
    ///   ipBlocks (and rules without peers) match, except for a pod on its own node: a pod
    ///   cannot block traffic with its node (Kubernetes: pods cannot block "access from their
    ///   resident node"; the EKS VPC CNI agent admits the node IP both ways). Whether a pod of
    ///   the host-network workload shares a node with it is not in the manifests (a DaemonSet
    ///   normally runs on every node), so the matrix says `All Connections`, the connections
    ///   that can happen; [`crate::explain`] shows what other nodes get.
    pub fn reachability(&self) -> Reachability {
        Reachability::compute(self)
    }
}
