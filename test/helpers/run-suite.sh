#!/usr/bin/env bash
# Runs one mocha suite (unit | integration | e2e) over the compiled tests and records its counts for
# sum-counts.mjs. A suite that crashes before reporting (an import error, say) is recorded as one failure,
# so CI's final "N passed, N failed" line never hides a broken suite.
# --exit: a suite that finished must not keep CI waiting on a handle some test left open (a test that
# leaks one is still a bug to find; the integration suite had one on 2026-11-25).
set -uo pipefail
suite=$1; timeout_ms=$2
dir=dist/test/$suite
counts=${TROVE_TEST_COUNTS:-.test-state/counts.jsonl}
mkdir -p "$(dirname "$counts")"
if [ -z "$(find "$dir" -name '*.test.js' 2>/dev/null | head -1)" ]; then
  echo "($suite: no tests)"
  exit 0
fi
before=$(grep -c "\"suite\":\"$suite\"" "$counts" 2>/dev/null || true)
TROVE_TEST_SUITE=$suite node_modules/.bin/mocha --exit --reporter ./test/helpers/count-reporter.cjs --timeout "$timeout_ms" \
  ${MOCHA_ARGS:-} "$dir/**/*.test.js"
rc=$?
after=$(grep -c "\"suite\":\"$suite\"" "$counts" 2>/dev/null || true)
if [ "$rc" -ne 0 ] && [ "${after:-0}" = "${before:-0}" ]; then
  echo "{\"suite\":\"$suite\",\"passed\":0,\"failed\":1,\"pending\":0,\"crashed\":true}" >> "$counts"
fi
exit $rc
