#!/usr/bin/env bash
# Shows that `pnpm validate:deploy` can fail: each case breaks a copy of deploy/kubernetes in one
# way and expects the check to reject it, naming the problem. Exits 1 if a broken copy passes.
# Usage: bash scripts/validate-deploy/self-test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# case NAME FILE PYTHON-REPLACEMENT EXPECTED-TEXT
case_() {
  local name=$1 file=$2 old=$3 new=$4 expect=$5
  rm -rf "$work/k" && cp -r deploy/kubernetes "$work/k"
  OLD=$old NEW=$new python3 - "$work/k/$file" <<'PY'
import os, sys
p = sys.argv[1]; s = open(p).read()
assert os.environ['OLD'] in s, f"self-test: {os.environ['OLD']!r} not in {p}"
open(p, 'w').write(s.replace(os.environ['OLD'], os.environ['NEW'], 1))
PY
  local out
  if out=$(bash scripts/validate-deploy.sh "$work/k" 2>&1); then
    echo "FAIL $name: the broken manifest passed"
    failed=1
  elif ! grep -qF -- "$expect" <<<"$out"; then
    echo "FAIL $name: rejected, but without \"$expect\":"
    printf '%s\n' "$out" | sed 's/^/    /'
    failed=1
  else
    echo "ok   $name: $(grep -F -- "$expect" <<<"$out" | head -1 | sed "s|$work/k|deploy/kubernetes|g")"
  fi
}

case_ 'Kubernetes schema: unknown field' enrichment.yaml 'maxUnavailable: 1
  selector' 'maxUnavailabl: 1
  selector' "'maxUnavailabl' was unexpected"
case_ 'Kubernetes schema: wrong type' console.yaml 'containerPort: 3000' 'containerPort: "http"' "is not of type 'integer'"
case_ 'unknown kind' lag-monitor.yaml 'kind: Deployment' 'kind: Deploymnt' 'a kind without a schema'
case_ 'KEDA schema: wrong type' keda/enrichment-workers.scaledobject.yaml 'minReplicaCount: 1' 'minReplicaCount: one' 'KEDA schema'
case_ 'KEDA schema: missing triggers' keda/storage-writers.scaledobject.yaml '  triggers:' '  trigger:' 'KEDA schema'
case_ 'KEDA: unknown field' keda/aggregation-workers.scaledobject.yaml 'cooldownPeriod:' 'cooldownPeriods:' 'spec.cooldownPeriods: unknown field'
case_ 'KEDA: misspelt scaler key' keda/enrichment-workers.scaledobject.yaml 'allowIdleConsumers: "false"' 'allowIdleConsumer: "false"' 'unknown metadata key allowIdleConsumer'
case_ 'replicas above partitions' keda/enrichment-workers.scaledobject.yaml 'maxReplicaCount: 12' 'maxReplicaCount: 13' 'must be at most TOPIC_PARTITIONS'
case_ 'idle consumers allowed' keda/storage-writers.scaledobject.yaml 'allowIdleConsumers: "false"' 'allowIdleConsumers: "true"' 'allowIdleConsumers must be "false"'
case_ 'group not in the contract' keda/aggregation-workers.scaledobject.yaml 'consumerGroup: aggregation-workers' 'consumerGroup: aggregators' 'is not the group of'
case_ 'topic not an input' keda/enrichment-workers.scaledobject.yaml 'topic: events.raw' 'topic: events.enriched' 'is not an input of'
case_ 'probe port not the worker port' aggregation.yaml 'containerPort: 9102' 'containerPort: 9101' 'the metrics port must be 9102'
case_ 'grace period below the stop timeout' storage.yaml 'terminationGracePeriodSeconds: 30' 'terminationGracePeriodSeconds: 20' 'must exceed WORKER_STOP_TIMEOUT_MS'
case_ 'secret value in a manifest' dlq-indexer.yaml 'valueFrom: { secretKeyRef: { name: sluice-secrets, key: DATABASE_URL } }' 'value: postgres://u:p@db/sluice' 'must come from a secretKeyRef'
case_ 'bad config value' configmap.yaml 'TOPIC_PARTITIONS: "12"' 'TOPIC_PARTITIONS: "twelve"' 'TOPIC_PARTITIONS:'
case_ 'worker id not the pod name' enrichment.yaml 'fieldPath: metadata.name' 'fieldPath: metadata.uid' 'SLUICE_WORKER_ID must be the pod name'
case_ 'entrypoint overridden' enrichment.yaml '          args: [worker, enrichment]' '          command: [node]
          args: [worker, enrichment]' "no command: the image's entrypoint"
case_ 'file not in the kustomization' kustomization.yaml '  - console.yaml
' '' 'not listed in kustomization.yaml'

[ "$failed" = 0 ] && echo "self-test: every broken copy was rejected"
exit "$failed"
