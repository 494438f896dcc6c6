#!/usr/bin/env bash
# Fuzzes the webhook's AdmissionReview decoder + decision path for a bounded
# time (default 60 s). Needs a nightly toolchain and cargo-fuzz; where they
# are missing, runs the stable random-input test instead
# (crates/webhook/tests/random_input.rs), which covers the same entry point.
set -euo pipefail
cd "$(dirname "$0")/../crates/webhook"
secs="${1:-60}"
if cargo +nightly fuzz --version >/dev/null 2>&1; then
  exec cargo +nightly fuzz run review fuzz/corpus/review -- -max_total_time="$secs" -max_len=65536
fi
echo "cargo-fuzz / nightly not available: running the proptest random-input test" >&2
PROPTEST_CASES="${PROPTEST_CASES:-20000}" exec cargo test -p eksguard-webhook --test random_input --release
