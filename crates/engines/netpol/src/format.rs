//! Output formats. Pure functions from a [`Reachability`] to a `String`.

use crate::eval::{Connection, Reachability};
use rayon::slice::ParallelSliceMut;
use std::fmt::Write as _;

/// Output format of `eksguard netpol reach`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per pair: `src => dst : conns` (np-guard netpol-analyzer convention).
    Txt,
    /// `[{"src": ..., "dst": ..., "conn": ...}]`.
    Json,
    /// Header `src,dst,conn`, RFC 4180 quoting.
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

struct Row {
    line: String,
    src_end: usize,
    dst: (usize, usize),
    conn_start: usize,
}

impl Row {
    fn src(&self) -> &str {
        &self.line[..self.src_end]
    }
    fn dst(&self) -> &str {
        &self.line[self.dst.0..self.dst.1]
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
            let src_end = line.len();
            line.push_str(" => ");
            let d0 = line.len();
            let _ = write!(line, "{}", c.dst);
            let d1 = line.len();
            line.push_str(" : ");
            let conn_start = line.len();
            let _ = write!(line, "{}", c.conn);
            Row {
                line,
                src_end,
                dst: (d0, d1),
                conn_start,
            }
        })
        .collect();
    rows.par_sort_unstable_by(|a, b| a.line.cmp(&b.line));
    rows
}

/// `ns/name[Kind] => ns/name[Kind] : <conns>`, one line per allowed pair, sorted;
/// self-pairs and pairs with nothing allowed are left out.
pub fn to_txt(reach: &Reachability) -> String {
    let mut out = String::new();
    for r in sorted_rows(reach) {
        out.push_str(&r.line);
        out.push('\n');
    }
    out
}

/// A JSON array of `{"src", "dst", "conn"}` objects in txt order.
pub fn to_json(reach: &Reachability) -> String {
    let rows: Vec<serde_json::Value> = sorted_rows(reach)
        .into_iter()
        .map(|r| serde_json::json!({"src": r.src(), "dst": r.dst(), "conn": r.conn()}))
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

/// CSV with header `src,dst,conn`; fields containing commas are quoted.
pub fn to_csv(reach: &Reachability) -> String {
    let mut out = String::from("src,dst,conn\n");
    for r in sorted_rows(reach) {
        let _ = writeln!(
            out,
            "{},{},{}",
            csv_field(r.src()),
            csv_field(r.dst()),
            csv_field(r.conn())
        );
    }
    out
}

fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz digraph: workloads grouped in one `cluster_<ns>` subgraph per namespace,
/// external ranges and domains outside, one edge per allowed pair labelled with its conns.
pub fn to_dot(reach: &Reachability) -> String {
    use std::collections::BTreeMap;
    let mut out =
        String::from("digraph {\n\tcolor=\"red2\"\n\tfontsize=24\n\tfontcolor=\"black\"\n");
    let mut by_ns: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for w in reach.workloads() {
        by_ns.entry(&w.namespace).or_default().push(w.to_string());
    }
    for (i, (ns, nodes)) in by_ns.iter().enumerate() {
        let _ = writeln!(out, "\tsubgraph cluster_{i} {{\n\t\tlabel={}", dot_id(ns));
        for n in nodes {
            let label = n.split_once('/').map_or(n.as_str(), |(_, rest)| rest);
            let _ = writeln!(
                out,
                "\t\t{} [label={} color=\"blue\" fontcolor=\"blue\"]",
                dot_id(n),
                dot_id(label)
            );
        }
        out.push_str("\t}\n");
    }
    let rows = sorted_rows(reach);
    let mut externals: Vec<&str> = rows
        .iter()
        .flat_map(|r| [r.src(), r.dst()])
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
            dot_id(r.src()),
            dot_id(r.dst()),
            dot_id(r.conn())
        );
    }
    out.push_str("}\n");
    out
}
