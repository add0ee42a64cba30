#!/usr/bin/env bash
# `pnpm test:containers`: builds the worker and console images with podman against a local
# Node 24 base (no registry here), runs the worker image in every role and the console image
# against the native stack (`sluice stack up`, host network), produces events from the image and
# checks they reach the stores, signs in to the console, then stops every container with SIGTERM
# and checks each exited 0 after its graceful stop. Prints each step's time. Everything it makes
# is its own (topic prefix, database schema, Redis prefix, index, bucket) and removed at the end,
# on failure too; the cached base image and workspace copy are kept for the next run.
#   COMPOSE=1 also runs docker/compose.yml's Sluice services (scripts/containers/compose-run.sh).
#   KEEP=1 leaves the run's containers and data for a look.
#   SLUICE_CONTAINERS_SOURCE=head builds the last commit, not the work tree (scripts/containers/stage-apps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/containers/podman.sh

id=ct$(date +%s)$((RANDOM % 1000))
prefix="$id."
schema=${id}
# Six ports on the host network (port+1 .. port+6), below the kernel's ephemeral range (32768
# and up, where any client's socket may sit) and free when picked.
pick_ports() {
  local base p busy
  for _ in $(seq 50); do
    base=$((30000 + (RANDOM % 270) * 10)) busy=0
    for p in $(seq $((base + 1)) $((base + 6))); do
      [ -z "$(ss -Hltn "sport = :$p")" ] || busy=1
    done
    [ $busy = 0 ] && { echo "$base"; return 0; }
  done
  return 1
}
port=$(pick_ports)
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
tmp=$(mktemp -d)
containers=()
started=$(date +%s)
failed=0

say() { printf '[test:containers] %s\n' "$*"; }
fail() { say "FAIL: $*"; failed=1; }
# step NAME COMMAND...: runs it, prints its time (on stderr: a step's stdout may be captured);
# a failing step ends the run (set -e).
step() {
  local name=$1 t0 rc=0
  shift
  t0=$(date +%s.%N)
  "$@" || rc=$?
  printf '[test:containers] %-44s %6.1f s%s\n' "$name" "$(echo "$(date +%s.%N) - $t0" | bc)" \
    "$([ $rc = 0 ] || echo "  FAILED ($rc)")" >&2
  return $rc
}

cleanup() {
  local rc=$?
  set +e
  if [ "${KEEP:-0}" != 1 ]; then
    for c in "${containers[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1; done
    # The schema and its migrations journal (drizzle keeps it in <schema>_drizzle).
    psql -q -d "${DATABASE_URL:-postgres://sluice@127.0.0.1:5432/sluice}" \
      -c "DROP SCHEMA IF EXISTS \"$schema\" CASCADE" -c "DROP SCHEMA IF EXISTS \"${schema}_drizzle\" CASCADE" >/dev/null 2>&1
    redis-cli --scan --pattern "$prefix*" 2>/dev/null | xargs -r redis-cli del >/dev/null 2>&1
    curl -s -m 10 -X DELETE "http://127.0.0.1:9200/$id-errors" >/dev/null 2>&1
    node scripts/containers/delete-kafka-prefix.mjs "$prefix" >/dev/null 2>&1
    node scripts/containers/delete-bucket.mjs "$id" >/dev/null 2>&1
  fi
  rm -rf "$tmp"
  say "total $(($(date +%s) - started)) s; $([ $rc = 0 ] && [ $failed = 0 ] && echo PASSED || echo FAILED)"
  exit $(( rc != 0 ? rc : failed ))
}
trap cleanup EXIT

# --- images ------------------------------------------------------------------------------------
base=$(step "base image (debootstrap + Node 24, cached)" bash scripts/containers/base-image.sh)
ctx=$(step "workspace copy: install, bundle, next build" bash scripts/containers/stage-apps.sh)
build() {
  podman build "${PODMAN_BUILD_OPTS[@]}" --format docker -q -f "docker/$1.Dockerfile" \
    --build-arg BASE="$base" --build-arg APP_FROM=staged -t "localhost/sluice-$1:test" "$ctx" >/dev/null
}
step "build worker image" build worker
step "build console image" build console
# Each build leaves the previous images and its staged stage untagged; podman's store on these
# machines holds only this project's images, and the base stays (it is tagged).
podman image prune -f >/dev/null
for img in worker console; do
  say "image localhost/sluice-$img:test: $(podman image inspect -f '{{.Size}}' "localhost/sluice-$img:test" | awk '{printf "%.0f MB", $1/1e6}')"
done

# --- the run's own names, shared by every container ---------------------------------------------
env_args=(
  -e SLUICE_TOPIC_PREFIX="$prefix" -e DATABASE_SCHEMA="$schema" -e REDIS_KEY_PREFIX="$prefix"
  -e SEARCH_ERRORS_INDEX="$id-errors" -e ARCHIVE_URL="s3://$id/archive" -e TOPIC_PARTITIONS=3
  -e BETTER_AUTH_SECRET="$secret" -e AGG_IDLE_TIMEOUT=5s -e AGG_MAX_OUT_OF_ORDER=2s
)
# A one-off command of the worker image (the migration job, topic creation, the producer).
# `job -e VAR=value ... COMMAND`: environment options first.
job() {
  local extra=()
  while [ "${1:-}" = -e ]; do extra+=("$1" "$2"); shift 2; done
  podman run --rm "${PODMAN_RUN_OPTS[@]}" --network host "${env_args[@]}" "${extra[@]}" localhost/sluice-worker:test "$@"
}

step "topics create (image)" job topics create >/dev/null
step "migrate --schema (image, the migration job)" job migrate --schema "$schema" >/dev/null
curl -sf -m 10 -X PUT "http://127.0.0.1:4566/$id" >/dev/null # the archive's bucket, on moto
# A synthetic GeoIP database from the host's CLI (its builder needs Go, which images lack).
step "GeoIP test database (host)" node apps/worker/bin/sluice.mjs geoip build-test-db --out "$tmp/city.mmdb" >/dev/null
chmod 644 "$tmp/city.mmdb"

# --- workers and console ------------------------------------------------------------------------
run() { # run NAME IMAGE ARGS...: a detached container of this run
  local name="$id-$1" image=$2
  shift 2
  containers+=("$name")
  podman run -d --name "$name" "${PODMAN_RUN_OPTS[@]}" --network host "${env_args[@]}" "$@" >/dev/null
}
roles=(enrichment aggregation storage dlq-indexer)
start_all() {
  local i=1
  for role in "${roles[@]}"; do
    run "$role" worker -v "$tmp/city.mmdb:/geoip/city.mmdb:ro" -e GEOIP_CITY_DB=/geoip/city.mmdb \
      localhost/sluice-worker:test worker "$role" --metrics-port $((port + i)) --worker-id "$id-$role"
    i=$((i + 1))
  done
  run lag-monitor worker localhost/sluice-worker:test worker lag-monitor --metrics-port $((port + 5)) \
    --interval 2 --no-cloudwatch --no-db \
    --group "${prefix}enrichment-workers" "${prefix}aggregation-workers" "${prefix}storage-writers"
  run console console -e PORT=$((port + 6)) -e HOSTNAME=127.0.0.1 \
    -e BETTER_AUTH_URL="http://127.0.0.1:$((port + 6))" localhost/sluice-console:test
}
step "start 5 worker roles + console" start_all

wait_healthy() { # every container's HEALTHCHECK passes (podman runs it on demand here: no systemd)
  local deadline=$(($(date +%s) + 120)) c pending
  while :; do
    pending=()
    for c in "${containers[@]}"; do
      [ "$(podman inspect -f '{{.State.Running}}' "$c")" = true ] ||
        { podman logs --tail 20 "$c" >&2; say "$c exited"; return 1; }
      podman healthcheck run "$c" >/dev/null 2>&1 || pending+=("$c")
    done
    [ ${#pending[@]} = 0 ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || { say "not healthy after 120 s: ${pending[*]}"; return 1; }
    sleep 2
  done
}
step "healthchecks pass (/healthz, every container)" wait_healthy
wait_ready() { # /readyz of each worker: joined its group and running
  local deadline=$(($(date +%s) + 120)) i
  for i in 1 2 3 4 5; do
    until curl -sf -m 3 "http://127.0.0.1:$((port + i))/readyz" >/dev/null; do
      [ "$(date +%s)" -lt "$deadline" ] || { say "port $((port + i)) not ready"; return 1; }
      sleep 1
    done
  done
}
step "workers ready (/readyz)" wait_ready

# --- events through the containers into the stores ---------------------------------------------
count=3000
step "produce $count events (image)" job produce --count "$count" --seed 15 >/dev/null
sql() { psql -X -qtA -d "${DATABASE_URL:-postgres://sluice@127.0.0.1:5432/sluice}" -c "$1"; }
flowed() {
  local deadline=$(($(date +%s) + 180)) ev=0 agg=0 dlq=0 lag=0 s3=0 metrics="http://127.0.0.1:$((port + 5))/metrics"
  while [ "$(date +%s)" -lt "$deadline" ]; do
    ev=$(sql "select count(*) from \"$schema\".events")
    agg=$(sql "select count(*) from \"$schema\".window_aggregates")
    dlq=$(sql "select count(*) from \"$schema\".dlq_entries")
    # The lag monitor's gauges for this run's groups (not lag_samples: the monitor writes those
    # to the database's default schema, whatever DATABASE_SCHEMA says, so it runs with --no-db).
    lag=$(curl -s -m 5 "$metrics" | grep -c "^sluice_consumer_offset_lag{.*$prefix" || true)
    s3=$(curl -s -m 5 "http://127.0.0.1:4566/$id?list-type=2" | grep -o '<Key>' | wc -l)
    if [ "$ev" -gt 0 ] && [ "$agg" -gt 0 ] && [ "$dlq" -gt 0 ] && [ "$lag" -gt 0 ] && [ "$s3" -gt 0 ]; then
      say "stores: events=$ev window_aggregates=$agg dlq_entries=$dlq lag_gauges=$lag s3_objects=$s3"
      return 0
    fi
    sleep 2
  done
  say "stores after 180 s: events=$ev window_aggregates=$agg dlq_entries=$dlq lag_gauges=$lag s3_objects=$s3"
  return 1
}
step "events reach PostgreSQL, S3, DLQ index, lag gauges" flowed
# Every stage has consumed and committed all of its input: the lag monitor reports an offset lag
# of 0 on every partition of this run's three groups.
drained() {
  local deadline=$(($(date +%s) + 120)) series total
  while :; do
    series=$(curl -s -m 5 "http://127.0.0.1:$((port + 5))/metrics" | grep "^sluice_consumer_offset_lag{.*$prefix" || true)
    total=$(awk '{s += $NF} END {print s + 0}' <<<"$series")
    if [ -n "$series" ] && [ "$total" = 0 ] &&
      [ "$(grep -o 'group="[^"]*"' <<<"$series" | sort -u | wc -l)" = 3 ]; then
      say "offset lag 0 on $(wc -l <<<"$series") group partitions; events=$(sql "select count(*) from \"$schema\".events")"
      return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || { say "offset lag after 120 s:"; echo "$series"; return 1; }
    sleep 2
  done
}
step "every stage drained its input (lag 0)" drained

# --- console sign-in ----------------------------------------------------------------------------
web="http://127.0.0.1:$((port + 6))"
sign_in() {
  local email="$id@example.test" password="container-test-password-1"
  # `sluice users add` ignores DATABASE_SCHEMA (it writes to the default schema), so the run's
  # schema comes in as the connection's search_path; no other schema on it.
  job -e DATABASE_URL="postgres://sluice@127.0.0.1:5432/sluice?options=-c%20search_path%3D$schema" \
    users add --email "$email" --password "$password" --role viewer >/dev/null
  local unauth signed session
  unauth=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$web/api/trpc/aggregates.sizes")
  signed=$(curl -s -o /dev/null -w '%{http_code}' -m 20 -c "$tmp/cookies" -H 'content-type: application/json' \
    -H "origin: $web" -H 'sec-fetch-site: same-origin' \
    --data "{\"email\":\"$email\",\"password\":\"$password\"}" "$web/api/auth/sign-in/email")
  session=$(curl -s -o /dev/null -w '%{http_code}' -m 20 -b "$tmp/cookies" "$web/api/trpc/aggregates.sizes")
  say "console: signed out $unauth, sign-in $signed, signed in $session"
  [ "$unauth" = 401 ] && [ "$signed" = 200 ] && [ "$session" = 200 ]
}
step "console sign-in (user from 'sluice users add')" sign_in

# --- graceful stop ------------------------------------------------------------------------------
# Under load, so each worker has a batch in hand: a producer container keeps writing while the
# stop is sent. A worker that missed SIGTERM would be SIGKILLed at 30 s (exit 137).
stop_all() {
  local producer="$id-producer" c code logs ok=0 t0
  containers+=("$producer")
  podman run -d --name "$producer" "${PODMAN_RUN_OPTS[@]}" --network host "${env_args[@]}" \
    localhost/sluice-worker:test produce --rate 2000 --count 200000 --seed 16 >/dev/null
  sleep 5
  [ "$(podman inspect -f '{{.State.Running}}' "$producer")" = true ] ||
    { podman logs --tail 5 "$producer"; say "the producer is not running"; return 1; }
  t0=$(date +%s)
  podman stop -t 30 "${containers[@]:0:6}" >/dev/null
  say "the six containers stopped in $(($(date +%s) - t0)) s while events were flowing"
  podman rm -f -t 0 "$producer" >/dev/null
  for c in "${containers[@]:0:6}"; do
    code=$(podman inspect -f '{{.State.ExitCode}}' "$c")
    logs=$(podman logs "$c" 2>&1)
    case "$c" in
      *-console) true ;; # Next's server logs no stop line; exit 0 (not 137) is the proof
      *-lag-monitor) grep -q '"lag monitor stopped"' <<<"$logs" ;;
      *) grep -q '"msg":"SIGTERM: ' <<<"$logs" && grep -q '"msg":"stopped"' <<<"$logs" ;;
    esac || { say "$c: no graceful-stop line in its log"; ok=1; }
    [ "$code" = 0 ] || { say "$c exited $code"; podman logs --tail 15 "$c" 2>&1; ok=1; }
    say "$c exited $code"
  done
  return $ok
}
step "SIGTERM (podman stop -t 30): exit 0, graceful" stop_all

# docker/compose.yml (with and without the native override) must pass podman-compose's checks.
compose_config() {
  local venv=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/podman-compose-venv
  [ -x "$venv/bin/podman-compose" ] ||
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q "podman-compose==1.6.0"; }
  BETTER_AUTH_SECRET=x GEOIP_CITY_DB=/dev/null "$venv/bin/podman-compose" -f docker/compose.yml config >/dev/null &&
    CT_ID=x CT_SECRET=x CT_CONSOLE_PORT=1 BETTER_AUTH_SECRET=x GEOIP_CITY_DB=/dev/null \
      "$venv/bin/podman-compose" -f docker/compose.yml -f docker/compose.native.yml config >/dev/null
}
step "podman-compose config (docker/compose.yml)" compose_config

if [ "${COMPOSE:-0}" = 1 ]; then
  step "compose: Sluice's services on the native stack" bash scripts/containers/compose-run.sh
fi
