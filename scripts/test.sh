#!/usr/bin/env bash
# The test command (`pnpm test`): lint and typecheck, the deployment manifests, bring up the local stack (a no-op when it
# runs), the unit and integration suites of every package against the real services, the short
# chaos suite (`pnpm test:chaos`: workers killed during a run, each sink taken away in turn, hostile
# input), the console's
# browser tests in Chromium against a production build, and a quick benchmark run as a smoke
# test (no threshold: its figures are not the ones to quote).
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm exec biome ci .
pnpm exec turbo run typecheck --output-logs=errors-only
# The Kubernetes manifests and KEDA objects against their schemas and the code (deploy/README.md).
pnpm validate:deploy
pnpm sluice stack up
# Each package also writes a JSON report, so the failures can be listed again at the very end.
rm -f ./*/*/test-results/vitest.json test/test-results/vitest.json
status=0
pnpm exec turbo run test --concurrency=1 --continue --output-logs=new-only -- \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
# A test process that dies is a failure like any other (scripts/test-summary.mjs says how to find
# out why); nothing is run again.
chaos=0
# The sink-outage scenario stops and freezes this stack's PostgreSQL, Redis, search engine and S3
# endpoint for a few seconds each (as the storage suite above stops PostgreSQL): the test command
# runs on the stack it brought up, so it opts in here.
CHAOS_SINK_OUTAGES=1 pnpm test:chaos || chaos=$?
e2e=0
pnpm exec turbo run test:e2e --filter=@sluice/web --output-logs=new-only || e2e=$?
bench=0
pnpm sluice bench --quick || bench=$?
summary=0
node scripts/test-summary.mjs || summary=$?
[ "$chaos" = 0 ] || echo "test: the chaos suite failed (see its figures above)"
[ "$bench" = 0 ] || echo "test: the quick benchmark failed (see its rows above)"
if [ "$status" != 0 ] || [ "$summary" != 0 ] || [ "$chaos" != 0 ] || [ "$e2e" != 0 ] ||
  [ "$bench" != 0 ]; then
  exit 1
fi
exit 0
