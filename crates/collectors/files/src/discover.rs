//! Turning the paths a user gives into inputs to read.

use crate::{helm, kustomize};
use eksguard_core::InputError;
use std::fmt;
use std::path::{Path, PathBuf};

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    /// `-`: standard input (e.g. `helm template … | eksguard scan -`).
    Stdin,
    /// A directory with a `kustomization.yaml`, rendered with `kubectl kustomize`.
    Kustomize(PathBuf),
    /// A directory with a `Chart.yaml`, rendered with `helm template`.
    Helm(PathBuf),
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::File(p) => write!(f, "{}", p.display()),
            Input::Stdin => f.write_str("-"),
            Input::Kustomize(p) => write!(f, "kustomize:{}", p.display()),
            Input::Helm(p) => write!(f, "helm:{}", p.display()),
        }
    }
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// The file that marks an AWS snapshot directory (`eksguard-aws` reads it;
/// same constant as `eksguard_aws::MARKER`). Its JSON files are `aws` CLI
/// output, not manifests.
const AWS_SNAPSHOT_MARKER: &str = "eks/describe-cluster.json";

/// Whether `dir` is an AWS snapshot: the marker file, or the index file
/// `eksguard aws snapshot` writes.
fn is_aws_snapshot(dir: &Path) -> bool {
    dir.join(AWS_SNAPSHOT_MARKER).is_file()
        || std::fs::read_to_string(dir.join("snapshot.json"))
            .is_ok_and(|t| t.contains("eksguard-aws-snapshot/"))
}

/// Directories of this name hold image vulnerability scan reports (Trivy,
/// Grype, ECR JSON), which `scan` reads as such, not as manifests.
pub const IMAGE_REPORTS_DIR: &str = "image-reports";

fn has_kustomization(dir: &Path) -> bool {
    kustomize::file_of(dir).is_some()
}

/// The chart a file belongs to (its `Chart.yaml`, values files, templates,
/// vendored subcharts), if any: such a file is not a manifest.
fn chart_of(file: &Path) -> Option<PathBuf> {
    let abs = file.canonicalize().ok()?;
    abs.ancestors()
        .skip(1)
        .find(|d| helm::is_chart(d))
        .map(Path::to_path_buf)
}

/// Expands paths into inputs: `-` is stdin; a file is read whatever its
/// extension (except a file of a Helm chart: a warning says to scan the
/// chart); a directory is walked recursively for `.yaml`, `.yml` and
/// `.json` (hidden directories and symlinked directories skipped, sorted for
/// stable output), a directory holding a Helm chart (`Chart.yaml`) or a
/// kustomization is rendered rather than walked (a kustomization of kind
/// `Component` is rendered only by the kustomizations using it), an AWS
/// snapshot directory is left to the AWS reader and an `image-reports`
/// directory to the image reader.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(p) {
            Err(e) => errors.push(InputError::error(
                p.display().to_string(),
                format!("cannot read: {e}"),
            )),
            Ok(m) if m.is_dir() => walk(p, &mut inputs, &mut errors),
            Ok(_) => match chart_of(p) {
                Some(chart) => errors.push(InputError::warning(
                    p.display().to_string(),
                    format!(
                        "part of the Helm chart {}, not a manifest: scan the chart directory (or `helm template {} | eksguard scan -`)",
                        chart.display(),
                        chart.display()
                    ),
                )),
                None => inputs.push(Input::File(p.clone())),
            },
        }
    }
    (inputs, errors)
}

fn walk(dir: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<InputError>) {
    if is_aws_snapshot(dir) || dir.file_name().is_some_and(|n| n == IMAGE_REPORTS_DIR) {
        return;
    }
    if helm::is_chart(dir) {
        inputs.push(Input::Helm(dir.to_path_buf()));
        return;
    }
    if has_kustomization(dir) {
        if !kustomize::is_component(dir) {
            inputs.push(Input::Kustomize(dir.to_path_buf()));
        }
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(InputError::error(
                dir.display().to_string(),
                format!("cannot list directory: {e}"),
            ));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            if !name.to_string_lossy().starts_with('.') {
                walk(&path, inputs, errors);
            }
        } else if (ft.is_file() || ft.is_symlink()) && is_manifest(&path) && path.is_file() {
            inputs.push(Input::File(path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_snapshot_directories_are_not_walked_for_manifests() {
        let root = std::env::temp_dir().join(format!("eksguard-discover-{}", std::process::id()));
        let write = |rel: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{}").unwrap();
        };
        write("k8s/app.yaml");
        write("aws/eks/describe-cluster.json");
        write("aws/ec2/describe-security-groups.json");
        write("denied/snapshot.json");
        std::fs::write(
            root.join("denied/snapshot.json"),
            r#"{"format": "eksguard-aws-snapshot/1"}"#,
        )
        .unwrap();
        write("denied/iam/list-open-id-connect-providers.json");
        write("plain/data.json");
        let (inputs, errors) = discover(std::slice::from_ref(&root));
        let _ = std::fs::remove_dir_all(&root);
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<String> = inputs
            .iter()
            .map(|i| {
                i.to_string()
                    .trim_start_matches(&root.display().to_string())
                    .to_owned()
            })
            .collect();
        assert_eq!(names, ["/k8s/app.yaml", "/plain/data.json"]);
    }
}
