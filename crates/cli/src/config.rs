//! Loading `eksguard.yaml`.

use anyhow::{Context, bail};
use eksguard_controls::Config;
use eksguard_core::JsonPath;
use std::path::{Path, PathBuf};

pub struct Loaded {
    pub config: Config,
    pub path: Option<PathBuf>,
}

/// Reads `--config FILE`, or `eksguard.yaml` in the working directory if it
/// exists, or returns the defaults.
pub fn load(explicit: Option<&Path>) -> anyhow::Result<Loaded> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => ["eksguard.yaml", "eksguard.yml"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file()),
    };
    let Some(path) = path else {
        return Ok(Loaded {
            config: Config::default(),
            path: None,
        });
    };
    let name = path.display().to_string();
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read config {name}"))?;
    let text =
        std::str::from_utf8(&bytes).with_context(|| format!("config {name} is not UTF-8"))?;
    let parsed = eksguard_files::yaml::parse(text, Default::default());
    if let Some(issue) = parsed.issues.first() {
        bail!(
            "{name}:{}:{}: {}",
            issue.pos.line,
            issue.pos.column,
            issue.message
        );
    }
    let Some(doc) = parsed.documents.into_iter().next() else {
        return Ok(Loaded {
            config: Config::default(),
            path: Some(path),
        });
    };
    let mut config: Config = serde_json::from_value(doc.value.clone())
        .with_context(|| format!("invalid config {name} (see `eksguard explain CFG-001` and the README's configuration section)"))?;
    for (i, e) in config.exceptions.iter_mut().enumerate() {
        e.line = doc
            .spans
            .locate(&doc.value, &JsonPath::keys(&["exceptions"]).index(i))
            .map_or(0, |p| p.line);
    }
    let errors = config.compile();
    if !errors.is_empty() {
        bail!("invalid config {name}:\n  {}", errors.join("\n  "));
    }
    Ok(Loaded {
        config,
        path: Some(path),
    })
}
