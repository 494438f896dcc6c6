pub mod audit;
pub mod aws;
pub mod cluster;
pub mod controls;
pub mod diff;
pub mod explain;
pub mod frameworks;
pub mod iam;
pub mod images;
pub mod netpol;
pub mod paths;
pub mod pss;
pub mod scan;
pub mod webhook;

use std::io::IsTerminal;

/// Opens `--output FILE` or stdout.
pub fn output(path: Option<&std::path::Path>) -> anyhow::Result<Box<dyn std::io::Write>> {
    use anyhow::Context;
    Ok(match path {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Colours only when writing to a terminal and NO_COLOR is unset.
pub fn use_color(to_file: bool) -> bool {
    !to_file && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
