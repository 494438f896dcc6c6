#!/usr/bin/env bash
# Benchmark: `eksguard pss check` over all 4,537 upstream Pod Security
# fixtures in one invocation (release build), wall time and peak RSS.
#   scripts/bench-pss.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
fixtures="${EKSGUARD_SHARED:-../shared}/conformance/pss"
[ -d "$fixtures" ] || { echo "fixtures not found at $fixtures (set EKSGUARD_SHARED)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
cargo build --release -q -p eksguard
bin=target/release/eksguard
n=$(find "$fixtures" -name '*.yaml' | wc -l)
echo "files: $n"
echo "run wall_s peak_rss_mb"
for i in $(seq 1 "$runs"); do
  /usr/bin/time -f "%e %M" -o /tmp/eksguard-bench.$$ "$bin" pss check --level restricted -f json "$fixtures" >/dev/null 2>&1 || true
  read -r wall rss < /tmp/eksguard-bench.$$
  printf '%s %s %s\n' "$i" "$wall" "$((rss / 1024))"
done
rm -f /tmp/eksguard-bench.$$
