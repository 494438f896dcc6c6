#!/usr/bin/env bash
# Benchmark: scan all of shared/k8s-corpus (5,4xx objects in 2,623 files) with
# every control, release build, and print wall time and peak RSS.
#   scripts/bench-corpus.sh [RUNS]
# Target (issue #2): <= 1.5 s wall and <= 150 MB peak RSS on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
corpus="${EKSGUARD_SHARED:-../shared}/k8s-corpus"
[ -d "$corpus" ] || { echo "corpus not found at $corpus (set EKSGUARD_SHARED)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
cargo build --release -q -p eksguard
bin="${CARGO_TARGET_DIR:-target}/release/eksguard"
"$bin" scan "$corpus" -f json -o /dev/null 2>/dev/null || true   # warm the page cache
echo "run wall_s peak_rss_mb"
for i in $(seq 1 "$runs"); do
  /usr/bin/time -f "%e %M" -o /tmp/eksguard-bench.$$ "$bin" scan "$corpus" -f json -o /dev/null 2>/dev/null || true
  # GNU time prefixes "Command exited with non-zero status N" (the corpus
  # has malformed files, so the scan exits 2): the figures are the last line.
  read -r wall rss < <(tail -n 1 /tmp/eksguard-bench.$$)
  printf '%s %s %s\n' "$i" "$wall" "$((rss / 1024))"
done
rm -f /tmp/eksguard-bench.$$
