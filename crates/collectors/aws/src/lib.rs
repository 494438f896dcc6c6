//! eksguard's AWS collector: the account side of an EKS cluster.
//!
//! Two ways in, one model out ([`eksguard_core::aws::AwsFacts`]):
//!
//! - **Offline**: [`read_snapshot`] reads a directory of JSON files as the
//!   `aws` CLI prints them (`aws eks describe-cluster --name X >
//!   eks/describe-cluster.json`, …). The layout is documented in [`layout`].
//! - **Live** (feature `live`, on by default): [`live::collect`] calls the
//!   AWS APIs with the AWS SDK for Rust and produces the very same documents
//!   in memory ([`Documents`]), which [`Documents::to_facts`] reads with the
//!   snapshot reader and [`write_snapshot`] writes to disk. A live scan and a
//!   scan of the snapshot taken at the same time therefore see the same facts.
//!
//! The crate does not judge anything: controls live in `eksguard-controls`.

#[cfg(feature = "live")]
mod ecr;
mod error;
pub mod layout;
#[cfg(feature = "live")]
pub mod live;
mod snapshot;

pub use error::SnapshotError;
pub use snapshot::{Document, Documents, FORMAT, INDEX, MARKER};

use eksguard_core::aws::AwsFacts;
use std::path::{Path, PathBuf};

/// Reads a snapshot directory. Problems with single files come back beside
/// the facts; the rest of the snapshot is still read.
pub fn read_snapshot(dir: &Path) -> Result<(AwsFacts, Vec<SnapshotError>), SnapshotError> {
    snapshot::read_dir(dir)
}

/// Whether `dir` is a snapshot directory: it holds [`MARKER`], or an
/// [`INDEX`] of this format (a collection whose `DescribeCluster` was denied
/// still records what it could read and why the rest is missing).
pub fn is_snapshot(dir: &Path) -> bool {
    dir.join(MARKER).is_file()
        || std::fs::read_to_string(dir.join(INDEX)).is_ok_and(|t| t.contains(FORMAT))
}

/// Snapshot directories at or under `paths` (not following symlinked
/// directories, skipping hidden ones), sorted. This is how `eksguard scan
/// examples/insecure-cluster` finds `examples/insecure-cluster/aws/`.
pub fn find_snapshots(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        if is_snapshot(dir) {
            out.push(dir.to_path_buf());
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            if !hidden && e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&e.path(), out);
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Writes `docs` as a snapshot directory (creating it), with the index file.
pub fn write_snapshot(
    dir: &Path,
    docs: &Documents,
    cluster: &str,
    region: Option<&str>,
) -> std::io::Result<()> {
    for d in &docs.docs {
        let path = dir.join(&d.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, pretty(&d.value))?;
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(INDEX), pretty(&docs.index(cluster, region)))
}

/// 4-space indented JSON with a final newline, as the `aws` CLI prints it.
fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    // Serializing a Value to a Vec cannot fail.
    let _ = serde::Serialize::serialize(v, &mut ser);
    out.push(b'\n');
    out
}
