# Sourced by the container scripts: how podman must run on this project's machines. Debian's
# podman 4.3 here needs the runc runtime (crun fails: "cgroups in hybrid mode not supported") and
# explicit ulimits (the defaults fail with "setrlimit ... operation not permitted").
PODMAN_RUNTIME_OPTS=(--runtime runc)
PODMAN_ULIMITS=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
PODMAN_BUILD_OPTS=(--runtime runc "${PODMAN_ULIMITS[@]}")
PODMAN_RUN_OPTS=("${PODMAN_ULIMITS[@]}")
# Without systemd, podman cannot schedule HEALTHCHECKs and says so on every run; the test runs
# them itself (`podman healthcheck run`), so that one message is dropped.
podman() {
  command podman "${PODMAN_RUNTIME_OPTS[@]}" "$@" 2> >(grep -v 'unable to get systemd connection' >&2)
}
