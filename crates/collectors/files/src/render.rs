//! What rendering kustomizations and Helm charts shares: temporary
//! directories, paths as the user sees them, running the renderer and
//! reading its error, the files objects came from.

use crate::yaml::{self, Limits};
use eksguard_core::OriginDocument;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A directory under the system temporary directory, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(what: &str) -> std::io::Result<TempDir> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let dir = base.join(format!(
                "eksguard-{what}-{}-{n}-{nanos:x}",
                std::process::id()
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    // Canonical, so paths computed relative to it match the
                    // ones the renderer resolves (macOS /tmp is a symlink).
                    return Ok(TempDir(dir.canonicalize()?));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `path` with `.` and `..` resolved lexically.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

/// `to` relative to the directory `from` (both absolute and normalized).
pub(crate) fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to_c: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to_c).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to_c[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// How files found while rendering are named in reports: relative to the
/// working directory when the user named the input with a relative path
/// (as walked files are), absolute otherwise.
pub(crate) struct Display {
    cwd: Option<PathBuf>,
}

impl Display {
    pub(crate) fn for_input(given: &Path) -> Display {
        let cwd = if given.is_relative() {
            std::env::current_dir()
                .ok()
                .and_then(|d| d.canonicalize().ok())
        } else {
            None
        };
        Display { cwd }
    }

    /// `abs` (absolute, normalized) as the user should see it.
    pub(crate) fn show(&self, abs: &Path) -> String {
        match &self.cwd {
            Some(cwd) => relative(cwd, abs).display().to_string(),
            None => abs.display().to_string(),
        }
    }
}

/// Runs `program args`, or says it is not installed.
pub(crate) enum Ran {
    NotFound,
    Failed(String),
    Ok(Vec<u8>),
}

pub(crate) fn run(mut cmd: Command) -> Ran {
    let program = cmd.get_program().to_string_lossy().into_owned();
    match cmd.output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ran::NotFound,
        Err(e) => Ran::Failed(format!("cannot run {program}: {e}")),
        Ok(Output { status, stdout, .. }) if status.success() => Ran::Ok(stdout),
        Ok(Output { stderr, .. }) => Ran::Failed(error_text(&String::from_utf8_lossy(&stderr))),
    }
}

/// A renderer's error output, readable: kubectl logs its error through klog
/// (`E1204 15:24:34.824354 15719 run.go:72] "command failed" err="…"`).
pub(crate) fn error_text(stderr: &str) -> String {
    let lines: Vec<String> = stderr
        .lines()
        .map(|l| {
            let Some((_, rest)) = l.split_once("] \"command failed\" err=\"") else {
                return l.to_owned();
            };
            let body = rest.strip_suffix('"').unwrap_or(rest);
            serde_json::from_str::<String>(&format!("\"{body}\""))
                .unwrap_or_else(|_| body.replace("\\\"", "\""))
        })
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines.join("\n").trim().to_owned()
}

/// Files objects were written in, parsed once per scan however many
/// renders point at them.
#[derive(Default)]
pub(crate) struct Files {
    parsed: Mutex<HashMap<PathBuf, Arc<Vec<Arc<OriginDocument>>>>>,
    text: Mutex<HashMap<PathBuf, Option<Arc<Vec<String>>>>>,
}

impl Files {
    /// The documents of a YAML file (none when it cannot be read).
    pub(crate) fn documents(&self, path: &Path, limits: Limits) -> Arc<Vec<Arc<OriginDocument>>> {
        if let Some(d) = self.parsed.lock().unwrap().get(path) {
            return Arc::clone(d);
        }
        let docs = std::fs::read_to_string(path)
            .map(|text| {
                let text = text
                    .strip_prefix('\u{feff}')
                    .unwrap_or(&text)
                    .replace("\r\n", "\n");
                yaml::parse(&text, limits)
                    .documents
                    .into_iter()
                    .map(|d| {
                        Arc::new(OriginDocument {
                            value: d.value,
                            spans: d.spans,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let docs = Arc::new(docs);
        self.parsed
            .lock()
            .unwrap()
            .insert(path.to_path_buf(), Arc::clone(&docs));
        docs
    }

    /// The lines of a text file.
    pub(crate) fn lines(&self, path: &Path) -> Option<Arc<Vec<String>>> {
        if let Some(l) = self.text.lock().unwrap().get(path) {
            return l.clone();
        }
        let lines = std::fs::read_to_string(path).ok().map(|t| {
            Arc::new(
                t.lines()
                    .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
                    .collect(),
            )
        });
        self.text
            .lock()
            .unwrap()
            .insert(path.to_path_buf(), lines.clone());
        lines
    }
}

/// The document of `docs` that is the rendered object (`kind`, `name`):
/// the only one of its kind, else the only one with its name, else the only
/// one whose name the rendered name contains (a prefix or suffix added).
/// `None` when that is ambiguous: a wrong document would give wrong lines.
pub(crate) fn matching_document(
    docs: &[Arc<OriginDocument>],
    rendered: &Value,
) -> Option<Arc<OriginDocument>> {
    let kind = rendered.get("kind")?.as_str()?;
    let name = rendered
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let group = |v: &Value| {
        v.get("apiVersion")
            .and_then(Value::as_str)
            .map(|a| a.rsplit_once('/').map_or("", |(g, _)| g).to_owned())
    };
    let want = group(rendered);
    let of_kind: Vec<&Arc<OriginDocument>> = docs
        .iter()
        .filter(|d| d.value.get("kind").and_then(Value::as_str) == Some(kind))
        .filter(|d| group(&d.value) == want)
        .collect();
    let name_of = |d: &OriginDocument| {
        d.value
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let only = |v: Vec<&Arc<OriginDocument>>| (v.len() == 1).then(|| Arc::clone(v[0]));
    if of_kind.len() == 1 {
        return only(of_kind);
    }
    let exact: Vec<_> = of_kind
        .iter()
        .copied()
        .filter(|d| name_of(d).as_deref() == Some(name))
        .collect();
    if !exact.is_empty() {
        return only(exact);
    }
    only(
        of_kind
            .into_iter()
            .filter(|d| name_of(d).is_some_and(|n| !n.is_empty() && name.contains(n.as_str())))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_relative_lexically() {
        assert_eq!(
            relative(Path::new("/a/b/c"), Path::new("/a/d/e.yaml")),
            PathBuf::from("../../d/e.yaml")
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a/x.yaml")),
            PathBuf::from("x.yaml")
        );
        assert_eq!(
            normalize(Path::new("/t/w0/../../r/./base/x.yaml")),
            PathBuf::from("/r/base/x.yaml")
        );
    }

    #[test]
    fn klog_errors_are_unwrapped() {
        let s = "E1204 15:24:34.824354   15719 run.go:72] \"command failed\" err=\"accumulating resources: 'a' \\\"b\\\"\"\n";
        assert_eq!(error_text(s), "accumulating resources: 'a' \"b\"");
        assert_eq!(error_text("error: x\n\n"), "error: x");
    }
}
