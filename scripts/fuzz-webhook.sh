#!/usr/bin/env bash
# Fuzzes the webhook's AdmissionReview decoder + decision path and the image
# scan report reader (crates/webhook/fuzz, libFuzzer + AddressSanitizer),
# each for a bounded time:
#
#   scripts/fuzz-webhook.sh [SECONDS]    # default 60; scripts/test.sh runs it
#
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address, sancov). Rather
# than download a nightly toolchain in CI, the default (stable) toolchain is
# allowed those flags with RUSTC_BOOTSTRAP=1 (FUZZ_TOOLCHAIN=nightly to use a
# real nightly instead). Seeds are copied to a scratch corpus so runs never modify
# the repository; a crash fails the script and leaves the input under
# crates/webhook/fuzz/artifacts/ (reproduce: cargo fuzz run review FILE).
set -euo pipefail
cd "$(dirname "$0")/../crates/webhook/fuzz"
secs="${1:-60}"
toolchain="${FUZZ_TOOLCHAIN:-}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz (cargo install cargo-fuzz --locked)" >&2
  cargo install cargo-fuzz --locked -q
fi
tc=()
if [ -n "$toolchain" ]; then tc=("+$toolchain"); else export RUSTC_BOOTSTRAP=1; fi
# Its own target directory: instrumented builds never share artifacts with
# normal ones.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-../../../target}/fuzz}"
corpus="$(mktemp -d -t eksguard-fuzz.XXXXXX)"
trap 'rm -rf "$corpus"' EXIT
cargo "${tc[@]}" fuzz build -O
# Each target gets the time budget; both share the dictionary of JSON keys.
for target in review scan_report; do
  mkdir -p "$corpus/$target"
  cp "corpus/$target"/* "$corpus/$target/"
  echo "fuzzing $target for ${secs} s" >&2
  cargo "${tc[@]}" fuzz run -O "$target" "$corpus/$target" -- \
    -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -dict=review.dict -print_final_stats=1
done
