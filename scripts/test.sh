#!/usr/bin/env bash
# The test command (`pnpm test`): lint and typecheck, bring up the local stack (a no-op when it
# runs), then the unit and integration suites of every package against the real services.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm exec biome ci .
pnpm exec turbo run typecheck --output-logs=errors-only
node apps/worker/bin/sluice.mjs stack up
pnpm exec turbo run test --concurrency=1
