//! Reads Kubernetes manifests and `kubectl get -o json|yaml` dumps.
//!
//! Every object keeps its file, document index, line and column, and the
//! position of every field (see [`eksguard_core::Spans`]). Bad input never
//! stops the read: each problem becomes an [`InputError`] naming the input and
//! position, and the documents around it are still returned.
//!
//! ```no_run
//! let (inputs, errors) = eksguard_files::discover(&["manifests/".into()]);
//! for input in &inputs {
//!     let file = eksguard_files::load(input, &Default::default());
//!     println!("{}: {} objects, {} errors", input, file.objects.len(), file.errors.len());
//! }
//! ```

mod discover;
mod emit;
mod helm;
mod json;
mod kustomize;
mod read;
mod render;
mod text;
pub mod yaml;

pub use discover::{IMAGE_REPORTS_DIR, Input, discover};
pub use read::{LoadedWith, load_with};
pub use yaml::{Document, Limits, ParseIssue, Parsed};

use eksguard_core::{InputError, Object};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Knobs for reading inputs.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The largest document, or item of a list, read (in bytes); larger
    /// ones are refused with an error. Inputs above a few MiB are read as
    /// a stream, so an input of any size whose documents (or list items)
    /// are below this is read.
    pub max_file_size: u64,
    pub limits: Limits,
    /// How Helm charts are rendered.
    pub helm: HelmOptions,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_file_size: 64 * 1024 * 1024,
            limits: Limits::default(),
            helm: HelmOptions::default(),
        }
    }
}

/// Values for every chart the scan renders, after the chart's own
/// `values.yaml`: `helm template --values FILE… --set K=V…`.
#[derive(Debug, Clone, Default)]
pub struct HelmOptions {
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
}

/// What one input yielded.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    pub errors: Vec<InputError>,
}

/// Reads one input: a file, stdin, a kustomization rendered by kubectl or a
/// Helm chart rendered by helm (for many, [`render`] is faster).
pub fn load(input: &Input, opts: &ReadOptions) -> Loaded {
    if matches!(input, Input::Kustomize(_) | Input::Helm(_)) {
        return render(std::slice::from_ref(input), opts)
            .pop()
            .flatten()
            .unwrap_or_default();
    }
    let l = load_with(input, opts, &|o| o);
    Loaded {
        objects: l.items,
        errors: l.errors,
    }
}

/// Renders the kustomizations and Helm charts among `inputs`, one entry per
/// input (`None` for the others: read them with [`load`]).
///
/// Kustomizations are rendered a batch at a time (few `kubectl kustomize`
/// runs for many kustomizations), batches and charts concurrently, at most
/// one per core. Each rendered object knows the file it was written in
/// ([`eksguard_core::Origin`]). An object several inputs render identically
/// (the same object once the origin annotation is gone) is kept once, on
/// the first of them, and its origin lists them all.
pub fn render(inputs: &[Input], opts: &ReadOptions) -> Vec<Option<Loaded>> {
    let files = render::Files::default();
    let mut kustomizations = (Vec::new(), Vec::new());
    let mut charts = (Vec::new(), Vec::new());
    for (i, input) in inputs.iter().enumerate() {
        match input {
            Input::Kustomize(d) => {
                kustomizations.0.push(i);
                kustomizations.1.push(d.clone());
            }
            Input::Helm(d) => {
                charts.0.push(i);
                charts.1.push(d.clone());
            }
            _ => {}
        }
    }
    let (k, h) = rayon::join(
        || kustomize::render(&kustomizations.1, opts.limits, &files),
        || helm::render(&charts.1, &opts.helm, opts.limits, &files),
    );
    let mut out: Vec<Option<Loaded>> = inputs.iter().map(|_| None).collect();
    let done = kustomizations.0.into_iter().zip(k);
    for (i, l) in done.chain(charts.0.into_iter().zip(h)) {
        out[i] = Some(l);
    }
    merge_identical(&mut out);
    out
}

/// Keeps one of the objects several inputs render identically, on the
/// first input, its origin naming every input that renders it.
fn merge_identical(rendered: &mut [Option<Loaded>]) {
    let mut first: HashMap<String, (usize, usize)> = HashMap::new();
    let mut also: HashMap<(usize, usize), Vec<Arc<str>>> = HashMap::new();
    for (i, loaded) in rendered.iter_mut().enumerate() {
        let Some(loaded) = loaded else { continue };
        let mut keep = Vec::with_capacity(loaded.objects.len());
        for obj in std::mem::take(&mut loaded.objects) {
            let key = obj.raw.to_string();
            match first.get(&key) {
                Some(&at) if at.0 != i => {
                    also.entry(at).or_default().push(obj.source.file.clone());
                }
                _ => {
                    first.insert(key, (i, keep.len()));
                    keep.push(obj);
                }
            }
        }
        loaded.objects = keep;
    }
    for ((i, j), names) in also {
        let Some(Some(loaded)) = rendered.get_mut(i) else {
            continue;
        };
        let obj = &mut loaded.objects[j];
        let mut origin = obj.origin.as_deref().cloned().unwrap_or_default();
        if origin.rendered_by.is_empty() {
            origin.rendered_by.push(obj.source.file.clone());
        }
        for n in names {
            if !origin.rendered_by.contains(&n) {
                origin.rendered_by.push(n);
            }
        }
        obj.origin = Some(Arc::new(origin));
    }
}

/// Builder for parsing bytes already in memory (stdin, webhook bodies, tests).
pub struct BytesLoad<'a> {
    name: &'a str,
    bytes: &'a [u8],
    limits: Limits,
}

pub fn load_bytes<'a>(name: &'a str, bytes: &'a [u8]) -> BytesLoad<'a> {
    BytesLoad {
        name,
        bytes,
        limits: Limits::default(),
    }
}

impl BytesLoad<'_> {
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn finish(self) -> Loaded {
        read::load_whole(self.name, self.bytes, self.limits)
    }
}

/// Checks the bytes are text: no NUL (binary junk), valid UTF-8, BOM removed.
pub(crate) fn decode_text<'b>(name: &str, bytes: &'b [u8]) -> Result<&'b str, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let (line, col) = line_col(&bytes[..at]);
        return Err(InputError::error(
            name,
            format!("binary data (NUL byte at offset {at}); expected YAML or JSON text"),
        )
        .at(line, col));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let (line, col) = line_col(&bytes[..at]);
        InputError::error(
            name,
            format!("not UTF-8 text (invalid byte at offset {at}); expected YAML or JSON"),
        )
        .at(line, col)
    })
}

fn line_col(prefix: &[u8]) -> (u32, u32) {
    let line = prefix.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let col = prefix.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
    (line, col)
}
