#!/usr/bin/env bash
# `pnpm validate:deploy [dir]`: checks the Kubernetes manifests in deploy/kubernetes (or dir) in
# two passes, and docker/compose.yml against the Compose Specification in a third;
# scripts/validate-deploy/self-test.sh shows that each kind of mistake fails it.
#  1. Kubernetes' own objects against the API's OpenAPI schemas, with PyPI's kubernetes-validate
#     (it carries the schemas) in strict mode: a wrong type, a missing required field or an
#     unknown field fails. A kind it has no schema for fails too, except KEDA's ScaledObject
#     (pass 2) and kustomize's Kustomization (checked by pass 2).
#  2. scripts/validate-deploy/check-manifests.mjs: KEDA's ScaledObjects against the schema that
#     npm's @kubernetes-models/keda generates from KEDA's Go API types (keda.sh/v1alpha1), plus
#     unknown fields; then what no schema knows: the ConfigMap against the worker's env schema,
#     secrets only by reference, each worker's command, ports and probes against the code, the
#     grace period against WORKER_STOP_TIMEOUT_MS, a PodDisruptionBudget per Deployment, the
#     ScaledObjects' groups and topics against the pipeline contract and their replicas against
#     the partition count, and the kustomization's list of files.
# The tools are installed once, pinned, under ~/.cache/sluice/deploy-validate (PyPI, npm).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

KUBERNETES_VALIDATE=1.37.0 # its schemas: Kubernetes 1.37
CHECK_JSONSCHEMA=0.39.0     # carries the Compose Specification's schema (vendor.compose-spec)
KUBERNETES_VERSION=1.37.0
KEDA_MODELS=2.0.0 # @kubernetes-models/keda (MIT), generated from KEDA v2's keda.sh/v1alpha1 types
YAML=2.9.1

cache="${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/deploy-validate"
venv="$cache/kubernetes-validate-$KUBERNETES_VALIDATE"
modules="$cache/node-keda-$KEDA_MODELS"
mkdir -p "$cache"

if [ ! -x "$venv/bin/kubernetes-validate" ] || [ ! -x "$venv/bin/check-jsonschema" ]; then
  echo "validate-deploy: installing kubernetes-validate $KUBERNETES_VALIDATE and check-jsonschema $CHECK_JSONSCHEMA into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE" "check-jsonschema==$CHECK_JSONSCHEMA"
fi
if [ ! -f "$modules/node_modules/@kubernetes-models/keda/package.json" ] ||
  [ ! -f "$modules/node_modules/yaml/package.json" ]; then
  echo "validate-deploy: installing @kubernetes-models/keda@$KEDA_MODELS into $modules" >&2
  rm -rf "$modules"
  mkdir -p "$modules"
  # Outside the workspace, so neither pnpm's lockfile nor its settings are involved.
  (cd "$modules" && echo '{"private":true}' >package.json &&
    npm install --silent --no-audit --no-fund --ignore-scripts \
      "@kubernetes-models/keda@$KEDA_MODELS" "yaml@$YAML")
fi

# The directory to check: deploy/kubernetes unless given (the self-test checks broken copies).
deploy_dir="${1:-deploy/kubernetes}"
mapfile -t files < <(find "$deploy_dir" -name '*.yaml' ! -name kustomization.yaml | sort)
status=0

# Pass 1. kubernetes-validate exits 0 on a kind it has no schema for (a WARN): only KEDA's may be
# such a kind, and pass 2 checks it.
out=$("$venv/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" "${files[@]}" 2>&1) ||
  status=1
unknown=$(printf '%s\n' "$out" | grep '^WARN' | grep -v "kind ScaledObject with api version keda.sh/v1alpha1" || true)
[ -z "$out" ] || printf '%s\n' "$out" | grep -v "kind ScaledObject with api version keda.sh/v1alpha1" >&2 || true
if [ -n "$unknown" ]; then
  echo "validate-deploy: a kind without a schema (above) is not checked; fix its kind or apiVersion" >&2
  status=1
fi

# Pass 2. tsx (the worker's) so the checker can read the worker's env schema and core's contract.
"$root/apps/worker/node_modules/.bin/tsx" scripts/validate-deploy/check-manifests.mjs \
  "$modules/node_modules" "$deploy_dir" || status=1

# Pass 3. docker/compose.yml against the Compose Specification's schema (unknown keys, wrong
# types). Only with the default directory: the self-test's broken copies are manifests.
if [ -z "${1:-}" ]; then
  "$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec docker/compose.yml >&2 || status=1
fi

if [ "$status" = 0 ]; then
  echo "validate-deploy: ${#files[@]} files in $deploy_dir valid (Kubernetes $KUBERNETES_VERSION schemas, KEDA keda.sh/v1alpha1, Sluice's own checks)${1:+}${1:-; docker/compose.yml valid (Compose Specification)}"
else
  echo "validate-deploy: $deploy_dir is invalid (see above)" >&2
fi
exit "$status"
