#!/usr/bin/env bash
# Lays out the ready-built apps for the images' APP_FROM=staged path, in a copy of the work tree
# of its own ($SLUICE_CACHE_DIR/containers/workspace): building the console there (`next build`
# deletes and rewrites .next) cannot disturb a console or browser test running from the checkout.
# The copy takes the checkout's files that git does not ignore (committed or not), installs
# from pnpm's store offline (pnpm reuses the patched Kafka client it built before), bundles the
# worker and builds the console, then writes .containers/{worker,console} for the Dockerfiles.
# Prints the copy's path, which is the images' build context.
# SLUICE_CONTAINERS_SOURCE=head builds the last commit instead of the work tree (a shared
# checkout where others' unfinished changes should stay out of the images).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
if [ "${SLUICE_CONTAINERS_SOURCE:-worktree}" = head ]; then
  repo=$(mktemp -d)
  trap 'rm -rf "$repo"' EXIT
  git archive HEAD | tar -x -C "$repo"
fi
ws=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/containers/workspace
mkdir -p "$ws"
step() { printf 'stage: %s\n' "$*" >&2; }

step "copy ${SLUICE_CONTAINERS_SOURCE:-worktree} to $ws"
# .gitignore'd paths (node_modules, .next, dist) are neither copied nor deleted on the copy's side.
rsync -a --delete --exclude=.git --exclude=.containers --filter=':- .gitignore' "$repo/" "$ws/"
cd "$ws"
step "pnpm install --offline"
pnpm install --offline --frozen-lockfile --reporter=silent >&2
step "bundle the worker"
node apps/worker/build.mjs >&2
step "next build (console)"
pnpm --filter @sluice/web build >"$ws/next-build.log" 2>&1 || { tail -40 "$ws/next-build.log" >&2; exit 1; }

rm -rf .containers && mkdir -p .containers
node docker/stage-worker.mjs "$ws" .containers/worker >&2
node docker/stage-console.mjs "$ws" .containers/console >&2
echo "$ws"
