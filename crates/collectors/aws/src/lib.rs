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
//! A call that fails is kept in AWS's own words ([`failure`]) as a
//! [`eksguard_core::aws::CollectionGap`] in the snapshot's index.

#[cfg(feature = "live")]
mod ecr;
mod error;
#[cfg(feature = "live")]
pub mod failure;
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

/// Whether `dir` holds a snapshot eksguard wrote (its [`INDEX`] names the
/// format): the only non-empty directory [`write_snapshot`] replaces.
pub fn is_eksguard_snapshot(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(INDEX))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("format")?.as_str().map(str::to_owned))
        .is_some_and(|f| f.starts_with("eksguard-aws-snapshot/"))
}

/// Writes `docs` as the snapshot directory `dir`, atomically as a whole:
/// everything is written into a new hidden directory beside `dir`, which
/// is then renamed into place, so `dir` never mixes two collections (a
/// role deleted since the last snapshot is not left behind) and a failed
/// write leaves the previous snapshot as it was.
///
/// A non-empty `dir` that is not an eksguard snapshot is refused. The
/// previous snapshot is moved aside and removed after the new one is in
/// place (two renames: a crash between them leaves it beside `dir` as
/// `.NAME.eksguard-old-*`).
pub fn write_snapshot(
    dir: &Path,
    docs: &Documents,
    cluster: &str,
    region: Option<&str>,
) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    let replace = match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => {
            let empty = std::fs::read_dir(dir)?.next().is_none();
            if !empty && !is_eksguard_snapshot(dir) {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    format!(
                        "{} is not empty and is not an eksguard snapshot (no {INDEX} of format {FORMAT}): refusing to replace it; choose a new or empty directory",
                        dir.display()
                    ),
                ));
            }
            true
        }
        Ok(_) => {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!("{} exists and is not a directory", dir.display()),
            ));
        }
        Err(e) if e.kind() == ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    };
    let name = dir
        .file_name()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("{}: not a directory name to write", dir.display()),
            )
        })?
        .to_string_lossy()
        .into_owned();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let stamp = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let tmp = parent.join(format!(".{name}.eksguard-tmp-{stamp}"));
    std::fs::create_dir(&tmp)?;
    if let Err(e) = write_all(&tmp, docs, cluster, region) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if replace {
        let old = parent.join(format!(".{name}.eksguard-old-{stamp}"));
        if let Err(e) = std::fs::rename(dir, &old) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        if let Err(e) = std::fs::rename(&tmp, dir) {
            // Put the previous snapshot back.
            let _ = std::fs::rename(&old, dir);
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        std::fs::remove_dir_all(&old)
    } else {
        std::fs::rename(&tmp, dir)
    }
}

/// Writes every document and the index into the (new, empty) `dir`.
fn write_all(
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
