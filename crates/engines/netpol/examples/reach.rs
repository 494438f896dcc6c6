//! Prints the reachability of the YAML manifests under the given paths:
//! `cargo run -p eksguard-netpol --example reach -- [--format txt|json|csv|dot] PATH...`
//! (the CLI's `eksguard netpol reach` proper lives in the cli crate).

use eksguard_netpol::{Cluster, Format, render};
use std::path::{Path, PathBuf};

fn files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        v.sort();
        for c in v {
            files(&c, out);
        }
    } else if p
        .extension()
        .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
    {
        out.push(p.to_path_buf());
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut format = Format::Txt;
    if let Some(i) = args.iter().position(|a| a == "--format") {
        let f = args.get(i + 1).cloned().unwrap_or_default();
        format = Format::parse(&f).unwrap_or_else(|| {
            eprintln!("unknown format {f:?}: expected txt, json, csv or dot");
            std::process::exit(2)
        });
        args.drain(i..(i + 2).min(args.len()));
    }
    let mut paths = Vec::new();
    for a in &args {
        files(Path::new(a), &mut paths);
    }
    let mut objs = Vec::new();
    for p in &paths {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        match serde_saphyr::from_multiple::<serde_json::Value>(&text) {
            Ok(docs) => objs.extend(docs.into_iter().filter(|d| d.is_object())),
            Err(e) => eprintln!("skipping {}: {e}", p.display()),
        }
    }
    let (cluster, warnings) = Cluster::from_objects(objs.iter());
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let reach = cluster.reachability();
    print!("{}", render(&reach, format));
}
