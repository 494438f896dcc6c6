#!/usr/bin/env bash
# Runs eksguard's whole test suite on a fresh machine: installs and starts
# what the tests need, then runs the checks and `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# The shared fixtures (PSS conformance, k8s corpus, SARIF schema) live beside
# the repository; tests find them through EKSGUARD_SHARED.
if [ -z "${EKSGUARD_SHARED:-}" ]; then
  for candidate in ../shared ../../shared; do
    if [ -d "$candidate/conformance" ]; then
      EKSGUARD_SHARED="$(cd "$candidate" && pwd)"
      break
    fi
  done
fi
export EKSGUARD_SHARED="${EKSGUARD_SHARED:?cannot find the shared/ fixtures directory; set EKSGUARD_SHARED}"

log "formatting"
cargo fmt --all --check

log "lints"
cargo clippy --workspace --all-targets --locked -q -- -D warnings

log "tests"
cargo test --workspace --locked
