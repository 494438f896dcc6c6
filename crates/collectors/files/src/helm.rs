//! Rendering Helm charts with `helm template`, and finding the template
//! line each rendered field came from.
//!
//! A chart is rendered with its `values.yaml` and the scan's
//! `--helm-values` / `--helm-set`; dependencies are the ones vendored under
//! `charts/` (nothing is fetched: no `helm dependency update`, no
//! repository, no cluster). Each object's `# Source:` comment names its
//! template.
//!
//! Lines: the chart is rendered a second time from a copy whose template
//! lines end in a YAML comment with their number (only lines outside
//! template actions and not starting with one). Where the two renders agree
//! line for line, a rendered line ending in a number came from that
//! template line, and a finding points there when the template line has
//! the rendered text up to the field literally (for a key, the key too):
//! a value from `values.yaml` or text from a helper gives no template line,
//! and the finding points at the template file with the rendered line in
//! its message.

use crate::render::{self, Files, Ran, TempDir};
use crate::yaml::Limits;
use crate::{HelmOptions, Loaded, load_bytes};
use eksguard_core::{InputError, Origin, OriginMap, TemplateLine};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

pub(crate) const CHART_FILE: &str = "Chart.yaml";
const MARK: &str = " # eksguard-line:";

pub(crate) fn is_chart(dir: &Path) -> bool {
    dir.join(CHART_FILE).is_file()
}

/// Renders each chart (concurrently); one result per chart, in order.
pub(crate) fn render(
    charts: &[PathBuf],
    opts: &HelmOptions,
    limits: Limits,
    files: &Files,
) -> Vec<Loaded> {
    charts
        .par_iter()
        .map(|dir| render_chart(dir, opts, limits, files))
        .collect()
}

fn command(chart: &Path, opts: &HelmOptions) -> Command {
    let mut cmd = Command::new("helm");
    cmd.arg("template").arg(chart).arg("--include-crds");
    for v in &opts.values {
        cmd.arg("--values").arg(v);
    }
    for s in &opts.set {
        cmd.arg("--set").arg(s);
    }
    cmd
}

fn render_chart(dir: &Path, opts: &HelmOptions, limits: Limits, files: &Files) -> Loaded {
    let name = format!("helm:{}", dir.display());
    let out = match render::run(command(dir, opts)) {
        Ran::Ok(out) => out,
        Ran::NotFound => {
            return Loaded {
                objects: Vec::new(),
                errors: vec![InputError::warning(
                    &name,
                    format!(
                        "{} is a Helm chart and was not scanned: helm is not installed; install it, or render the chart yourself: `helm template {} | eksguard scan -`",
                        dir.display(),
                        dir.display()
                    ),
                )],
            };
        }
        Ran::Failed(msg) => {
            return Loaded {
                objects: Vec::new(),
                errors: vec![InputError::error(
                    &name,
                    format!(
                        "the Helm chart {} did not render: `helm template` failed: {msg}",
                        dir.display()
                    ),
                )],
            };
        }
    };
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut loaded = load_bytes(&name, text.as_bytes())
        .with_limits(limits)
        .finish();
    let rendered: Vec<&str> = text.lines().collect();
    let blocks = blocks(&rendered);
    let lines = tagged_render(dir, opts)
        .map(|(tagged, ids)| template_lines(dir, &rendered, &blocks, &tagged, &ids, files))
        .unwrap_or_default();
    let rendered_by: Arc<str> = Arc::from(name.as_str());
    for obj in &mut loaded.objects {
        let line = obj.source.line as usize;
        let Some(b) = blocks.iter().find(|b| b.start < line && line <= b.end) else {
            continue;
        };
        let mut origin = Origin {
            rendered_by: vec![Arc::clone(&rendered_by)],
            ..Default::default()
        };
        let rel = b.source.split_once('/').map_or("", |(_, r)| r);
        let file = dir.join(rel);
        if !rel.is_empty() && file.is_file() {
            origin.file = Some(Arc::from(file.display().to_string()));
            origin.map = OriginMap::Lines(
                lines
                    .iter()
                    .filter(|l| b.start < l.rendered as usize && l.rendered as usize <= b.end)
                    .cloned()
                    .collect(),
            );
        } else {
            origin.from = Some(format!(
                "the object comes from {} (not a file in {})",
                b.source,
                dir.display()
            ));
        }
        obj.origin = Some(Arc::new(origin));
    }
    loaded
}

/// One `# Source:` block of helm's output: lines `start+1 ..= end`
/// (1-based; `start` is the comment's line).
struct Block<'a> {
    source: &'a str,
    start: usize,
    end: usize,
}

fn blocks<'a>(lines: &[&'a str]) -> Vec<Block<'a>> {
    let mut out: Vec<Block> = Vec::new();
    let mut open = false;
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        if let Some(src) = l.strip_prefix("# Source: ") {
            out.push(Block {
                source: src.trim(),
                start: n,
                end: n,
            });
            open = true;
        } else if l.trim_end() == "---" {
            open = false;
        } else if open && let Some(b) = out.last_mut() {
            b.end = n;
        }
    }
    out
}

/// Renders a copy of the chart whose template lines say their number.
/// Returns the output and the template files by the id in the marks.
fn tagged_render(dir: &Path, opts: &HelmOptions) -> Option<(String, Vec<String>)> {
    let tmp = TempDir::new("helm").ok()?;
    let copy = tmp.path().join(dir.file_name().unwrap_or("chart".as_ref()));
    copy_dir(dir, &copy).ok()?;
    let mut ids = Vec::new();
    let mut templates = Vec::new();
    find_templates(&copy, false, &mut templates);
    for f in templates {
        let text = std::fs::read_to_string(&f).ok()?;
        let rel = f
            .strip_prefix(&copy)
            .ok()?
            .to_string_lossy()
            .replace('\\', "/");
        std::fs::write(&f, tag(&text, ids.len())).ok()?;
        ids.push(rel);
    }
    match render::run(command(&copy, opts)) {
        Ran::Ok(out) => Some((String::from_utf8_lossy(&out).into_owned(), ids)),
        _ => None,
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else if path.is_file() {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

/// Template files of the chart and its unpacked subcharts (partials, whose
/// names start with `_`, are never an object's source).
fn find_templates(dir: &Path, inside: bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            find_templates(&path, inside || name == "templates", out);
        } else if inside
            && !name.starts_with('_')
            && (name.ends_with(".yaml") || name.ends_with(".yml"))
        {
            out.push(path);
        }
    }
}

/// Appends ` # eksguard-line:ID:N` to template lines where a YAML comment
/// changes nothing: outside template actions, not starting with one (a
/// line that is only `{{- if … }}` would put the mark on the line before),
/// not ending with `-}}` (which would eat the space before it).
fn tag(text: &str, id: usize) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let eol = &line[body.len()..];
        let inside_at_start = depth > 0;
        let b = body.as_bytes();
        let mut i = 0;
        while i + 1 < b.len() {
            if b[i] == b'{' && b[i + 1] == b'{' {
                depth += 1;
                i += 2;
            } else if b[i] == b'}' && b[i + 1] == b'}' {
                depth = depth.saturating_sub(1);
                i += 2;
            } else {
                i += 1;
            }
        }
        let t = body.trim();
        out.push_str(body);
        if !inside_at_start
            && depth == 0
            && !t.is_empty()
            && !t.starts_with("{{")
            && !t.ends_with("-}}")
            && !t.starts_with("---")
            && !t.starts_with('#')
        {
            out.push_str(&format!("{MARK}{id}:{}", n + 1));
        }
        out.push_str(eol);
    }
    out
}

/// A mark: (template file id, line).
type Mark = (usize, u32);

/// The rendered line without marks, and its first mark.
fn unmark(line: &str) -> (String, Option<Mark>) {
    let mut first = None;
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(p) = rest.find(MARK) {
        out.push_str(&rest[..p]);
        let after = &rest[p + MARK.len()..];
        let len = after
            .find(|c: char| !(c.is_ascii_digit() || c == ':'))
            .unwrap_or(after.len());
        let mark = &after[..len];
        if first.is_none() {
            first = mark
                .split_once(':')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    (out, first)
}

fn spaces(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

/// Template lines of rendered lines, for the blocks both renders agree on
/// line for line.
fn template_lines(
    dir: &Path,
    rendered: &[&str],
    blocks_a: &[Block],
    tagged: &str,
    ids: &[String],
    files: &Files,
) -> Vec<TemplateLine> {
    let tagged: Vec<&str> = tagged.lines().collect();
    let blocks_b = blocks(&tagged);
    let mut out = Vec::new();
    if blocks_a.len() != blocks_b.len() {
        return out;
    }
    for (a, b) in blocks_a.iter().zip(&blocks_b) {
        if a.source != b.source || a.end - a.start != b.end - b.start {
            continue;
        }
        let rel = a.source.split_once('/').map_or("", |(_, r)| r);
        let Some(id) = ids.iter().position(|i| i == rel) else {
            continue;
        };
        let Some(template) = files.lines(&dir.join(rel)) else {
            continue;
        };
        // (tagged line unmarked, its mark, rendered line, its number)
        let pairs: Vec<(String, Option<Mark>, &str, usize)> = (1..=a.end - a.start)
            .map(|k| {
                let (plain, mark) = unmark(tagged[b.start + k - 1]);
                (plain, mark, rendered[a.start + k - 1], a.start + k)
            })
            .collect();
        if pairs
            .iter()
            .any(|(plain, _, r, _)| plain.trim_end() != r.trim_end())
        {
            continue;
        }
        for (_, mark, r, n) in pairs {
            let Some((file, t)) = mark else { continue };
            if file != id {
                continue;
            }
            let Some(tl) = template.get(t as usize - 1) else {
                continue;
            };
            let text = r.trim_start_matches(' ').trim_end();
            let ttext = tl.trim_start_matches(' ').trim_end();
            let common = text
                .chars()
                .zip(ttext.chars())
                .take_while(|(x, y)| x == y)
                .count();
            out.push(TemplateLine {
                rendered: n as u32,
                template: t,
                rendered_indent: spaces(r) as u32,
                template_indent: spaces(tl) as u32,
                text: text.into(),
                common: common as u32,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lines_outside_actions_are_tagged() {
        let t = "kind: Pod\n{{- if .Values.x }}\nspec:\n  a: {{ .Values.a }}\n  b: {{ include \"x\"\n    . }}\n  c: {{ .c -}}\n{{- end }}\n";
        assert_eq!(
            tag(t, 3),
            "kind: Pod # eksguard-line:3:1\n{{- if .Values.x }}\nspec: # eksguard-line:3:3\n  a: {{ .Values.a }} # eksguard-line:3:4\n  b: {{ include \"x\"\n    . }}\n  c: {{ .c -}}\n{{- end }}\n"
        );
    }

    #[test]
    fn marks_are_read_and_removed() {
        assert_eq!(
            unmark("  a: 1 # eksguard-line:2:7 # eksguard-line:2:9"),
            ("  a: 1".to_owned(), Some((2, 7)))
        );
        assert_eq!(unmark("  a: 1"), ("  a: 1".to_owned(), None));
    }

    #[test]
    fn source_blocks_span_their_document() {
        let out = "---\n# Source: c/templates/a.yaml\nkind: A\nx: 1\n---\n# Source: c/templates/b.yaml\nkind: B\n";
        let lines: Vec<&str> = out.lines().collect();
        let b = blocks(&lines);
        assert_eq!(
            (b[0].source, b[0].start, b[0].end),
            ("c/templates/a.yaml", 2, 4)
        );
        assert_eq!(
            (b[1].source, b[1].start, b[1].end),
            ("c/templates/b.yaml", 6, 7)
        );
    }
}
