#!/usr/bin/env bash
# The test command (`pnpm test`): lint and typecheck, bring up the local stack (a no-op when it
# runs), the unit and integration suites of every package against the real services, then the
# console's browser tests in Chromium against a production build.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm exec biome ci .
pnpm exec turbo run typecheck --output-logs=errors-only
pnpm sluice stack up
pnpm sluice bench --quick
# Each package also writes a JSON report, so the failures can be listed again at the very end.
rm -f ./*/*/test-results/vitest.json test/test-results/vitest.json
status=0
pnpm exec turbo run test --concurrency=1 --continue --output-logs=new-only -- \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
# A test process that dies is a failure like any other (scripts/test-summary.mjs says how to find
# out why); nothing is run again.
e2e=0
pnpm exec turbo run test:e2e --filter=@sluice/web --output-logs=new-only || e2e=$?
summary=0
node scripts/test-summary.mjs || summary=$?
if [ "$status" != 0 ] || [ "$summary" != 0 ] || [ "$e2e" != 0 ]; then exit 1; fi
exit 0
