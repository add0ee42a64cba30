#!/usr/bin/env bash
# Runs docker/compose.yml's Sluice services (the topics, bucket and migration jobs, the workers
# with their replicas, the lag monitor, the console) with podman-compose against the natively
# run stack, through docker/compose.native.yml: the jobs must exit 0, every replica must start
# and log that it runs, events produced into the run's topics must reach its schema, and
# `podman-compose stop` (SIGTERM, 30 s grace) must leave every container exited 0. Uses the
# images scripts/test-containers.sh built (localhost/sluice-{worker,console}:test); the
# third-party services of compose.yml are never started (--no-deps): no registry here.
# podman-compose comes from PyPI into a venv under $SLUICE_CACHE_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/containers/podman.sh
cache=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
venv=$cache/podman-compose-venv
if [ ! -x "$venv/bin/podman-compose" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q "podman-compose==1.6.0"
fi
for img in worker console; do
  command podman image exists "localhost/sluice-$img:test" ||
    { echo "compose-run: localhost/sluice-$img:test is missing; run pnpm test:containers" >&2; exit 1; }
done

export CT_ID=cc$(date +%s)$((RANDOM % 1000))
export CT_SECRET
CT_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
# Below the ephemeral range (32768 and up), free when picked.
until CT_CONSOLE_PORT=$((30000 + RANDOM % 2700)) && [ -z "$(ss -Hltn "sport = :$CT_CONSOLE_PORT")" ]; do :; done
export CT_CONSOLE_PORT
tmp=$(mktemp -d)
export GEOIP_CITY_DB=$tmp/city.mmdb BETTER_AUTH_SECRET=unused-by-the-native-override
say() { printf '[compose] %s\n' "$*"; }
compose() {
  "$venv/bin/podman-compose" --podman-args "--runtime runc" --in-pod false -p "$CT_ID" \
    -f docker/compose.yml -f docker/compose.native.yml "$@" 2> >(grep -v 'unable to get systemd connection' >&2)
}
sql() { psql -X -qtA -d postgres://sluice@127.0.0.1:5432/sluice -c "$1"; }
cleanup() {
  local rc=$?
  set +e
  compose down -t 0 >/dev/null 2>&1
  sql "DROP SCHEMA IF EXISTS \"$CT_ID\" CASCADE" >/dev/null 2>&1
  sql "DROP SCHEMA IF EXISTS \"${CT_ID}_drizzle\" CASCADE" >/dev/null 2>&1
  redis-cli --scan --pattern "$CT_ID.*" 2>/dev/null | xargs -r redis-cli del >/dev/null 2>&1
  curl -s -m 10 -X DELETE "http://127.0.0.1:9200/$CT_ID-errors" >/dev/null 2>&1
  node scripts/containers/delete-kafka-prefix.mjs "$CT_ID." >/dev/null 2>&1
  node scripts/containers/delete-bucket.mjs "$CT_ID" >/dev/null 2>&1
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT

node apps/worker/bin/sluice.mjs geoip build-test-db --out "$GEOIP_CITY_DB" >/dev/null
chmod 644 "$GEOIP_CITY_DB"
say "config: $(compose config --services | tr '\n' ' ')"

# The jobs, in their order (depends_on conditions need the services compose.native.yml omits).
for job in topics bucket migrate; do
  compose up --no-deps --no-build "$job" >"$tmp/$job.log" 2>&1 ||
    { cat "$tmp/$job.log"; say "job $job failed"; exit 1; }
  code=$(command podman inspect -f '{{.State.ExitCode}}' "${CT_ID}_${job}_1")
  [ "$code" = 0 ] || { cat "$tmp/$job.log"; say "job $job exited $code"; exit 1; }
done
say "jobs topics, bucket, migrate exited 0"

services=(enrichment aggregation storage dlq-indexer lag-monitor console)
compose up -d --no-deps --no-build "${services[@]}" >"$tmp/up.log" 2>&1 || { cat "$tmp/up.log"; exit 1; }
mapfile -t ctrs < <(command podman ps -a --filter "label=io.podman.compose.project=$CT_ID" --format '{{.Names}}' | grep -v -e _topics_ -e _bucket_ -e _migrate_)
say "started ${#ctrs[@]} containers: ${ctrs[*]}"
# 2 enrichment + 2 aggregation + 2 storage + dlq-indexer + lag-monitor + console.
[ "${#ctrs[@]}" = 9 ] || { say "expected 9 containers (replicas), found ${#ctrs[@]}"; exit 1; }

deadline=$(($(date +%s) + 120))
for c in "${ctrs[@]}"; do
  case "$c" in
    *console*) until curl -sf -m 3 "http://127.0.0.1:$CT_CONSOLE_PORT/api/healthz" >/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || { say "console not up"; exit 1; }; sleep 1; done ;;
    *lag-monitor*) until command podman logs "$c" 2>&1 | grep -q '"lag monitor started"'; do
        [ "$(date +%s)" -lt "$deadline" ] || { say "$c not started"; exit 1; }; sleep 1; done ;;
    *) until command podman logs "$c" 2>&1 | grep -q '"msg":"worker .* running'; do
        [ "$(date +%s)" -lt "$deadline" ] || { command podman logs --tail 20 "$c"; say "$c not running"; exit 1; }; sleep 1; done ;;
  esac
done
say "every replica runs"

command podman run --rm "${PODMAN_RUN_OPTS[@]}" --runtime runc --network host -e SLUICE_TOPIC_PREFIX="$CT_ID." \
  localhost/sluice-worker:test produce --count 2000 --seed 16 >/dev/null 2>&1
deadline=$(($(date +%s) + 120))
until [ "$(sql "select count(*) from \"$CT_ID\".events")" -gt 0 ] &&
  [ "$(sql "select count(*) from \"$CT_ID\".window_aggregates")" -gt 0 ] &&
  [ "$(sql "select count(*) from \"$CT_ID\".dlq_entries")" -gt 0 ] &&
  curl -s -m 5 "http://127.0.0.1:4566/$CT_ID?list-type=2" | grep -q '<Key>'; do
  [ "$(date +%s)" -lt "$deadline" ] || { say "events did not reach the stores"; exit 1; }
  sleep 2
done
say "events reached the stores: events=$(sql "select count(*) from \"$CT_ID\".events") window_aggregates=$(sql "select count(*) from \"$CT_ID\".window_aggregates") dlq_entries=$(sql "select count(*) from \"$CT_ID\".dlq_entries") s3_objects=$(curl -s -m 5 "http://127.0.0.1:4566/$CT_ID?list-type=2" | grep -o '<Key>' | wc -l)"

compose stop -t 30 >/dev/null 2>&1
bad=0
for c in "${ctrs[@]}"; do
  code=$(command podman inspect -f '{{.State.ExitCode}}' "$c")
  [ "$code" = 0 ] || { say "$c exited $code"; command podman logs --tail 10 "$c"; bad=1; }
done
[ $bad = 0 ] && say "SIGTERM: all ${#ctrs[@]} containers exited 0"
exit $bad
