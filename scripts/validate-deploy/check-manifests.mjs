// Pass 2 of `pnpm validate:deploy`: scripts/validate-deploy.sh runs it with tsx as
// `check-manifests.mjs <node_modules of the pinned packages> <manifest directory>`: KEDA's ScaledObjects against KEDA's schema, and what no
// schema knows about deploy/kubernetes, checked against the code itself (the worker's env schema,
// its commands' ports, core's pipeline contract), so a manifest cannot drift from the code.
// Prints one line per problem and exits 1 if there is any.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '../..');
const [modules, deployDir] = process.argv.slice(2);
if (!modules || !deployDir) throw new Error('usage: check-manifests.mjs <node_modules> <dir>');
const dir = resolve(deployDir);

const load = async (path) => import(pathToFileURL(path).href);
const YAML = (await load(join(modules, 'yaml/dist/index.js'))).default;
const kedaDir = join(modules, '@kubernetes-models/keda/keda.sh/v1alpha1');
const { ScaledObject } = await load(join(kedaDir, 'ScaledObject.js'));
const { envSchema } = await load(join(root, 'apps/worker/src/env.ts'));
const { pipelineNames } = await load(join(root, 'packages/core/src/pipeline-contract.ts'));

const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

// ---- the files and their documents -------------------------------------------------------
const yamlFiles = (d) =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? yamlFiles(join(d, e.name))
      : e.name.endsWith('.yaml')
        ? [join(d, e.name)]
        : [],
  );
const docs = [];
for (const file of yamlFiles(dir)) {
  const inRepo = relative(root, file);
  const rel = inRepo.startsWith('..') ? file : inRepo;
  for (const doc of YAML.parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) problem(rel, `not YAML: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (obj) docs.push({ file: rel, obj, where: `${rel} ${obj.kind}/${obj.metadata?.name}` });
  }
}
const ofKind = (kind) => docs.filter((d) => d.obj.kind === kind);

// ---- kustomization: every manifest listed, every listed file there -------------------------
const kustomization = docs.find((d) => d.obj.kind === 'Kustomization');
if (!kustomization) problem('deploy/kubernetes', 'no kustomization.yaml');
else {
  const listed = new Set(kustomization.obj.resources ?? []);
  for (const r of listed)
    if (!existsSync(join(dir, r))) problem(kustomization.where, `resource ${r} does not exist`);
  for (const d of docs)
    if (d !== kustomization && !listed.has(relative(dir, resolve(root, d.file))))
      problem(d.where, 'not listed in kustomization.yaml resources');
  const images = new Set((kustomization.obj.images ?? []).map((i) => i.name));
  for (const d of docs)
    for (const c of containersOf(d.obj))
      if (!images.has(c.image))
        problem(d.where, `image ${c.image} has no entry in kustomization.yaml images`);
}
if (ofKind('Secret').length > 0)
  problem('deploy/kubernetes', 'a Secret object: secret values never go into the repository');

function containersOf(obj) {
  const pod = obj.spec?.template?.spec ?? obj.spec?.jobTemplate?.spec?.template?.spec;
  return pod ? [...(pod.initContainers ?? []), ...(pod.containers ?? [])] : [];
}

// ---- the ConfigMap against the worker's env schema -----------------------------------------
const SECRET_VARS = ['DATABASE_URL', 'REDIS_URL', 'BETTER_AUTH_SECRET'];
// The console's own variables (apps/web/src/env.ts), which may be set beside the worker's.
const CONSOLE_VARS = [
  'PORT',
  'NODE_ENV',
  'BETTER_AUTH_URL',
  'TRUSTED_ORIGINS',
  'SESSION_TTL_HOURS',
];
const configMap = ofKind('ConfigMap').find((d) => d.obj.metadata.name === 'sluice-config');
let config = {};
if (!configMap) problem('deploy/kubernetes', 'no ConfigMap sluice-config');
else {
  const data = configMap.obj.data ?? {};
  for (const key of Object.keys(data)) {
    if (SECRET_VARS.includes(key)) problem(configMap.where, `${key} belongs in the Secret`);
    else if (!(key in envSchema.shape) && !CONSOLE_VARS.includes(key))
      problem(configMap.where, `${key} is not a variable Sluice reads (apps/worker/src/env.ts)`);
  }
  const parsed = envSchema.safeParse(data);
  if (!parsed.success)
    for (const i of parsed.error.issues)
      problem(configMap.where, `${i.path.join('.')}: ${i.message}`);
  else config = parsed.data;
}
const envDefaults = envSchema.parse({});
const setting = (key) => config[key] ?? envDefaults[key];

// ---- workers: command, ports, probes, worker id, grace period, resources, budget -----------
/** Each `sluice worker <role>` and its default metrics port, read from the commands' source. */
function workerPorts() {
  const ports = new Map();
  for (const f of [
    'apps/worker/src/commands/worker.command.ts',
    'apps/worker/src/dlq/dlq-indexer.worker.ts',
  ]) {
    const src = readFileSync(join(root, f), 'utf8');
    for (const m of src.matchAll(/name: '([a-z-]+)',\s*description:[\s\S]*?port: (\d+),/g))
      ports.set(m[1], Number(m[2]));
  }
  ports.set('lag-monitor', setting('LAG_MONITOR_PORT'));
  return ports;
}
const ports = workerPorts();
const CONSUMER_ROLES = {
  enrichment: 'enrichment',
  aggregation: 'aggregation',
  storage: 'storage',
  'dlq-indexer': 'dlqIndex',
};
const names = pipelineNames(setting('SLUICE_TOPIC_PREFIX'));
const stopTimeoutS = setting('WORKER_STOP_TIMEOUT_MS') / 1000;

const envOf = (c, name) => (c.env ?? []).find((e) => e.name === name);
const deployments = ofKind('Deployment');
const roleOf = new Map(); // Deployment name -> worker role
for (const d of [...deployments, ...ofKind('Job')]) {
  for (const c of containersOf(d.obj)) {
    for (const e of c.env ?? [])
      if (SECRET_VARS.includes(e.name) && !e.valueFrom?.secretKeyRef)
        problem(d.where, `${c.name}: ${e.name} must come from a secretKeyRef, not a value`);
    if (
      !c.resources?.requests?.cpu ||
      !c.resources?.requests?.memory ||
      !c.resources?.limits?.memory
    )
      problem(d.where, `${c.name}: needs cpu and memory requests and a memory limit`);
    // The worker image's entrypoint is the sluice CLI under tini (docker/worker.Dockerfile); a
    // command would replace both.
    if (c.image === 'sluice-worker' && c.command)
      problem(d.where, `${c.name}: no command: the image's entrypoint is \`sluice\`; set args`);
  }
}
for (const d of deployments) {
  const pod = d.obj.spec.template.spec;
  const worker = pod.containers.find(
    (c) => c.image === 'sluice-worker' && c.args?.[0] === 'worker',
  );
  if (!worker) continue;
  const role = worker.args[1];
  roleOf.set(d.obj.metadata.name, role);
  const port = ports.get(role);
  if (port === undefined) {
    problem(d.where, `sluice worker ${role}: no such worker (${[...ports.keys()].join(', ')})`);
    continue;
  }
  const metrics = (worker.ports ?? []).find((p) => p.name === 'metrics');
  if (metrics?.containerPort !== port)
    problem(d.where, `the metrics port must be ${port}, the port \`sluice worker ${role}\` serves`);
  for (const [probe, path] of [
    ['livenessProbe', '/healthz'],
    ['readinessProbe', '/readyz'],
  ]) {
    const get = worker[probe]?.httpGet;
    if (get?.path !== path || (get.port !== 'metrics' && get.port !== port))
      problem(d.where, `${probe} must GET ${path} on the metrics port`);
  }
  if (
    role in CONSUMER_ROLES &&
    envOf(worker, 'SLUICE_WORKER_ID')?.valueFrom?.fieldRef?.fieldPath !== 'metadata.name'
  )
    problem(d.where, 'SLUICE_WORKER_ID must be the pod name (fieldRef metadata.name)');
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (grace < stopTimeoutS + 5)
    problem(
      d.where,
      `terminationGracePeriodSeconds ${grace} must exceed WORKER_STOP_TIMEOUT_MS (${stopTimeoutS} s) by 5 s or more`,
    );
}
const podLabels = (d) => d.obj.spec.template.metadata.labels ?? {};
const selects = (selector, labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
for (const d of deployments)
  if (!ofKind('PodDisruptionBudget').some((p) => selects(p.obj.spec.selector, podLabels(d))))
    problem(d.where, 'no PodDisruptionBudget selects its pods');
const job = ofKind('Job').find((j) =>
  containersOf(j.obj).some((c) => c.image === 'sluice-worker' && c.args?.join(' ') === 'migrate'),
);
if (!job) problem('deploy/kubernetes', 'no Job runs `sluice migrate`');

// ---- KEDA: the schema, unknown fields, and the pipeline's groups, topics and partitions -----
/** Property names of a generated model's interface, and the model each property refers to. */
function modelProperties(model) {
  const dts = readFileSync(join(kedaDir, `${model}.d.ts`), 'utf8');
  const imports = new Map(
    [...dts.matchAll(/import \{ (\w+) \} from "\.\/(\w+)\.js"/g)].map((m) => [m[1], m[2]]),
  );
  const body = dts.match(/export interface I\w+ \{([\s\S]*?)\n\}/)?.[1] ?? '';
  const props = new Map();
  for (const m of body.matchAll(/^ {4}"(\w+)"\??: (.*)$/gm)) {
    const type = m[2].match(/^(?:Array<)?(\w+)/)?.[1];
    props.set(m[1], type ? imports.get(type) : undefined);
  }
  return props;
}
/** The generated schema allows unknown fields (the API server would prune them): report them. */
function unknownFields(value, model, path, out) {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      unknownFields(v, model, `${path}[${i}]`, out);
    });
    return;
  }
  const props = modelProperties(model);
  for (const [k, v] of Object.entries(value)) {
    if (!props.has(k))
      out.push(`${path}.${k}: unknown field (known: ${[...props.keys()].join(', ')})`);
    else if (props.get(k)) unknownFields(v, props.get(k), `${path}.${k}`, out);
  }
}
// The Kafka scaler's metadata keys (KEDA's kafka scaler, v2.x): trigger metadata is a free map
// of strings in the CRD, so a misspelt key would silently be ignored by KEDA.
const KAFKA_KEYS = new Set([
  'bootstrapServers',
  'consumerGroup',
  'topic',
  'lagThreshold',
  'activationLagThreshold',
  'offsetResetPolicy',
  'allowIdleConsumers',
  'scaleToZeroOnInvalidOffset',
  'excludePersistentLag',
  'limitToPartitionsWithLag',
  'partitionLimitation',
  'version',
  'sasl',
  'tls',
  'unsafeSsl',
  'ensureEvenDistributionOfPartitions',
]);
const partitions = setting('TOPIC_PARTITIONS');
for (const so of ofKind('ScaledObject')) {
  try {
    new ScaledObject(so.obj).validate();
  } catch (err) {
    problem(so.where, `KEDA schema: ${err.message}`);
  }
  const extra = [];
  unknownFields(so.obj.spec, 'ScaledObjectSpec', 'spec', extra);
  for (const e of extra) problem(so.where, e);
  const spec = so.obj.spec ?? {};
  const target = deployments.find((d) => d.obj.metadata.name === spec.scaleTargetRef?.name);
  if (!target || (spec.scaleTargetRef.kind ?? 'Deployment') !== 'Deployment') {
    problem(so.where, `scaleTargetRef ${spec.scaleTargetRef?.name} is not a Deployment here`);
    continue;
  }
  if (target.obj.spec.replicas !== undefined)
    problem(target.where, 'sets replicas, which would fight KEDA on every apply: leave it out');
  if (!(spec.maxReplicaCount <= partitions))
    problem(
      so.where,
      `maxReplicaCount ${spec.maxReplicaCount} must be at most TOPIC_PARTITIONS (${partitions}): a consumer beyond that has no partition`,
    );
  const role = roleOf.get(target.obj.metadata.name);
  const stage = names.stages.find((s) => s.stage === CONSUMER_ROLES[role]);
  for (const t of spec.triggers ?? []) {
    if (t.type !== 'kafka') {
      problem(so.where, `trigger ${t.type}: Sluice scales on Kafka lag only`);
      continue;
    }
    const m = t.metadata ?? {};
    for (const k of Object.keys(m))
      if (!KAFKA_KEYS.has(k)) problem(so.where, `kafka trigger: unknown metadata key ${k}`);
    if (!stage || m.consumerGroup !== stage.group)
      problem(
        so.where,
        `consumerGroup ${m.consumerGroup} is not the group of \`sluice worker ${role}\` (${stage?.group ?? 'none'})`,
      );
    else if (!stage.inputs.includes(m.topic))
      problem(
        so.where,
        `topic ${m.topic} is not an input of ${stage.group} (${stage.inputs.join(', ')})`,
      );
    if (m.allowIdleConsumers !== 'false') problem(so.where, 'allowIdleConsumers must be "false"');
    for (const k of ['lagThreshold', 'activationLagThreshold'])
      if (!/^[1-9]\d*$/.test(m[k] ?? ''))
        problem(so.where, `${k} must be a positive integer string`);
    if (m.bootstrapServers !== setting('KAFKA_BROKERS'))
      problem(
        so.where,
        `bootstrapServers must equal the ConfigMap's KAFKA_BROKERS (${setting('KAFKA_BROKERS')})`,
      );
  }
}
for (const [deployment, role] of roleOf)
  if (
    ['enrichment', 'aggregation', 'storage'].includes(role) &&
    !ofKind('ScaledObject').some((s) => s.obj.spec?.scaleTargetRef?.name === deployment)
  )
    problem(`deploy/kubernetes Deployment/${deployment}`, 'no ScaledObject scales it');

if (problems.length > 0) {
  for (const p of problems) console.error(`check-manifests: ${p}`);
  process.exit(1);
}
console.log(
  `check-manifests: ${docs.length} documents: ${ofKind('ScaledObject').length} ScaledObjects valid against KEDA's schema; config, workers, probes, budgets and scaling agree with the code`,
);
