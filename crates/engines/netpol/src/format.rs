//! Output formats. Pure functions from a [`Reachability`] to a `String`.

use crate::eval::{Connection, Reachability};
use rayon::slice::ParallelSliceMut;
use std::fmt::Write as _;

/// Output format of `eksguard netpol reach`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per pair: `src => dst : conns` (np-guard netpol-analyzer convention).
    Txt,
    /// `[{"src": ..., "dst": ..., "conn": ..., "src_host_network": ..., "dst_host_network": ...}]`.
    Json,
    /// Header `src,dst,conn,src_host_network,dst_host_network`, RFC 4180 quoting.
    Csv,
    /// Graphviz digraph, one cluster per namespace.
    Dot,
}

impl Format {
    /// Parses `txt`, `json`, `csv` or `dot`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "txt" => Some(Format::Txt),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "dot" => Some(Format::Dot),
            _ => None,
        }
    }
}

/// Renders in the given format.
pub fn render(reach: &Reachability, format: Format) -> String {
    match format {
        Format::Txt => to_txt(reach),
        Format::Json => to_json(reach),
        Format::Csv => to_csv(reach),
        Format::Dot => to_dot(reach),
    }
}

/// Mark after a host-network workload in txt output: `ns/name[DaemonSet][host-network]`.
pub const HOST_NETWORK_MARK: &str = "[host-network]";

struct Row {
    line: String,
    src_end: usize,
    dst: (usize, usize),
    conn_start: usize,
    src_host_network: bool,
    dst_host_network: bool,
}

fn strip_mark(s: &str, marked: bool) -> &str {
    if marked {
        s.strip_suffix(HOST_NETWORK_MARK).unwrap_or(s)
    } else {
        s
    }
}

impl Row {
    /// The source as in txt (with the host-network mark).
    fn src(&self) -> &str {
        &self.line[..self.src_end]
    }
    fn dst(&self) -> &str {
        &self.line[self.dst.0..self.dst.1]
    }
    /// The source's identity (`ns/name[Kind]`, range or domain), without the mark.
    fn src_id(&self) -> &str {
        strip_mark(self.src(), self.src_host_network)
    }
    fn dst_id(&self) -> &str {
        strip_mark(self.dst(), self.dst_host_network)
    }
    fn conn(&self) -> &str {
        &self.line[self.conn_start..]
    }
}

/// Rows sorted the way netpol-analyzer sorts its output: plain lexicographic order of
/// the rendered `src => dst : conn` line.
fn sorted_rows(reach: &Reachability) -> Vec<Row> {
    let mut rows: Vec<Row> = reach
        .connections()
        .map(|c: Connection<'_>| {
            let mut line = String::with_capacity(96);
            let _ = write!(line, "{}", c.src);
            if c.src_host_network {
                line.push_str(HOST_NETWORK_MARK);
            }
            let src_end = line.len();
            line.push_str(" => ");
            let d0 = line.len();
            let _ = write!(line, "{}", c.dst);
            if c.dst_host_network {
                line.push_str(HOST_NETWORK_MARK);
            }
            let d1 = line.len();
            line.push_str(" : ");
            let conn_start = line.len();
            let _ = write!(line, "{}", c.conn);
            Row {
                line,
                src_end,
                dst: (d0, d1),
                conn_start,
                src_host_network: c.src_host_network,
                dst_host_network: c.dst_host_network,
            }
        })
        .collect();
    rows.par_sort_unstable_by(|a, b| a.line.cmp(&b.line));
    rows
}

/// `ns/name[Kind] => ns/name[Kind] : <conns>`, one line per allowed pair, sorted;
/// self-pairs and pairs with nothing allowed are left out. A host-network workload carries
/// [`HOST_NETWORK_MARK`] after its kind: `ns/agent[DaemonSet][host-network]`.
pub fn to_txt(reach: &Reachability) -> String {
    let mut out = String::new();
    for r in sorted_rows(reach) {
        out.push_str(&r.line);
        out.push('\n');
    }
    out
}

/// A JSON array of `{"src", "dst", "conn", "src_host_network", "dst_host_network"}` objects
/// in txt order; `src` and `dst` are identities without the txt mark, the two booleans say
/// which end runs on the host network.
pub fn to_json(reach: &Reachability) -> String {
    let rows: Vec<serde_json::Value> = sorted_rows(reach)
        .into_iter()
        .map(|r| {
            serde_json::json!({"src": r.src_id(), "dst": r.dst_id(), "conn": r.conn(),
                "src_host_network": r.src_host_network, "dst_host_network": r.dst_host_network})
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV with header `src,dst,conn,src_host_network,dst_host_network` (`true`/`false`);
/// fields containing commas are quoted.
pub fn to_csv(reach: &Reachability) -> String {
    let mut out = String::from("src,dst,conn,src_host_network,dst_host_network\n");
    for r in sorted_rows(reach) {
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            csv_field(r.src_id()),
            csv_field(r.dst_id()),
            csv_field(r.conn()),
            r.src_host_network,
            r.dst_host_network
        );
    }
    out
}

fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz digraph: workloads grouped in one `cluster_<ns>` subgraph per namespace,
/// external ranges and domains outside, one edge per allowed pair labelled with its conns.
/// Host-network workloads are dashed orange nodes labelled with [`HOST_NETWORK_MARK`].
pub fn to_dot(reach: &Reachability) -> String {
    use std::collections::BTreeMap;
    let mut out =
        String::from("digraph {\n\tcolor=\"red2\"\n\tfontsize=24\n\tfontcolor=\"black\"\n");
    let mut by_ns: BTreeMap<&str, Vec<(String, bool)>> = BTreeMap::new();
    for w in reach.workloads() {
        by_ns
            .entry(&w.namespace)
            .or_default()
            .push((w.to_string(), reach.is_host_network(w)));
    }
    for (i, (ns, nodes)) in by_ns.iter().enumerate() {
        let _ = writeln!(out, "\tsubgraph cluster_{i} {{\n\t\tlabel={}", dot_id(ns));
        for (n, host) in nodes {
            let label = n.split_once('/').map_or(n.as_str(), |(_, rest)| rest);
            if *host {
                let _ = writeln!(
                    out,
                    "\t\t{} [label={} color=\"darkorange\" fontcolor=\"darkorange\" style=\"dashed\"]",
                    dot_id(n),
                    dot_id(&format!("{label}{HOST_NETWORK_MARK}"))
                );
            } else {
                let _ = writeln!(
                    out,
                    "\t\t{} [label={} color=\"blue\" fontcolor=\"blue\"]",
                    dot_id(n),
                    dot_id(label)
                );
            }
        }
        out.push_str("\t}\n");
    }
    let rows = sorted_rows(reach);
    let mut externals: Vec<&str> = rows
        .iter()
        .flat_map(|r| [r.src_id(), r.dst_id()])
        .filter(|p| p.ends_with("[External]") || p.ends_with("[Domain]"))
        .collect();
    externals.sort_unstable();
    externals.dedup();
    for e in externals {
        let _ = writeln!(
            out,
            "\t{} [label={} shape=box color=\"red2\" fontcolor=\"red2\"]",
            dot_id(e),
            dot_id(e)
        );
    }
    for r in &rows {
        let _ = writeln!(
            out,
            "\t{} -> {} [label={} color=\"gold2\" fontcolor=\"darkgreen\"]",
            dot_id(r.src_id()),
            dot_id(r.dst_id()),
            dot_id(r.conn())
        );
    }
    out.push_str("}\n");
    out
}
