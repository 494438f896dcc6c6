//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The read-only `shared/` directory beside the repository. Tests that need
/// it fail loudly rather than skip when it is missing.
pub fn shared() -> PathBuf {
    if let Some(p) = std::env::var_os("EKSGUARD_SHARED") {
        return PathBuf::from(p);
    }
    let p = repo_root().join("../shared");
    assert!(
        p.is_dir(),
        "shared fixtures not found at {}; set EKSGUARD_SHARED",
        p.display()
    );
    p
}

pub fn eksguard(args: &[&str]) -> Output {
    eksguard_in(&repo_root(), args, None)
}

pub fn eksguard_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksguard"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run eksguard");
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
