#!/usr/bin/env bash
# Benchmarks of issue #17 (large clusters), release build, printing each
# figure with its target:
#   - `kubectl get pods,deployments,replicasets,services,serviceaccounts,roles,
#     rolebindings,networkpolicies -A -o json` of a 50,000-pod cluster
#     (500 namespaces, 2,000 NetworkPolicies, ~9 KB per pod) scanned from a
#     file and from stdin: <= 10 s wall, <= 600 MB peak RSS;
#   - the same dump at 10,000 and 50,000 pods: time and memory grow <= 6x;
#   - `pss check` of 100,000 pods in one PodList: <= 2 s, <= 300 MB;
#   - `scan --kube` of the 50,000-pod cluster held by the test API server
#     (crates/testing/apiserver, in another process): <= 20 s, <= 800 MB;
#   - a 100,000-pod dump is scanned, not rejected; an alias bomb is refused.
# Inputs are generated (deterministic) by the `large-cluster` bench of
# eksguard-kube into $EKSGUARD_BENCH_DIR (default /tmp/eksguard-bench-large,
# about 1.5 GB) and reused.
#   scripts/bench-large.sh [all|file|stdin|ratio|pss|live|limits]...
# EKSGUARD_BIN=path/to/eksguard measures another build (e.g. an older one).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
dir="${EKSGUARD_BENCH_DIR:-/tmp/eksguard-bench-large}"
mkdir -p "$dir"
target="${CARGO_TARGET_DIR:-target}"
if [ -z "${EKSGUARD_BIN:-}" ]; then
  cargo build --release -q -p eksguard
  bin="$target/release/eksguard"
else
  bin="$EKSGUARD_BIN"
fi
gen() { cargo bench -q -p eksguard-kube --bench large-cluster -- "$@"; }
input() { # input NAME KIND PODS [ARGS]: generate once
  local f="$dir/$1"
  [ -s "$f" ] || gen "$2" "$3" "$f" "${@:4}" >&2
  echo "$f"
}
t="$(mktemp)"
trap 'rm -f "$t"' EXIT
# run LABEL TARGET_S TARGET_MB CMD...: wall seconds and peak RSS of CMD.
run() {
  local label="$1" max_s="$2" max_mb="$3"
  shift 3
  /usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null 2>"$t.err" || true
  local wall rss
  read -r wall rss < <(tail -n 1 "$t")
  rss=$((rss / 1024))
  local ok=ok
  awk -v w="$wall" -v m="$max_s" 'BEGIN { exit !(w > m) }' && ok=OVER
  [ "$rss" -gt "$max_mb" ] && ok=OVER
  printf '%-58s %7.2f s %6d MB   (target <= %s s, <= %s MB) %s\n' "$label" "$wall" "$rss" "$max_s" "$max_mb" "$ok"
  last_wall="$wall" last_rss="$rss"
  if grep -q "nodes\|panicked" "$t.err"; then grep -m3 "nodes\|panicked" "$t.err" >&2; fi
  rm -f "$t.err"
}
what=("$@")
[ ${#what[@]} -eq 0 ] && what=(all)
want() { for w in "${what[@]}"; do [ "$w" = all ] || [ "$w" = "$1" ] && return 0; done; return 1; }

if want file || want ratio; then
  d50=$(input dump-50000.json dump 50000)
  echo "dump of 50,000 pods: $(du -m "$d50" | cut -f1) MB"
  run "scan FILE (50,000 pods)" 10 600 "$bin" scan "$d50" -f json -o /dev/null
  w50=$last_wall r50=$last_rss
fi
if want stdin; then
  d50=$(input dump-50000.json dump 50000)
  run "scan - < FILE (50,000 pods)" 10 600 sh -c "\"$bin\" scan - -f json -o /dev/null < \"$d50\""
fi
if want ratio; then
  d10=$(input dump-10000.json dump 10000)
  echo "dump of 10,000 pods: $(du -m "$d10" | cut -f1) MB"
  run "scan FILE (10,000 pods)" 10 600 "$bin" scan "$d10" -f json -o /dev/null
  awk -v a="$last_wall" -v b="$w50" -v c="$last_rss" -v d="$r50" \
    'BEGIN { printf "%-58s %7.2fx time %5.2fx memory   (target <= 6x) %s\n", "10,000 -> 50,000 pods (5x input)", b / a, d / c, (b / a <= 6 && d / c <= 6) ? "ok" : "OVER" }'
fi
if want pss; then
  p=$(input podlist-100000.json podlist 100000)
  echo "PodList of 100,000 pods: $(du -m "$p" | cut -f1) MB"
  run "pss check (100,000 pods)" 2 300 "$bin" pss check "$p"
fi
if want live; then
  kc="$dir/kubeconfig"
  fifo="$dir/serve.in"
  rm -f "$fifo" "$kc"
  mkfifo "$fifo"
  # The server stops when its stdin closes (or after 15 minutes).
  gen serve 50000 "$kc" 900 <"$fifo" >"$dir/serve.out" 2>&1 &
  server=$!
  exec 9>"$fifo"
  for _ in $(seq 1 600); do grep -q ready "$dir/serve.out" 2>/dev/null && break; sleep 1; done
  grep ready "$dir/serve.out"
  run "scan --kube (50,000 pods, test API server)" 20 800 "$bin" scan --kube --kubeconfig "$kc" -f json -o /dev/null
  exec 9>&-
  wait "$server" || true
  rm -f "$fifo"
fi
if want limits; then
  d100=$(input dump-100000.json dump 100000)
  echo "dump of 100,000 pods: $(du -m "$d100" | cut -f1) MB"
  run "scan FILE (100,000 pods)" 30 1500 "$bin" scan "$d100" -f json -o "$dir/report-100000.json"
  python3 - "$dir/report-100000.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
errors = [e["message"] for e in r.get("errors", [])]
print(f"100,000-pod dump: {r['summary']['objects']} objects scanned, {len(errors)} input errors", "ok" if r["summary"]["objects"] > 100000 and not errors else "FAILED")
EOF
  bomb="$dir/bomb.yaml"
  printf 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n' >"$bomb"
  for i in $(seq 1 11); do
    printf 'a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n' "$i" "$i" $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) >>"$bomb"
  done
  if "$bin" scan "$bomb" -f json 2>/dev/null | grep -q "alias bomb"; then echo "alias bomb: refused ok"; else echo "alias bomb: NOT refused FAILED"; fi
fi
