//! A naive reference for the optimised search, for tests: plain Dijkstra
//! from every source, and every cut checked by deleting its gates and
//! searching again from scratch. Quadratic and slow; only for small inputs.

use crate::build::Built;
use crate::model::{Graph, NodeKind, TargetKind};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// A path as the reference sees it: keys instead of node numbers, so two
/// graphs (or two searches) compare.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RefPath {
    pub source: NodeKind,
    pub entry: Option<NodeKind>,
    pub grant: NodeKind,
    pub target: TargetKind,
    pub steps: u32,
    /// `kind: change` of every cut that breaks it.
    pub breakers: BTreeSet<String>,
}

fn dijkstra(g: &Graph, src: u32, blocked: &[bool]) -> Vec<u32> {
    let n = g.node_count();
    let mut dist = vec![u32::MAX; n];
    if blocked[src as usize] {
        return dist;
    }
    let mut heap = BinaryHeap::new();
    dist[src as usize] = 0;
    heap.push(Reverse((0u32, src)));
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > dist[v as usize] {
            continue;
        }
        for &e in g.out_edges(v) {
            let (_, w, ev) = g.edges[e as usize];
            if blocked[w as usize] {
                continue;
            }
            let nd = d + u32::from(ev.is_some());
            if nd < dist[w as usize] {
                dist[w as usize] = nd;
                heap.push(Reverse((nd, w)));
            }
        }
    }
    dist
}

fn cut_key(g: &Graph, c: usize) -> String {
    let c = &g.cuts[c];
    format!("{}: {}", c.kind.as_str(), c.change)
}

/// Every (source, grant, target) path with its length and breakers.
/// The enforcement switch (no gates) is left out.
pub fn naive(g: &Graph) -> BTreeSet<RefPath> {
    let n = g.node_count();
    let none = vec![false; n];
    let mut grants: BTreeMap<u32, Vec<(TargetKind, u32)>> = BTreeMap::new();
    for v in 0..n as u32 {
        if g.target_of(v).is_some() {
            continue;
        }
        for &e in g.out_edges(v) {
            let (_, w, ev) = g.edges[e as usize];
            if let Some(t) = g.target_of(w) {
                let entry = grants.entry(v).or_default();
                if !entry.iter().any(|x| x.0 == t) {
                    entry.push((t, u32::from(ev.is_some())));
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    // The internet starts once per entry (the node its edge leads to).
    let mut starts: Vec<(u32, Option<u32>, u32)> = Vec::new();
    for &s in &g.sources {
        if s == g.internet {
            for &e in g.out_edges(s) {
                let (_, entry, ev) = g.edges[e as usize];
                if !starts.iter().any(|x| x.1 == Some(entry)) {
                    starts.push((s, Some(entry), u32::from(ev.is_some())));
                }
            }
        } else {
            starts.push((s, None, 0));
        }
    }
    for (s, entry, first) in starts {
        let from = entry.unwrap_or(s);
        let dist = dijkstra(g, from, &none);
        let mut broken: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
        for (c, spec) in g.cuts.iter().enumerate() {
            if spec.gates.is_empty() {
                continue;
            }
            let mut blocked = vec![false; n];
            for &x in &spec.gates {
                blocked[x as usize] = true;
            }
            let d2 = dijkstra(g, from, &blocked);
            for &gr in grants.keys() {
                if dist[gr as usize] != u32::MAX && d2[gr as usize] == u32::MAX {
                    broken.entry(gr).or_default().insert(cut_key(g, c));
                }
            }
        }
        for (&gr, ts) in &grants {
            if dist[gr as usize] == u32::MAX {
                continue;
            }
            for &(t, w) in ts {
                out.insert(RefPath {
                    source: g.nodes[s as usize].clone(),
                    entry: entry.map(|e| g.nodes[e as usize].clone()),
                    grant: g.nodes[gr as usize].clone(),
                    target: t,
                    steps: first + dist[gr as usize] + w,
                    breakers: broken.get(&gr).cloned().unwrap_or_default(),
                });
            }
        }
    }
    out
}

/// The optimised search's answer in the reference's terms.
pub fn optimised(g: &Graph) -> BTreeSet<RefPath> {
    let (mut recs, reach) = crate::search::search(g);
    crate::search::multi_cuts(g, &mut recs, &reach);
    recs.into_iter()
        .map(|p| RefPath {
            source: g.nodes[p.source as usize].clone(),
            entry: p.entry.map(|e| g.nodes[e as usize].clone()),
            grant: g.nodes[p.grant as usize].clone(),
            target: p.target,
            steps: p.steps,
            breakers: p
                .breakers
                .iter()
                .filter(|&&c| !g.cuts[c as usize].gates.is_empty())
                .map(|&c| cut_key(g, c as usize))
                .collect(),
        })
        .collect()
}

/// Checks the lateral mesh against the NetworkPolicy engine pair by pair:
/// workload A reaches workload B in one lateral step exactly when the
/// engine allows some connection from A to B (or policies are not enforced,
/// or either is on the host network). Returns the disagreements.
pub fn lateral_disagreements(built: &Built) -> Vec<String> {
    let g = &built.graph;
    let mut out = Vec::new();
    // Forward over structural edges and exactly one lateral edge.
    let one_hop = |from: u32| -> BTreeSet<u32> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![(from, false)];
        let mut visited = BTreeSet::new();
        while let Some((v, used)) = stack.pop() {
            if !visited.insert((v, used)) {
                continue;
            }
            if used && matches!(g.nodes[v as usize], NodeKind::Workload(_)) {
                seen.insert(v);
                continue;
            }
            for &e in g.out_edges(v) {
                let (_, w, ev) = g.edges[e as usize];
                let lateral = ev.is_some_and(|i| {
                    g.evidence[i as usize].kind == crate::model::StepKind::Lateral
                });
                let structural = ev.is_none();
                let into_workload_plumbing = matches!(
                    g.nodes[w as usize],
                    NodeKind::WorkloadOut(_)
                        | NodeKind::WorkloadIn(_)
                        | NodeKind::ClassOut(_)
                        | NodeKind::ClassIn(_)
                        | NodeKind::Unenforced
                        | NodeKind::Workload(_)
                );
                if lateral && !used {
                    stack.push((w, true));
                } else if structural && into_workload_plumbing {
                    if matches!(g.nodes[w as usize], NodeKind::Workload(_)) && !used {
                        continue;
                    }
                    stack.push((w, used));
                }
            }
        }
        seen
    };
    for a in &built.workloads {
        let got = one_hop(a.node);
        for b in &built.workloads {
            if a.node == b.node {
                continue;
            }
            let want = !built.enforced
                || a.host_network
                || b.host_network
                || built
                    .reach
                    .between(&a.id, &b.id)
                    .is_some_and(|c| !c.is_empty());
            if got.contains(&b.node) != want {
                out.push(format!(
                    "{} -> {}: graph {}, engine {want}",
                    a.label,
                    b.label,
                    got.contains(&b.node)
                ));
            }
        }
    }
    out
}
