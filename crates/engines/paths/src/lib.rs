//! Attack paths across layers (issue #15): every route from the internet, or
//! from any pod, to what an attacker is after — AWS administrator or
//! privilege escalation, AWS data access, Kubernetes cluster-admin, Secrets
//! in every namespace, node takeover — with the evidence for each step and
//! the smallest changes that break the most paths.
//!
//! Each edge is an answer an engine already gives exactly:
//! - **exposure**: a `Service` or `Ingress` whose AWS load balancer is
//!   internet-facing (EKS Auto Mode / AWS Load Balancer Controller rules and
//!   defaults, [`expose`]), or a node/host port a node security group opens
//!   to the internet — *and* the NetworkPolicy engine admitting traffic from
//!   outside the cluster to the pod on that port;
//! - **lateral**: pod-to-pod reachability from the NetworkPolicy engine
//!   (`eksguard-netpol`), over its equivalence classes; when the input shows
//!   enforcement off (the VPC CNI network policy controller), policies block
//!   nothing and the evidence says so;
//! - **escape**: the Pod Security checks (`eksguard-pss`, baseline) that make
//!   a pod its node: privileged, hostPID, sensitive hostPath, dangerous
//!   capabilities ([`escape`]); pods the namespace's `enforce` level rejects
//!   never run and are not sources;
//! - **node credentials**: the node role through IMDS — host-network pods
//!   always, pod-network pods where the hop limit (1 on EKS Auto Mode) or
//!   IMDSv1 lets them and their egress policy allows 169.254.169.254:80;
//! - **workload identity**: ServiceAccount → IAM role through IRSA or EKS Pod
//!   Identity, only when the role's trust policy admits it (the identity
//!   view's bindings, checked with `eksguard_iam::binding_status`); role →
//!   role through `sts:AssumeRole` (identity *and* trust policy); what a role
//!   may do from the blast-radius engine's risk rules; EKS access entries and
//!   `aws-auth` `system:masters` mappings into Kubernetes;
//! - **RBAC**: the ServiceAccount token (when mounted) and its bindings:
//!   cluster-admin (or its equivalents: impersonate users/groups, bind or
//!   escalate cluster-wide), Secrets everywhere, and per namespace create
//!   pods (any ServiceAccount there; a privileged pod where PodSecurity
//!   admits it), exec, read token Secrets, mint tokens ([`rbac`]).
//!
//! Targets are terminal. Paths are identified by (source, grant, target),
//! where the grant is the last node before the target; each comes with a
//! shortest witness ([`search`]). Cuts are the changes that delete one gate
//! of the graph (or a few, for a policy statement or the enforcement
//! switch), each with the paths it breaks — exactly the paths whose source no
//! longer reaches their grant without it.

#![forbid(unsafe_code)]

pub mod build;
pub mod escape;
pub mod expose;
pub mod model;
pub mod rbac;
pub mod reference;
pub mod render;
pub mod search;

use build::Built;
use eksguard_core::aws::AwsFacts;
use eksguard_core::{Object, Severity};
use eksguard_iam::{Account, Binding, ClusterFacts};
use model::NodeKind;
pub use model::{Anchor, CutKind, CutSpec, StepKind, TargetKind};
use search::PathRec;
use std::collections::{HashMap, HashSet};

/// What the graph is built from.
pub struct Input<'a> {
    /// Kubernetes objects: manifests, dumps, a live cluster.
    pub objects: &'a [Object],
    /// The AWS side, for node groups, security groups, access entries and
    /// source positions.
    pub aws: Option<&'a AwsFacts>,
    /// The IAM view (the identity controls' bindings and roles).
    pub iam: Option<IamInput<'a>>,
    pub options: Options,
}

/// The Kubernetes × AWS identity view, as `eksguard-controls` builds it.
pub struct IamInput<'a> {
    /// This cluster (account, OIDC issuer, ARN), when known: trust policies
    /// are checked against it; without it bindings are taken as working.
    pub cluster: Option<&'a ClusterFacts>,
    pub account: &'a Account,
    /// IRSA annotations and Pod Identity associations.
    pub bindings: &'a [Binding],
    /// Where each binding comes from (aligned with `bindings`).
    pub binding_origins: &'a [BindingOrigin],
    /// The Auto Mode node role.
    pub node_role: Option<&'a str>,
}

/// Where a binding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingOrigin {
    /// The IRSA annotation of the ServiceAccount at this index of the input.
    Annotation {
        object: usize,
    },
    /// A Pod Identity association (index in `AwsFacts::pod_identity_associations`).
    Association {
        index: usize,
    },
    Unknown,
}

/// How NetworkPolicies are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetpolMode {
    /// As the input says: not enforced when it shows the network policy
    /// controller off (`kube-system/amazon-vpc-cni`), enforced otherwise.
    #[default]
    Auto,
    /// As if enforced: what remains once the controller is on.
    Enforced,
    /// As if nothing enforced them.
    NotEnforced,
}

impl NetpolMode {
    pub fn parse(s: &str) -> Option<NetpolMode> {
        match s {
            "auto" => Some(NetpolMode::Auto),
            "enforced" => Some(NetpolMode::Enforced),
            "not-enforced" => Some(NetpolMode::NotEnforced),
            _ => None,
        }
    }
}

/// Settings that change what the engines answer.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub netpol: NetpolMode,
    /// Pod Security levels for namespaces without labels (`pss.defaults`).
    pub pss_defaults: eksguard_pss::Policy,
    pub pss_exemptions: eksguard_pss::Exemptions,
    /// The cluster's Kubernetes minor version (what PSS `latest` means).
    pub k8s_minor: Option<u64>,
}

/// Something that does *not* connect, and why (a blocked binding, an
/// internal load balancer, a rejected pod): shown so a reader sees the
/// decoys were considered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub kind: StepKind,
    pub object: String,
    pub because: String,
}

/// Which paths to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `internet`, `NS/NAME` or `NS/NAME[Kind]`.
    pub from: Option<String>,
    pub to: Option<TargetKind>,
}

/// One path as shown.
#[derive(Debug, Clone)]
pub struct Path {
    pub id: String,
    pub severity: Severity,
    /// `internet` or the workload.
    pub from: String,
    /// For internet paths: the load balancer or port they enter by.
    pub entry: Option<String>,
    pub to: TargetKind,
    pub rec: PathRec,
}

/// One cut as shown: the change and the paths (indexes into
/// [`Analysis::paths`]) it breaks.
#[derive(Debug, Clone)]
pub struct Cut {
    pub id: String,
    /// Index into the graph's cuts.
    pub spec: u32,
    pub breaks: Vec<usize>,
    /// Broken paths per severity: critical, high, medium, low, info.
    pub counts: [usize; 5],
}

/// The result: the graph, every path shortest first within severity, and
/// the cuts ranked by what they break.
pub struct Analysis {
    pub built: Built,
    pub paths: Vec<Path>,
    pub cuts: Vec<Cut>,
    /// Paths the filter left out.
    pub filtered_out: usize,
}

impl Analysis {
    pub fn graph(&self) -> &model::Graph {
        &self.built.graph
    }

    /// The highest severity of any path.
    pub fn worst(&self) -> Option<Severity> {
        self.paths.iter().map(|p| p.severity).max()
    }

    /// The best-ranked cut breaking path `i`.
    pub fn cheapest_cut(&self, i: usize) -> Option<&Cut> {
        self.cuts.iter().find(|c| c.breaks.contains(&i))
    }
}

fn sev_rank(s: Severity) -> usize {
    match s {
        Severity::Critical => 0,
        Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
        Severity::Info => 4,
    }
}

/// Builds the graph and finds every path and cut.
pub fn analyze(input: &Input<'_>, filter: &Filter) -> Analysis {
    let timing = std::env::var_os("EKSGUARD_PATHS_TIMING").is_some();
    let t = std::time::Instant::now();
    let lap = |what: &str| {
        if timing {
            eprintln!("paths: {what} at {:.3?}", t.elapsed());
        }
    };
    let mut built = build::build(input, input.options.netpol);
    lap("graph built");
    if let Some(iam) = &input.iam {
        statement_cuts(&mut built, iam, input.aws);
    }
    lap("statement cuts");
    let g = &built.graph;
    let (mut recs, reach) = search::search(g);
    lap("paths and single-gate cuts");
    search::multi_cuts(g, &mut recs, &reach);
    lap("multi-gate cuts");
    // The enforcement switch: the paths that vanish when the NetworkPolicies
    // as written are enforced.
    if let Some(c) = g
        .cuts
        .iter()
        .position(|c| c.kind == CutKind::EnableNetworkPolicies)
    {
        let alt = build::build_with(
            input,
            NetpolMode::Enforced,
            built.cluster.clone(),
            built.reach.clone(),
        );
        let ag = &alt.graph;
        let kept: HashSet<(&NodeKind, Option<&NodeKind>, &NodeKind)> = search::connected(ag)
            .into_iter()
            .map(|(s, e, gr)| {
                (
                    &ag.nodes[s as usize],
                    e.map(|e| &ag.nodes[e as usize]),
                    &ag.nodes[gr as usize],
                )
            })
            .collect();
        for p in recs.iter_mut() {
            let key = (
                &g.nodes[p.source as usize],
                p.entry.map(|e| &g.nodes[e as usize]),
                &g.nodes[p.grant as usize],
            );
            if !kept.contains(&key) {
                p.breakers.push(c as u32);
            }
        }
    }
    lap("enforcement switch");
    // Labels once per node, not per comparison.
    let mut labels: HashMap<u32, String> = HashMap::new();
    for r in &recs {
        for v in [Some(r.source), Some(r.grant), r.entry]
            .into_iter()
            .flatten()
        {
            labels
                .entry(v)
                .or_insert_with(|| render::node_label(&g.nodes[v as usize]));
        }
    }
    let all: Vec<Path> = recs
        .into_iter()
        .map(|rec| {
            let internet = rec.source == g.internet;
            Path {
                id: String::new(),
                severity: rec.target.severity(internet),
                from: if internet {
                    "internet".into()
                } else {
                    labels[&rec.source].clone()
                },
                entry: rec.entry.map(|e| labels[&e].clone()),
                to: rec.target,
                rec,
            }
        })
        .collect();
    // Sort on integers: each label's rank among the labels.
    let mut names: Vec<&str> = labels
        .values()
        .map(String::as_str)
        .chain(["internet"])
        .collect();
    names.sort_unstable();
    names.dedup();
    let rank = |s: &str| names.binary_search(&s).unwrap_or(usize::MAX);
    type SortKey = (usize, u32, usize, usize, TargetKind, usize);
    let mut keyed: Vec<(SortKey, Path)> = all
        .into_iter()
        .map(|p| {
            let entry = p.entry.as_deref().map_or(0, |e| rank(e) + 1);
            (
                (
                    sev_rank(p.severity),
                    p.rec.steps,
                    rank(&p.from),
                    entry,
                    p.to,
                    rank(&labels[&p.rec.grant]),
                ),
                p,
            )
        })
        .collect();
    keyed.sort_unstable_by_key(|(k, _)| *k);
    let all: Vec<Path> = keyed.into_iter().map(|(_, p)| p).collect();
    let total = all.len();
    let mut paths: Vec<Path> = all
        .into_iter()
        .filter(|p| filter.to.is_none_or(|t| t == p.to))
        .filter(|p| match filter.from.as_deref() {
            None => true,
            Some("internet") => p.from == "internet",
            Some(f) => p.from == f || p.from.split_once('[').is_some_and(|(base, _)| base == f),
        })
        .collect();
    let filtered_out = total - paths.len();
    for (i, p) in paths.iter_mut().enumerate() {
        p.id = format!("P{}", i + 1);
    }
    let mut by_cut: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, p) in paths.iter().enumerate() {
        for &c in &p.rec.breakers {
            by_cut.entry(c).or_default().push(i);
        }
    }
    let mut cuts: Vec<Cut> = by_cut
        .into_iter()
        .map(|(spec, breaks)| {
            let mut counts = [0usize; 5];
            for &i in &breaks {
                counts[sev_rank(paths[i].severity)] += 1;
            }
            Cut {
                id: String::new(),
                spec,
                breaks,
                counts,
            }
        })
        .collect();
    cuts.sort_by(|a, b| {
        let sa = &g.cuts[a.spec as usize];
        let sb = &g.cuts[b.spec as usize];
        b.counts
            .cmp(&a.counts)
            .then(b.breaks.len().cmp(&a.breaks.len()))
            .then(sb.exact.cmp(&sa.exact))
            .then(sa.kind.cmp(&sb.kind))
            .then(sa.change.cmp(&sb.change))
    });
    for (i, c) in cuts.iter_mut().enumerate() {
        c.id = format!("C{}", i + 1);
        c.breaks.sort_unstable();
    }
    lap("ranked");
    Analysis {
        built,
        paths,
        cuts,
        filtered_out,
    }
}

/// Policy-statement cuts: for each role that reaches a target or assumes
/// another role, each Allow statement of its inline and customer-managed
/// policies (deleted) and each AWS-managed policy (detached), recomputed
/// with the blast-radius engine; a change that removes nothing is dropped.
fn statement_cuts(built: &mut Built, iam: &IamInput<'_>, facts: Option<&AwsFacts>) {
    use eksguard_iam::{Effect, Role, role_access};
    use rayon::prelude::*;
    let g = &built.graph;
    let index: HashMap<&NodeKind, u32> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, k)| (k, i as u32))
        .collect();
    let account = iam.account;
    // Role ARN → (targets' gates, chains' gates).
    // Role ARN → the gates of its targets and of its chains.
    type RoleGates = (Vec<(TargetKind, u32)>, Vec<(String, u32)>);
    let mut relevant: HashMap<&str, RoleGates> = HashMap::new();
    for (i, k) in g.nodes.iter().enumerate() {
        match k {
            NodeKind::TargetGate(arn, t) if arn.starts_with("arn:") => {
                relevant.entry(arn).or_default().0.push((*t, i as u32));
            }
            NodeKind::ChainGate(a, to) => relevant
                .entry(a)
                .or_default()
                .1
                .push((to.clone(), i as u32)),
            _ => {}
        }
    }
    // Only roles a source reaches matter; the rest cannot break a path.
    let roles: Vec<&Role> = account
        .roles
        .iter()
        .filter(|r| {
            relevant.contains_key(r.arn.as_str())
                && index.contains_key(&NodeKind::Role(r.arn.clone()))
        })
        .collect();
    // A change: (description, kind, anchor, modified role, managed map).
    struct Change {
        kind: CutKind,
        change: String,
        anchor: Anchor,
        key: String,
    }
    let eval = |role: &Role, managed: &HashMap<String, eksguard_iam::Policy>| -> Vec<u32> {
        let mini = Account {
            roles: vec![role.clone()],
            managed_policies: managed.clone(),
        };
        let acc = role_access(&mini, &role.arn);
        let now: HashSet<TargetKind> = build::role_targets(&acc).into_iter().map(|t| t.0).collect();
        let (ts, chains) = &relevant[role.arn.as_str()];
        let mut gates: Vec<u32> = ts
            .iter()
            .filter(|(t, _)| !now.contains(t))
            .map(|(_, g)| *g)
            .collect();
        for (to, gate) in chains {
            let Some(b) = account.role(to) else { continue };
            if build::can_assume(&mini, &role.arn, b).is_none() {
                gates.push(*gate);
            }
        }
        gates
    };
    let managed_of = |r: &Role| -> HashMap<String, eksguard_iam::Policy> {
        r.managed_policy_arns
            .iter()
            .chain(r.permissions_boundary_arn.iter())
            .filter_map(|a| {
                account
                    .managed_policies
                    .get(a)
                    .map(|p| (a.clone(), p.clone()))
            })
            .collect()
    };
    let mut candidates: Vec<(Change, Vec<u32>)> = roles
        .par_iter()
        .flat_map_iter(|r| {
            let mut out: Vec<(Change, Vec<u32>)> = Vec::new();
            let managed = managed_of(r);
            for (pi, (name, p)) in r.inline_policies.iter().enumerate() {
                for st in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
                    let mut m = (*r).clone();
                    m.inline_policies[pi].1.statements.retain(|s| s.index != st.index);
                    let gates = eval(&m, &managed);
                    if gates.is_empty() {
                        continue;
                    }
                    let sid = st.sid.as_deref().map_or(String::new(), |s| format!(" ({s})"));
                    out.push((
                        Change {
                            kind: CutKind::DeleteStatement,
                            change: format!("Delete statement {}{sid} of inline policy {name} of {} (or narrow its Action/Resource)", st.index, r.arn),
                            anchor: build::statement_anchor(facts, &r.arn, &format!("inline:{name}"), st.index),
                            key: format!("{}\u{0}inline:{name}\u{0}{}", r.arn, st.index),
                        },
                        gates,
                    ));
                }
            }
            for arn in &r.managed_policy_arns {
                let Some(p) = account.managed_policies.get(arn) else { continue };
                if arn.contains(":aws:policy/") {
                    let mut m = (*r).clone();
                    m.managed_policy_arns.retain(|a| a != arn);
                    let gates = eval(&m, &managed);
                    if !gates.is_empty() {
                        out.push((
                            Change {
                                kind: CutKind::DetachPolicy,
                                change: format!("Detach the AWS-managed policy {arn} from {}", r.arn),
                                anchor: build::statement_anchor(facts, &r.arn, arn, 0),
                                key: format!("{}\u{0}detach\u{0}{arn}", r.arn),
                            },
                            gates,
                        ));
                    }
                    continue;
                }
                for st in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
                    let mut mm = managed.clone();
                    if let Some(doc) = mm.get_mut(arn) {
                        doc.statements.retain(|s| s.index != st.index);
                    }
                    let gates = eval(r, &mm);
                    if gates.is_empty() {
                        continue;
                    }
                    out.push((
                        Change {
                            kind: CutKind::DeleteStatement,
                            change: format!("Delete statement {} of the customer-managed policy {arn} (attached to {})", st.index, r.arn),
                            anchor: build::statement_anchor(facts, &r.arn, arn, st.index),
                            // One change for every role that attaches it.
                            key: format!("\u{0}managed\u{0}{arn}\u{0}{}", st.index),
                        },
                        gates,
                    ));
                }
            }
            out
        })
        .collect();
    candidates.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    let mut merged: Vec<(Change, Vec<u32>)> = Vec::new();
    for (c, gates) in candidates {
        match merged.last_mut() {
            Some((last, g)) if last.key == c.key => g.extend(gates),
            _ => merged.push((c, gates)),
        }
    }
    for (c, mut gates) in merged {
        gates.sort_unstable();
        gates.dedup();
        let object = c
            .key
            .split('\u{0}')
            .find(|s| !s.is_empty())
            .unwrap_or("")
            .to_owned();
        built.graph.cuts.push(CutSpec {
            kind: c.kind,
            change: c.change,
            object,
            anchor: c.anchor,
            // Not registered as a gate's own cut: `multi_cuts` evaluates it.
            gates,
            exact: true,
        });
    }
}
