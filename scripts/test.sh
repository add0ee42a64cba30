#!/usr/bin/env bash
# The test command (`pnpm test`): lint and typecheck, bring up the local stack (a no-op when it
# runs), the unit and integration suites of every package against the real services, then the
# console's browser tests in Chromium against a production build.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm exec biome ci .
pnpm exec turbo run typecheck --output-logs=errors-only
node apps/worker/bin/sluice.mjs stack up
pnpm exec turbo run test --concurrency=1 --continue --output-logs=new-only
pnpm exec turbo run test:e2e --filter=@sluice/web --output-logs=new-only
