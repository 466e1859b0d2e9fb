#!/usr/bin/env bash
# Conductor heartbeat benchmark: trove-ts trove-conductor next to stock trove-conductor (Debian 12, Trove 18).
# Installs the stock packages if missing (idempotent), then runs the compiled benchmark from OUT_DIR
# (default: dist; build first with `make build` or `npx tsc -p . --outDir <dir>`). Arguments go to the script:
#   test/bench/conductor/run.sh [--instances 5000] [--rounds 2] [--only stock|ts] [--ts-workers 1]
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT_DIR=${OUT_DIR:-dist}
if ! dpkg-query -W -f='${Status}' trove-conductor python3-trove 2>/dev/null | grep -q '^install ok installed.*install ok installed$'; then
  echo "installing trove-conductor and python3-trove (Debian packages)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    install -y --no-install-recommends trove-conductor python3-trove >&2
fi
script="$OUT_DIR/test/bench/conductor/heartbeat-throughput.js"
if [ ! -f "$script" ]; then
  echo "$script not found: build first (make build, or npx tsc -p . --outDir $OUT_DIR)" >&2
  exit 2
fi
exec node "$script" "$@"
