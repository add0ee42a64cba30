#!/usr/bin/env bash
# The test command (`pnpm test`): lint and typecheck, bring up the local stack (a no-op when it
# runs), the unit and integration suites of every package against the real services, then the
# console's browser tests in Chromium against a production build.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm exec biome ci .
pnpm exec turbo run typecheck --output-logs=errors-only
pnpm sluice stack up
# Each package also writes a JSON report, so the failures can be listed again at the very end.
rm -f ./*/*/test-results/vitest.json test/test-results/vitest.json test/test-results/rerun.json
status=0
pnpm exec turbo run test --concurrency=1 --continue --output-logs=new-only -- \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
# An integration file whose test process died (vitest: "Worker exited unexpectedly"; nothing
# failed, its tests never finished) runs again, at most twice, and the summary says so. This
# happened to the storage suite in its first seconds in 3 of 7 clean-clone runs, cause not found
# yet: the process is killed by a signal (test/support/setup.ts reports exit codes, and printed
# none). A file with a failed test is never rerun.
reran=0
if [ "$status" != 0 ]; then
  report=test/test-results/vitest.json
  for attempt in 1 2; do
    mapfile -t died < <(node scripts/test-summary.mjs --died "$report")
    [ ${#died[@]} -gt 0 ] || break
    reran=1
    echo "test: the test process of ${died[*]} died; running it again (attempt $attempt of 2)"
    (cd test && pnpm exec vitest run "${died[@]}" --reporter=default --reporter=json \
      --outputFile.json=test-results/rerun.json) || true
    report=test/test-results/rerun.json
  done
fi
e2e=0
pnpm exec turbo run test:e2e --filter=@sluice/web --output-logs=new-only || e2e=$?
# The summary decides the suites' outcome when a file was rerun (a rerun that passed stands for
# its dead first run); otherwise turbo's status counts too (an unhandled error fails a package
# whose report lists no failed test).
summary=0
node scripts/test-summary.mjs || summary=$?
if [ "$summary" != 0 ] || [ "$e2e" != 0 ]; then exit 1; fi
if [ "$reran" = 0 ] && [ "$status" != 0 ]; then exit "$status"; fi
exit 0
