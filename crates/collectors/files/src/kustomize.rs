//! Rendering kustomizations, and finding where each rendered object was
//! written.
//!
//! Each kustomization is rendered through a temporary one that points at
//! it (`resources: [<relative path>]`: kustomize refuses an absolute path
//! there, and accepts a relative one outside its own root for a directory)
//! with `buildMetadata: [originAnnotations]`, so every object carries
//! `config.kubernetes.io/origin` naming the file it came from. The
//! annotation is removed before checks, and the text is made exactly what
//! `kubectl kustomize DIR` prints, so rendered line numbers match it.
//!
//! Starting kubectl costs about as much as rendering a small kustomization,
//! so many kustomizations are rendered by one run: the temporary
//! kustomization lists one wrapper per kustomization, each adding a unique
//! `namePrefix` token (and renaming the three kinds kustomize never
//! prefixes) so that overlays of one base do not collide. The token tells
//! which kustomization an object belongs to and is then removed; the sort
//! order is kustomize's default with the renamed kinds in their place. A
//! batch that fails is split in two until the kustomization that fails is
//! alone; that one is rendered by itself, then as the user would
//! (`kubectl kustomize DIR`), whose error is reported.

use crate::render::{self, Display, Files, Ran, TempDir};
use crate::yaml::Limits;
use crate::{Loaded, load_bytes};
use eksguard_core::{InputError, Origin, OriginMap};
use rayon::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Kustomizations rendered by one run, at most.
const MAX_BATCH: usize = 50;
const TOKEN: &str = "__eksguard";
const ORIGIN: &str = "config.kubernetes.io/origin";
/// Kinds kustomize never gives a name prefix (so a wrapper renames them).
const NOT_PREFIXED: [&str; 3] = ["Namespace", "CustomResourceDefinition", "APIService"];
/// kustomize's default (legacy) order.
const ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

pub(crate) const FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file of `dir`.
pub(crate) fn file_of(dir: &Path) -> Option<PathBuf> {
    FILES.iter().map(|f| dir.join(f)).find(|p| p.is_file())
}

/// Whether `dir`'s kustomization is a `Component`: it is not rendered by
/// itself, only as part of the kustomizations that use it.
pub(crate) fn is_component(dir: &Path) -> bool {
    file_of(dir)
        .and_then(|f| std::fs::read_to_string(f).ok())
        .is_some_and(|t| {
            t.lines()
                .any(|l| l.trim_end() == "kind: Component" || l.trim_end() == "kind: \"Component\"")
        })
}

/// The kustomization's own `sortOptions` (only the top kustomization's
/// apply, so one that has them is rendered by itself with them).
fn own_sort_options(dir: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(file_of(dir)?).ok()?;
    if !text.contains("sortOptions") {
        return None;
    }
    let parsed = crate::yaml::parse(&text, Limits::default());
    parsed
        .documents
        .into_iter()
        .find_map(|d| d.value.get("sortOptions").cloned())
}

/// Which program renders: `kubectl kustomize`, else `kustomize build`.
static TOOL: AtomicUsize = AtomicUsize::new(0);
const TOOLS: [(&str, &str); 2] = [("kubectl", "kustomize"), ("kustomize", "build")];

fn kustomize(dir: &Path) -> (Ran, &'static str) {
    let first = TOOL.load(Ordering::Relaxed);
    for i in (first..TOOLS.len()).chain(0..first) {
        let (program, sub) = TOOLS[i];
        let mut cmd = Command::new(program);
        cmd.arg(sub).arg(dir);
        match render::run(cmd) {
            Ran::NotFound => continue,
            ran => {
                TOOL.store(i, Ordering::Relaxed);
                return (
                    ran,
                    if i == 0 {
                        "kubectl kustomize"
                    } else {
                        "kustomize build"
                    },
                );
            }
        }
    }
    (Ran::NotFound, "kubectl kustomize")
}

fn not_installed(dir: &Path, name: &str) -> InputError {
    InputError::error(
        name,
        format!(
            "{} has a kustomization; install kubectl (or kustomize) to render it, or render it yourself: `kubectl kustomize {} | eksguard scan -`",
            dir.display(),
            dir.display()
        ),
    )
}

struct Ctx<'a> {
    dirs: &'a [PathBuf],
    limits: Limits,
    files: &'a Files,
}

/// Renders `dirs` (kustomization directories as the user named them),
/// batched and concurrently; one result per directory, in order.
pub(crate) fn render(dirs: &[PathBuf], limits: Limits, files: &Files) -> Vec<Loaded> {
    let ctx = Ctx {
        dirs,
        limits,
        files,
    };
    let mut batched = Vec::new();
    let mut alone = Vec::new();
    for (i, d) in dirs.iter().enumerate() {
        match own_sort_options(d) {
            Some(s) => alone.push((i, Some(s))),
            None => batched.push(i),
        }
    }
    let threads = rayon::current_num_threads().max(1);
    let chunks = batched
        .len()
        .div_ceil(MAX_BATCH)
        .max(threads.min(batched.len()));
    let mut jobs: Vec<Vec<usize>> = Vec::new();
    if chunks > 0 {
        let size = batched.len().div_ceil(chunks);
        jobs.extend(batched.chunks(size).map(<[usize]>::to_vec));
    }
    let mut out: Vec<(usize, Loaded)> = jobs
        .par_iter()
        .map(|members| render_batch(&ctx, members))
        .chain(
            alone
                .into_par_iter()
                .map(|(i, sort)| vec![(i, render_alone(&ctx, i, sort))]),
        )
        .flatten_iter()
        .collect();
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, l)| l).collect()
}

fn name_of(dir: &Path) -> String {
    format!("kustomize:{}", dir.display())
}

fn render_batch(ctx: &Ctx, members: &[usize]) -> Vec<(usize, Loaded)> {
    if members.len() == 1 {
        return vec![(members[0], render_alone(ctx, members[0], None))];
    }
    match try_batch(ctx, members) {
        Ok(done) => done,
        Err(Ran::NotFound) => members
            .iter()
            .map(|&i| {
                let dir = &ctx.dirs[i];
                let loaded = Loaded {
                    objects: Vec::new(),
                    errors: vec![not_installed(dir, &name_of(dir))],
                };
                (i, loaded)
            })
            .collect(),
        Err(e) => {
            if std::env::var_os("EKSGUARD_DEBUG").is_some() {
                let why = match e {
                    Ran::Failed(m) => m,
                    _ => String::new(),
                };
                eprintln!(
                    "eksguard: rendering {} kustomizations together failed, splitting: {why}",
                    members.len()
                );
            }
            let (a, b) = members.split_at(members.len() / 2);
            let (mut x, y) = rayon::join(|| render_batch(ctx, a), || render_batch(ctx, b));
            x.extend(y);
            x
        }
    }
}

/// The path to write in a wrapper at `from` for the user's directory.
fn resource_path(from: &Path, dir: &Path) -> std::io::Result<String> {
    let abs = dir.canonicalize()?;
    Ok(render::relative(from, &abs).display().to_string())
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn try_batch(ctx: &Ctx, members: &[usize]) -> Result<Vec<(usize, Loaded)>, Ran> {
    let tmp = TempDir::new("kustomize").map_err(|e| Ran::Failed(e.to_string()))?;
    let root = tmp.path();
    let mut first: Vec<String> = Vec::new();
    let mut top = String::from("resources:\n");
    for (k, &i) in members.iter().enumerate() {
        let w = root.join(format!("w{k}"));
        std::fs::create_dir(&w).map_err(|e| Ran::Failed(e.to_string()))?;
        let rel = resource_path(&w, &ctx.dirs[i]).map_err(|e| Ran::Failed(e.to_string()))?;
        let token = format!("{TOKEN}{k}__");
        let mut text = format!(
            "resources:\n- {}\nnamePrefix: {}\npatches:\n",
            yaml_str(&rel),
            yaml_str(&token)
        );
        for kind in NOT_PREFIXED {
            let op = serde_json::json!([{"op": "replace", "path": "/kind", "value": format!("{kind}{token}")}]);
            text.push_str(&format!(
                "- target: {{kind: {kind}}}\n  patch: {}\n",
                yaml_str(&op.to_string())
            ));
        }
        std::fs::write(w.join("kustomization.yaml"), text)
            .map_err(|e| Ran::Failed(e.to_string()))?;
        top.push_str(&format!("- w{k}\n"));
    }
    // The default order, each renamed kind where its original goes.
    for kind in ORDER_FIRST {
        if NOT_PREFIXED.contains(&kind) {
            first.extend((0..members.len()).map(|k| format!("{kind}{TOKEN}{k}__")));
        }
        first.push(kind.to_owned());
    }
    top.push_str(
        "buildMetadata: [originAnnotations]\nsortOptions:\n  order: legacy\n  legacySortOptions:\n",
    );
    top.push_str(&format!(
        "    orderFirst: {}\n    orderLast: {}\n",
        serde_json::to_string(&first).unwrap_or_default(),
        serde_json::to_string(&ORDER_LAST).unwrap_or_default()
    ));
    std::fs::write(root.join("kustomization.yaml"), top).map_err(|e| Ran::Failed(e.to_string()))?;
    let out = match kustomize(root).0 {
        Ran::Ok(out) => out,
        other => return Err(other),
    };
    let text = String::from_utf8(out).map_err(|e| Ran::Failed(e.to_string()))?;
    let mut per: Vec<Vec<Doc>> = (0..members.len()).map(|_| Vec::new()).collect();
    for doc in documents(&text) {
        let k = token_of(doc).ok_or_else(|| Ran::Failed("object without a token".into()))?;
        let slot = per
            .get_mut(k)
            .ok_or_else(|| Ran::Failed("unknown token".into()))?;
        slot.push(strip_origin(&strip_tokens(doc), ctx.limits));
    }
    Ok(members
        .iter()
        .zip(per)
        .map(|(&i, docs)| (i, finish(ctx, i, root, docs)))
        .collect())
}

/// Renders one kustomization through a wrapper (with its own sort
/// options); if that fails, as the user would, for kustomize's own error.
fn render_alone(ctx: &Ctx, i: usize, sort: Option<Value>) -> Loaded {
    let dir = &ctx.dirs[i];
    let name = name_of(dir);
    let wrapped = TempDir::new("kustomize").ok().and_then(|tmp| {
        let rel = resource_path(tmp.path(), dir).ok()?;
        let mut text = format!(
            "resources:\n- {}\nbuildMetadata: [originAnnotations]\n",
            yaml_str(&rel)
        );
        if let Some(s) = &sort {
            text.push_str(&format!("sortOptions: {s}\n"));
        }
        std::fs::write(tmp.path().join("kustomization.yaml"), text).ok()?;
        match kustomize(tmp.path()).0 {
            Ran::Ok(out) => {
                let text = String::from_utf8(out).ok()?;
                let docs: Vec<Doc> = documents(&text)
                    .into_iter()
                    .map(|d| strip_origin(d, ctx.limits))
                    .collect();
                Some(finish(ctx, i, tmp.path(), docs))
            }
            _ => None,
        }
    });
    if let Some(done) = wrapped {
        return done;
    }
    match kustomize(dir) {
        (Ran::Ok(out), _) => {
            let mut loaded = load_bytes(&name, &out).with_limits(ctx.limits).finish();
            let origin = Arc::new(Origin {
                rendered_by: vec![Arc::from(name.as_str())],
                ..Default::default()
            });
            for o in &mut loaded.objects {
                o.origin = Some(Arc::clone(&origin));
            }
            loaded
        }
        (Ran::NotFound, _) => Loaded {
            objects: Vec::new(),
            errors: vec![not_installed(dir, &name)],
        },
        (Ran::Failed(msg), cmd) => Loaded {
            objects: Vec::new(),
            errors: vec![InputError::error(&name, format!("`{cmd}` failed: {msg}"))],
        },
    }
}

/// One rendered object: its text as `kubectl kustomize DIR` prints it and
/// what its origin annotation said.
struct Doc {
    text: String,
    origin: Option<Value>,
}

/// The documents of kustomize's output (separated by `---` lines).
fn documents(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            if at > start {
                out.push(&text[start..at]);
            }
            start = at + line.len();
        }
        at += line.len();
    }
    if text.len() > start && !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// The batch member whose token the document carries (in its kind or name).
fn token_of(doc: &str) -> Option<usize> {
    let at = doc.find(TOKEN)? + TOKEN.len();
    let digits: String = doc[at..].chars().take_while(char::is_ascii_digit).collect();
    doc[at + digits.len()..]
        .starts_with("__")
        .then(|| digits.parse().ok())
        .flatten()
}

fn strip_tokens(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(p) = rest.find(TOKEN) {
        out.push_str(&rest[..p]);
        let after = &rest[p + TOKEN.len()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with("__") {
            rest = &after[digits + 2..];
        } else {
            out.push_str(TOKEN);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Removes `metadata.annotations["config.kubernetes.io/origin"]` (and
/// `annotations:` when nothing else is left) from kustomize's output of one
/// object, returning what it said.
fn strip_origin(doc: &str, limits: Limits) -> Doc {
    let lines: Vec<&str> = doc.split_inclusive('\n').collect();
    let key = format!("    {ORIGIN}:");
    let Some(at) = (0..lines.len()).find(|&j| {
        lines[j].starts_with(&key)
            && lines[..j]
                .iter()
                .rev()
                .find(|x| indent(x) < 4 && !x.trim().is_empty())
                .is_some_and(|x| x.trim_end() == "  annotations:")
    }) else {
        return Doc {
            text: doc.to_owned(),
            origin: None,
        };
    };
    let mut end = at + 1;
    while end < lines.len() && (indent(lines[end]) > 4 || lines[end].trim().is_empty()) {
        end += 1;
    }
    let block: String = lines[at + 1..end]
        .iter()
        .map(|l| l.get(6..).unwrap_or("").trim_end_matches('\n').to_owned() + "\n")
        .collect();
    let origin = crate::yaml::parse(&block, limits)
        .documents
        .into_iter()
        .next()
        .map(|d| d.value);
    // `annotations:` with nothing left under it goes too.
    let ann = (0..at)
        .rev()
        .find(|&j| lines[j].trim_end() == "  annotations:");
    let alone = ann.is_some_and(|a| a + 1 == at) && lines.get(end).is_none_or(|l| indent(l) <= 2);
    let mut text = String::with_capacity(doc.len());
    for (j, l) in lines.iter().enumerate() {
        if (at..end).contains(&j) || (alone && Some(j) == ann) {
            continue;
        }
        text.push_str(l);
    }
    Doc { text, origin }
}

/// Parses one kustomization's documents (as `kubectl kustomize DIR` prints
/// them) and gives each object its origin. Origin paths are relative to
/// `top`, the kustomization kustomize built.
fn finish(ctx: &Ctx, i: usize, top: &Path, docs: Vec<Doc>) -> Loaded {
    let dir = &ctx.dirs[i];
    let name = name_of(dir);
    let show = Display::for_input(dir);
    let text = docs
        .iter()
        .map(|d| d.text.as_str())
        .collect::<Vec<_>>()
        .join("---\n");
    let mut loaded = load_bytes(&name, text.as_bytes())
        .with_limits(ctx.limits)
        .finish();
    let rendered_by: Arc<str> = Arc::from(name.as_str());
    for obj in &mut loaded.objects {
        let said = docs
            .get(obj.source.document as usize)
            .and_then(|d| d.origin.as_ref());
        let mut origin = Origin {
            rendered_by: vec![Arc::clone(&rendered_by)],
            ..Default::default()
        };
        let field = |k: &str| said.and_then(|o| o.get(k)).and_then(Value::as_str);
        if let (Some(repo), Some(path)) = (field("repo"), field("path")) {
            let at = field("ref")
                .map(|r| format!("?ref={r}"))
                .unwrap_or_default();
            origin.from = Some(format!("the object comes from {repo}//{path}{at}"));
        } else if let Some(path) = field("path") {
            let abs = render::normalize(&top.join(path));
            if abs.is_file() {
                let docs = ctx.files.documents(&abs, ctx.limits);
                if let Some(doc) = render::matching_document(&docs, &obj.raw) {
                    origin.map = OriginMap::Document(doc);
                }
                origin.file = Some(Arc::from(show.show(&abs)));
            }
        } else if let Some(k) = field("configuredIn") {
            let by = said
                .and_then(|o| o.get("configuredBy"))
                .and_then(|b| b.get("kind"))
                .and_then(Value::as_str)
                .unwrap_or("a generator");
            let abs = render::normalize(&top.join(k));
            origin.from = Some(format!("generated by {by} in {}", show.show(&abs)));
        }
        obj.origin = Some(Arc::new(origin));
    }
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_and_removed() {
        let doc = "kind: Namespace__eksguard12__\nmetadata:\n  name: __eksguard12__x-__eksguardy\n";
        assert_eq!(token_of(doc), Some(12));
        assert_eq!(
            strip_tokens(doc),
            "kind: Namespace\nmetadata:\n  name: x-__eksguardy\n"
        );
    }

    #[test]
    fn the_origin_annotation_is_removed_as_if_never_added() {
        let doc = "apiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: ../base/svc.yaml\n  name: web\nspec: {}\n";
        let d = strip_origin(doc, Limits::default());
        assert_eq!(
            d.text,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec: {}\n"
        );
        assert_eq!(d.origin.unwrap()["path"], "../base/svc.yaml");
        let doc = "kind: Service\nmetadata:\n  annotations:\n    a: b\n    config.kubernetes.io/origin: |\n      configuredIn: k.yaml\n      configuredBy:\n        kind: ConfigMapGenerator\n    z: y\n  name: web\n";
        let d = strip_origin(doc, Limits::default());
        assert_eq!(
            d.text,
            "kind: Service\nmetadata:\n  annotations:\n    a: b\n    z: y\n  name: web\n"
        );
        assert_eq!(
            d.origin.unwrap()["configuredBy"]["kind"],
            "ConfigMapGenerator"
        );
    }

    #[test]
    fn output_is_split_into_documents() {
        assert_eq!(documents("a: 1\n---\nb: 2\n"), ["a: 1\n", "b: 2\n"]);
        assert_eq!(documents("---\na: 1\n"), ["a: 1\n"]);
    }
}
