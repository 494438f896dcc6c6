//! Showing paths: steps with their evidence, and the table, JSON, DOT and
//! Mermaid outputs.

use crate::model::{Anchor, Because, NodeKind, StepKind};
use crate::{Analysis, Input, Path};
use eksguard_core::{Location, Severity};
use eksguard_netpol::SideStatus;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::Mutex;

/// A reader's name for a node.
pub fn node_label(k: &NodeKind) -> String {
    match k {
        NodeKind::Internet => "internet".into(),
        NodeKind::Exposure(s)
        | NodeKind::Workload(s)
        | NodeKind::KubeNode(s)
        | NodeKind::Role(s) => s.clone(),
        NodeKind::WorkloadIn(s) => format!("{s} (ingress)"),
        NodeKind::WorkloadOut(s) => format!("{s} (egress)"),
        NodeKind::EscapeGate(s) => format!("{s} (escape)"),
        NodeKind::TokenGate(s) => format!("{s} (token)"),
        NodeKind::HostNetGate(s) => format!("{s} (host network)"),
        NodeKind::ClassOut(c) => format!("class {c} out"),
        NodeKind::ClassIn(c) => format!("class {c} in"),
        NodeKind::Unenforced => "unenforced network".into(),
        NodeKind::SaToken(s) => format!("ServiceAccount {s} token"),
        NodeKind::SaAws(s) => format!("ServiceAccount {s}"),
        NodeKind::BindingGate(sa, arn) => format!("{sa} → {arn}"),
        NodeKind::RbacGate(b, i) => format!("{b} subject {i}"),
        NodeKind::Cap(k, ns) => format!("{} in {ns}", k.as_str()),
        NodeKind::ChainGate(a, b) => format!("{a} → {b}"),
        NodeKind::AccessGate(s) => s.clone(),
        NodeKind::TargetGate(s, t) => format!("{s} → {}", t.as_str()),
        NodeKind::Target(t) => t.as_str().into(),
    }
}

/// The grant as a reader names it: the role, binding or node pool.
pub fn via_label(k: &NodeKind) -> String {
    match k {
        NodeKind::TargetGate(s, _) => s.clone(),
        NodeKind::RbacGate(b, i) => format!("{b} (subject {i})"),
        k => node_label(k),
    }
}

/// One step of a path as shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub object: String,
    pub because: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Location>,
}

/// Resolves an anchor to a file position.
pub fn locate(input: &Input<'_>, a: &Anchor) -> Option<Location> {
    match a {
        Anchor::Object { index, path } => {
            let o = input.objects.get(*index)?;
            o.spans.as_ref()?;
            let pos = o.locate(path);
            Some(Location {
                file: o.source.file.to_string(),
                line: pos.line,
                column: pos.column,
            })
        }
        Anchor::Aws {
            source: Some(src),
            path,
            ..
        } => input.aws?.locate(src, path),
        _ => None,
    }
}

/// Caches `netpol why` summaries for lateral steps. Each `why` compiles the
/// policies again, so past [`EXPLAIN_BUDGET`] distinct pairs the step gives
/// the allowed connections and the command that shows the rule.
#[derive(Default)]
pub struct LateralCache(Mutex<HashMap<(usize, usize), String>>);

/// Distinct lateral pairs explained rule by rule per output.
pub const EXPLAIN_BUDGET: usize = 256;

fn side_text(side: &eksguard_netpol::Side) -> String {
    match side.status {
        SideStatus::External => String::new(),
        SideStatus::NotIsolated => {
            let tier = side
                .tiers
                .first()
                .map(|t| format!(" ({} {} {:?})", t.policy, t.path, t.action))
                .unwrap_or_default();
            format!(
                "no NetworkPolicy isolates {} for {}{tier}",
                side.subject, side.direction
            )
        }
        SideStatus::Isolated => match side.rules.iter().find(|r| r.miss.is_none()) {
            Some(r) => format!("{} {} admits it", r.policy, r.path),
            None => match side.tiers.first() {
                Some(t) => format!("{} {} ({:?})", t.policy, t.path, t.action),
                None => format!("{} for {}", side.subject, side.direction),
            },
        },
        // Host-network ends: no NetworkPolicy applies.
        #[allow(unreachable_patterns)]
        _ => format!(
            "{} is on the host network (no policy applies)",
            side.subject
        ),
    }
}

impl Analysis {
    fn lateral_text(
        &self,
        cache: &LateralCache,
        a: usize,
        b: usize,
        unenforced: Option<&str>,
    ) -> String {
        if let Ok(m) = cache.0.lock()
            && let Some(t) = m.get(&(a, b))
        {
            return t.clone();
        }
        let wa = &self.built.workloads[a];
        let wb = &self.built.workloads[b];
        let conn = self
            .built
            .reach
            .between(&wa.id, &wb.id)
            .cloned()
            .unwrap_or_default();
        let text = if let Some(reason) = unenforced {
            let as_written = if conn.is_empty() {
                "would deny it".to_owned()
            } else {
                format!("would allow {conn}")
            };
            format!(
                "{} reaches {}: NetworkPolicies are not enforced ({reason}); as written they {as_written}",
                wa.label, wb.label
            )
        } else if wa.host_network || wb.host_network {
            format!(
                "{} reaches {} ({conn}): host-network pods are outside NetworkPolicy",
                wa.label, wb.label
            )
        } else {
            let port = wb
                .ports
                .iter()
                .find(|p| conn.contains(p.protocol, p.port))
                .map(|p| (p.protocol, p.port));
            let on = match port {
                Some((p, n)) => format!("{p}/{n}"),
                None => conn.to_string(),
            };
            let spent = cache.0.lock().map_or(0, |m| m.len());
            if spent < EXPLAIN_BUDGET {
                let why = eksguard_netpol::explain(&self.built.cluster, &wa.label, &wb.label, port)
                    .map(|e| {
                        format!(
                            "egress: {}; ingress: {}",
                            side_text(&e.egress),
                            side_text(&e.ingress)
                        )
                    })
                    .unwrap_or_default();
                format!("{} reaches {} on {on}: {why}", wa.label, wb.label)
            } else {
                let port_arg = port.map_or(String::new(), |(p, n)| format!(" --port {p}/{n}"));
                format!(
                    "{} reaches {} on {on} (allowed: {conn}); `eksguard netpol why --from {} --to {}{port_arg}` shows the rules",
                    wa.label, wb.label, wa.label, wb.label
                )
            }
        };
        if let Ok(mut m) = cache.0.lock() {
            m.insert((a, b), text.clone());
        }
        text
    }

    /// The steps of a path with their evidence.
    pub fn steps(&self, input: &Input<'_>, cache: &LateralCache, p: &Path) -> Vec<Step> {
        let g = &self.built.graph;
        let nodes = &p.rec.nodes;
        let wl: HashMap<u32, usize> = self
            .built
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| (w.node, i))
            .collect();
        let mut out = Vec::new();
        for i in 0..nodes.len().saturating_sub(1) {
            let (a, b) = (nodes[i], nodes[i + 1]);
            let Some(e) = g
                .out_edges(a)
                .iter()
                .map(|&e| &g.edges[e as usize])
                .find(|e| e.1 == b)
            else {
                continue;
            };
            let Some(ev) = e.2 else { continue };
            let ev = &g.evidence[ev as usize];
            let (object, because) = match &ev.because {
                Because::Text(t) => (ev.object.clone(), t.clone()),
                Because::Lateral { unenforced } => {
                    let prev = nodes[..=i].iter().rev().find_map(|v| wl.get(v).copied());
                    let next = nodes[i + 1..].iter().find_map(|v| wl.get(v).copied());
                    match (prev, next) {
                        (Some(x), Some(y)) => (
                            self.built.workloads[y].label.clone(),
                            self.lateral_text(cache, x, y, unenforced.as_deref()),
                        ),
                        _ => (String::new(), "lateral movement".into()),
                    }
                }
            };
            out.push(Step {
                kind: ev.kind,
                object,
                because,
                at: locate(input, &ev.anchor),
            });
        }
        out
    }

    /// The JSON document: `paths[]` and `cuts[]`.
    pub fn to_json(&self, input: &Input<'_>) -> Value {
        let g = &self.built.graph;
        let cache = LateralCache::default();
        let mut sev = [0usize; 5];
        for p in &self.paths {
            sev[crate::sev_rank(p.severity)] += 1;
        }
        let cuts: Vec<Value> = self
            .cuts
            .iter()
            .map(|c| {
                let s = &g.cuts[c.spec as usize];
                let mut v = json!({
                    "id": c.id,
                    "kind": s.kind.as_str(),
                    "change": s.change,
                    "object": s.object,
                    "breaks": c.breaks.iter().map(|&i| self.paths[i].id.clone()).collect::<Vec<_>>(),
                    "critical": c.counts[0],
                    "high": c.counts[1],
                    "medium": c.counts[2],
                });
                if let Some(l) = locate(input, &s.anchor) {
                    v["at"] = json!(l);
                }
                if let Some(p) = anchor_path(&s.anchor) {
                    v["path"] = json!(p);
                }
                if !s.exact {
                    v["exact"] = json!(false);
                    v["note"] = json!("the change may break more paths than listed");
                }
                v
            })
            .collect();
        let paths: Vec<Value> = self
            .paths
            .iter()
            .map(|p| {
                json!({
                    "id": p.id,
                    "severity": p.severity,
                    "from": p.from,
                    "entry": p.entry,
                    "to": p.to.as_str(),
                    "target": p.to.title(),
                    "via": via_label(&g.nodes[p.rec.grant as usize]),
                    "steps": self.steps(input, &cache, p),
                })
            })
            .collect();
        json!({
            "schema": "eksguard.paths/v1",
            "network_policies": if self.built.enforced { "enforced" } else { "not enforced" },
            "summary": {
                "paths": self.paths.len(),
                "critical": sev[0], "high": sev[1], "medium": sev[2],
                "cuts": self.cuts.len(),
                "filtered_out": self.filtered_out,
            },
            "cuts": cuts,
            "paths": paths,
            "blocked": self.built.notes,
            "warnings": self.built.warnings,
        })
    }

    /// The table: the first line says what to fix first.
    pub fn to_table(&self, input: &Input<'_>, all_cuts: bool) -> String {
        let g = &self.built.graph;
        let cache = LateralCache::default();
        let mut s = String::new();
        let count = |c: &crate::Cut| {
            let mut parts = Vec::new();
            for (i, name) in ["critical", "high", "medium", "low", "info"]
                .iter()
                .enumerate()
            {
                if c.counts[i] > 0 {
                    parts.push(format!("{} {name}", c.counts[i]));
                }
            }
            parts.join(", ")
        };
        let at =
            |a: &Anchor| locate(input, a).map(|l| format!("{}:{}:{}", l.file, l.line, l.column));
        match self.cuts.first() {
            Some(c) => {
                let spec = &g.cuts[c.spec as usize];
                let _ = writeln!(
                    s,
                    "Fix first: {} — breaks {} of {} paths ({}){}",
                    spec.change,
                    c.breaks.len(),
                    self.paths.len(),
                    count(c),
                    at(&spec.anchor).map_or(String::new(), |l| format!("  [{l}]"))
                );
            }
            None if self.paths.is_empty() => {
                let _ = writeln!(s, "No attack path from a source to a target.");
            }
            None => {
                let _ = writeln!(
                    s,
                    "No single change breaks any of the {} paths.",
                    self.paths.len()
                );
            }
        }
        if !self.built.enforced {
            let _ = writeln!(
                s,
                "Note: NetworkPolicies are not enforced in this cluster; they block nothing below."
            );
        }
        if !self.cuts.is_empty() {
            let _ = writeln!(s, "\nCuts (smallest changes, most paths broken first)");
            let shown = if all_cuts {
                self.cuts.len()
            } else {
                self.cuts.len().min(10)
            };
            for c in &self.cuts[..shown] {
                let spec = &g.cuts[c.spec as usize];
                let ids: Vec<&str> = c
                    .breaks
                    .iter()
                    .map(|&i| self.paths[i].id.as_str())
                    .collect();
                let list = if ids.len() > 12 {
                    format!("{}, …", ids[..12].join(", "))
                } else {
                    ids.join(", ")
                };
                let _ = writeln!(s, "  {:<4} [{}] {}", c.id, spec.kind.as_str(), spec.change);
                let _ = writeln!(
                    s,
                    "       breaks {} ({}): {list}{}",
                    c.breaks.len(),
                    count(c),
                    at(&spec.anchor).map_or(String::new(), |l| format!("\n       at {l}"))
                );
            }
            if shown < self.cuts.len() {
                let _ = writeln!(
                    s,
                    "  … {} more cuts (-f json lists them all)",
                    self.cuts.len() - shown
                );
            }
        }
        let mut sev = [0usize; 5];
        for p in &self.paths {
            sev[crate::sev_rank(p.severity)] += 1;
        }
        let _ = writeln!(
            s,
            "\nPaths ({}: {} critical, {} high, {} medium)",
            self.paths.len(),
            sev[0],
            sev[1],
            sev[2]
        );
        for p in &self.paths {
            let _ = writeln!(
                s,
                "{:<5} {:<8} {} → {} via {} ({} steps)",
                p.id,
                p.severity.as_str().to_uppercase(),
                match &p.entry {
                    Some(e) => format!("{} ({e})", p.from),
                    None => p.from.clone(),
                },
                p.to.title(),
                via_label(&g.nodes[p.rec.grant as usize]),
                p.rec.steps
            );
            for (i, st) in self.steps(input, &cache, p).iter().enumerate() {
                let _ = writeln!(
                    s,
                    "      {}. {:<20} {}: {}",
                    i + 1,
                    st.kind.as_str(),
                    st.object,
                    st.because
                );
            }
        }
        if !self.built.notes.is_empty() {
            let _ = writeln!(s, "\nBlocked (considered, no edge)");
            for n in &self.built.notes {
                let _ = writeln!(s, "  {:<18} {}: {}", n.kind.as_str(), n.object, n.because);
            }
        }
        s
    }

    fn step_nodes(&self) -> (BTreeSet<u32>, BTreeSet<(u32, u32)>) {
        // Only the nodes a reader sees: sources, nodes steps land on, targets.
        let g = &self.built.graph;
        let mut nodes = BTreeSet::new();
        let mut edges = BTreeSet::new();
        for p in &self.paths {
            let mut last = p.rec.nodes[0];
            nodes.insert(last);
            for w in p.rec.nodes.windows(2) {
                let visible = matches!(
                    g.nodes[w[1] as usize],
                    NodeKind::Workload(_)
                        | NodeKind::Exposure(_)
                        | NodeKind::SaToken(_)
                        | NodeKind::SaAws(_)
                        | NodeKind::Role(_)
                        | NodeKind::KubeNode(_)
                        | NodeKind::Cap(..)
                        | NodeKind::Target(_)
                );
                if visible {
                    nodes.insert(w[1]);
                    edges.insert((last, w[1]));
                    last = w[1];
                }
            }
        }
        (nodes, edges)
    }

    /// Graphviz DOT of the nodes and steps on the listed paths.
    pub fn to_dot(&self) -> String {
        let g = &self.built.graph;
        let (nodes, edges) = self.step_nodes();
        let mut s = String::from(
            "digraph attack_paths {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
        );
        for v in &nodes {
            let k = &g.nodes[*v as usize];
            let style = match k {
                NodeKind::Internet => ", shape=ellipse, style=filled, fillcolor=\"#f4cccc\"",
                NodeKind::Target(_) => ", shape=octagon, style=filled, fillcolor=\"#e06666\"",
                NodeKind::Role(_) => ", style=rounded",
                _ => "",
            };
            let _ = writeln!(s, "  n{v} [label={}{style}];", dot_quote(&node_label(k)));
        }
        for (a, b) in &edges {
            let _ = writeln!(s, "  n{a} -> n{b};");
        }
        s.push_str("}\n");
        s
    }

    /// Mermaid flowchart of the same.
    pub fn to_mermaid(&self) -> String {
        let g = &self.built.graph;
        let (nodes, edges) = self.step_nodes();
        let mut s = String::from("flowchart LR\n");
        for v in &nodes {
            let label = node_label(&g.nodes[*v as usize]).replace('"', "'");
            let shape = match g.nodes[*v as usize] {
                NodeKind::Internet => format!("n{v}((\"{label}\"))"),
                NodeKind::Target(_) => format!("n{v}{{{{\"{label}\"}}}}"),
                _ => format!("n{v}[\"{label}\"]"),
            };
            let _ = writeln!(s, "  {shape}");
        }
        for (a, b) in &edges {
            let _ = writeln!(s, "  n{a} --> n{b}");
        }
        s
    }
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The JSON path of an anchor, as findings show it.
pub fn anchor_path(a: &Anchor) -> Option<String> {
    match a {
        Anchor::Object { path, .. } | Anchor::Aws { path, .. } => Some(path.to_string()),
        Anchor::None => None,
    }
}

/// One line per path, as findings carry it:
/// `internet → storefront[Service] → … → AWS administrator or privilege escalation`.
pub fn one_line(steps: &[Step], p: &Path) -> String {
    let mut parts: Vec<(String, Vec<&str>)> = vec![(p.from.clone(), Vec::new())];
    for st in steps {
        if st.object.is_empty() {
            continue;
        }
        match parts.last_mut() {
            Some((o, kinds)) if *o == st.object => kinds.push(st.kind.as_str()),
            _ => parts.push((st.object.clone(), vec![st.kind.as_str()])),
        }
    }
    let mut out: Vec<String> = parts
        .into_iter()
        .map(|(o, k)| {
            if k.is_empty() {
                o
            } else {
                format!("{o} ({})", k.join(", "))
            }
        })
        .collect();
    out.push(p.to.title().to_owned());
    out.join(" → ")
}

/// Severity for `--fail-on`.
pub fn at_or_above(a: &Analysis, fail_on: Severity) -> bool {
    a.paths.iter().any(|p| p.severity >= fail_on)
}
