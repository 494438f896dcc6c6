//! Every path from a source to a target, shortest first, and which single
//! changes break each one.
//!
//! A path is identified by its source, its *grant* (the last node before the
//! target: the role whose permissions, the binding whose rule, the node
//! whose takeover) and its target; its witness is a shortest route in steps
//! (edges a reader sees count 1, structural hops 0; 0-1 BFS). A change
//! breaks a path when, with the change's gate nodes deleted, the source no
//! longer reaches the grant at all.
//!
//! For changes that delete one gate node this is a dominator question: in
//! the reversed graph rooted at the grant, the source is cut off exactly when
//! the gate dominates it. One dominator tree per grant (Cooper, Harvey and
//! Kennedy's iterative algorithm) answers it for every single-gate change at
//! once; changes deleting several gates are recomputed explicitly.

use crate::model::{Graph, TargetKind};
use rayon::prelude::*;
use std::collections::VecDeque;

/// One path: source → … → grant → target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRec {
    pub source: u32,
    /// For the internet: the load balancer or port the path enters by.
    pub entry: Option<u32>,
    pub grant: u32,
    pub target: TargetKind,
    /// Steps a reader sees.
    pub steps: u32,
    /// The witness, source first, target last.
    pub nodes: Vec<u32>,
    /// Cuts (indexes into `Graph::cuts`) that break it.
    pub breakers: Vec<u32>,
}

const INF: u32 = u32::MAX;

/// A grant and the nodes that reach it (a bitset).
pub type GrantReach = (u32, Vec<u64>);

/// Scratch arrays reused across grants on one thread.
struct Scratch {
    dist: Vec<u32>,
    next: Vec<u32>,
    rpo: Vec<u32>,
    idom: Vec<u32>,
    touched: Vec<u32>,
    deque: VecDeque<u32>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            dist: vec![INF; n],
            next: vec![INF; n],
            rpo: vec![INF; n],
            idom: vec![INF; n],
            touched: Vec::new(),
            deque: VecDeque::new(),
        }
    }

    fn reset(&mut self) {
        for &v in &self.touched {
            let v = v as usize;
            self.dist[v] = INF;
            self.next[v] = INF;
            self.rpo[v] = INF;
            self.idom[v] = INF;
        }
        self.touched.clear();
    }
}

/// 0-1 BFS on the reversed graph from `root`: `dist` in steps and the next
/// node toward the root. Nodes in `blocked` are skipped.
fn reverse_bfs(g: &Graph, root: u32, blocked: &[bool], s: &mut Scratch) {
    s.reset();
    if blocked.get(root as usize).copied().unwrap_or(false) {
        return;
    }
    s.dist[root as usize] = 0;
    s.touched.push(root);
    s.deque.clear();
    s.deque.push_back(root);
    while let Some(v) = s.deque.pop_front() {
        let dv = s.dist[v as usize];
        for &e in g.in_edges(v) {
            let (u, _, ev) = g.edges[e as usize];
            if blocked.get(u as usize).copied().unwrap_or(false) {
                continue;
            }
            let w = u32::from(ev.is_some());
            let nd = dv + w;
            if nd < s.dist[u as usize] {
                if s.dist[u as usize] == INF {
                    s.touched.push(u);
                }
                s.dist[u as usize] = nd;
                s.next[u as usize] = v;
                if w == 0 {
                    s.deque.push_front(u);
                } else {
                    s.deque.push_back(u);
                }
            }
        }
    }
}

/// Immediate dominators of the reversed graph rooted at `root`, over the
/// nodes `reverse_bfs` reached (Cooper–Harvey–Kennedy).
fn dominators(g: &Graph, root: u32, blocked: &[bool], s: &mut Scratch) {
    // Reverse postorder by iterative DFS over reversed edges.
    let mut post: Vec<u32> = Vec::with_capacity(s.touched.len());
    let mut seen = vec![];
    std::mem::swap(&mut seen, &mut s.rpo); // reuse as a visited mark (INF = unseen)
    let mut stack: Vec<(u32, usize)> = vec![(root, 0)];
    seen[root as usize] = 0;
    while let Some(&mut (v, ref mut i)) = stack.last_mut() {
        let ins = g.in_edges(v);
        if *i < ins.len() {
            let u = g.edges[ins[*i] as usize].0;
            *i += 1;
            if s.dist[u as usize] != INF
                && seen[u as usize] == INF
                && !blocked.get(u as usize).copied().unwrap_or(false)
            {
                seen[u as usize] = 0;
                stack.push((u, 0));
            }
        } else {
            post.push(v);
            stack.pop();
        }
    }
    let order: Vec<u32> = post.into_iter().rev().collect();
    for (i, &v) in order.iter().enumerate() {
        seen[v as usize] = i as u32;
    }
    std::mem::swap(&mut seen, &mut s.rpo);
    s.idom[root as usize] = root;
    let mut changed = true;
    while changed {
        changed = false;
        for &v in order.iter().skip(1) {
            let mut new = INF;
            for &e in g.out_edges(v) {
                let w = g.edges[e as usize].1;
                if s.rpo[w as usize] == INF || s.idom[w as usize] == INF {
                    continue;
                }
                new = if new == INF { w } else { intersect(s, new, w) };
            }
            if new != INF && s.idom[v as usize] != new {
                s.idom[v as usize] = new;
                changed = true;
            }
        }
    }
}

fn intersect(s: &Scratch, mut a: u32, mut b: u32) -> u32 {
    while a != b {
        while s.rpo[a as usize] > s.rpo[b as usize] {
            a = s.idom[a as usize];
        }
        while s.rpo[b as usize] > s.rpo[a as usize] {
            b = s.idom[b as usize];
        }
    }
    a
}

/// Grants: nodes with an edge into a target, and the targets.
pub fn grants(g: &Graph) -> Vec<(u32, Vec<TargetKind>)> {
    let mut out = Vec::new();
    for v in 0..g.node_count() as u32 {
        let mut ts: Vec<TargetKind> = g
            .out_edges(v)
            .iter()
            .filter_map(|&e| g.target_of(g.edges[e as usize].1))
            .collect();
        if ts.is_empty() || g.target_of(v).is_some() {
            continue;
        }
        ts.sort();
        ts.dedup();
        out.push((v, ts));
    }
    out
}

/// Every path, with the single-gate cuts that break it, and per grant the
/// set of nodes that reach it (for the multi-gate recomputation).
pub fn search(g: &Graph) -> (Vec<PathRec>, Vec<GrantReach>) {
    let n = g.node_count();
    let blocked = vec![false; n];
    let is_source = {
        let mut v = vec![false; n];
        for &s in &g.sources {
            v[s as usize] = true;
        }
        v
    };
    let gs = grants(g);
    let per: Vec<(Vec<PathRec>, GrantReach)> = gs
        .par_iter()
        .map_init(
            || Scratch::new(n),
            |s, (grant, targets)| {
                reverse_bfs(g, *grant, &blocked, s);
                dominators(g, *grant, &blocked, s);
                let mut reach = vec![0u64; n.div_ceil(64)];
                for &v in &s.touched {
                    reach[v as usize / 64] |= 1 << (v % 64);
                }
                let mut paths = Vec::new();
                let mut sources: Vec<u32> = s
                    .touched
                    .iter()
                    .copied()
                    .filter(|&v| is_source[v as usize])
                    .collect();
                sources.sort_unstable();
                // The internet is one source per entry point: each load
                // balancer or open port it reaches.
                let mut starts: Vec<(u32, Option<u32>, u32)> = Vec::new();
                for src in sources {
                    if src == g.internet {
                        for &e in g.out_edges(src) {
                            let (_, entry, ev) = g.edges[e as usize];
                            if s.dist[entry as usize] != INF
                                && !starts.iter().any(|x| x.1 == Some(entry))
                            {
                                starts.push((src, Some(entry), u32::from(ev.is_some())));
                            }
                        }
                    } else {
                        starts.push((src, None, 0));
                    }
                }
                for (src, entry, first) in starts {
                    let from = entry.unwrap_or(src);
                    let mut nodes = vec![src];
                    let mut v = from;
                    if entry.is_some() {
                        nodes.push(v);
                    }
                    while v != *grant {
                        v = s.next[v as usize];
                        nodes.push(v);
                    }
                    let mut breakers = Vec::new();
                    let mut v = from;
                    loop {
                        if let Some(c) = g.gate_cut[v as usize]
                            && g.cuts[c as usize].gates.len() == 1
                        {
                            breakers.push(c);
                        }
                        if v == *grant || s.idom[v as usize] == INF {
                            break;
                        }
                        v = s.idom[v as usize];
                    }
                    breakers.sort_unstable();
                    breakers.dedup();
                    for &t in targets {
                        let tnode = g.targets.iter().find(|(k, _)| *k == t).map_or(INF, |x| x.1);
                        let mut ns = nodes.clone();
                        ns.push(tnode);
                        let last = g
                            .out_edges(*grant)
                            .iter()
                            .find(|&&e| g.edges[e as usize].1 == tnode)
                            .map_or(0, |&e| g.weight(e));
                        paths.push(PathRec {
                            source: src,
                            entry,
                            grant: *grant,
                            target: t,
                            steps: first + s.dist[from as usize] + last,
                            nodes: ns,
                            breakers: breakers.clone(),
                        });
                    }
                }
                (paths, (*grant, reach))
            },
        )
        .collect();
    let mut paths = Vec::new();
    let mut reach = Vec::new();
    for (p, r) in per {
        paths.extend(p);
        reach.push(r);
    }
    (paths, reach)
}

/// Adds to each path the multi-gate cuts that break it: each such cut's
/// gates are deleted and the grants they touch searched again.
pub fn multi_cuts(g: &Graph, paths: &mut [PathRec], reach: &[GrantReach]) {
    let n = g.node_count();
    // Cuts the dominator pass did not cover: several gates, or one gate that
    // is not registered as that gate's own cut (a policy statement whose
    // deletion removes a single target edge).
    let multi: Vec<u32> = (0..g.cuts.len() as u32)
        .filter(|&c| {
            let gates = &g.cuts[c as usize].gates;
            gates.len() > 1 || (gates.len() == 1 && g.gate_cut[gates[0] as usize] != Some(c))
        })
        .collect();
    if multi.is_empty() {
        return;
    }
    let mut by_grant: std::collections::HashMap<u32, Vec<usize>> = std::collections::HashMap::new();
    for (i, p) in paths.iter().enumerate() {
        by_grant.entry(p.grant).or_default().push(i);
    }
    let hits: Vec<(usize, u32)> = multi
        .par_iter()
        .map_init(
            || Scratch::new(n),
            |s, &c| {
                let gates = &g.cuts[c as usize].gates;
                let mut blocked = vec![false; n];
                for &x in gates {
                    blocked[x as usize] = true;
                }
                let mut out = Vec::new();
                for (grant, bits) in reach {
                    if !gates
                        .iter()
                        .any(|&x| bits[x as usize / 64] & (1 << (x % 64)) != 0)
                    {
                        continue;
                    }
                    let Some(idx) = by_grant.get(grant) else {
                        continue;
                    };
                    reverse_bfs(g, *grant, &blocked, s);
                    for &i in idx {
                        let from = paths[i].entry.unwrap_or(paths[i].source);
                        if s.dist[from as usize] == INF || blocked[paths[i].source as usize] {
                            out.push((i, c));
                        }
                    }
                }
                out
            },
        )
        .flatten()
        .collect();
    for (i, c) in hits {
        paths[i].breakers.push(c);
    }
    for p in paths.iter_mut() {
        p.breakers.sort_unstable();
        p.breakers.dedup();
    }
}

/// Which (source, grant) pairs are connected: for comparing two graphs.
pub fn connected(g: &Graph) -> Vec<(u32, Option<u32>, u32)> {
    let n = g.node_count();
    let blocked = vec![false; n];
    let is_source = {
        let mut v = vec![false; n];
        for &s in &g.sources {
            v[s as usize] = true;
        }
        v
    };
    grants(g)
        .par_iter()
        .map_init(
            || Scratch::new(n),
            |s, (grant, _)| {
                reverse_bfs(g, *grant, &blocked, s);
                let mut out = Vec::new();
                for &v in s.touched.iter().filter(|&&v| is_source[v as usize]) {
                    if v == g.internet {
                        for &e in g.out_edges(v) {
                            let entry = g.edges[e as usize].1;
                            if s.dist[entry as usize] != INF {
                                out.push((v, Some(entry), *grant));
                            }
                        }
                    } else {
                        out.push((v, None, *grant));
                    }
                }
                out
            },
        )
        .flatten()
        .collect()
}
