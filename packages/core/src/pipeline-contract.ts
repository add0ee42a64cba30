// The pipeline's contract, read by the workers and by the console alike: topic and consumer-group
// names (under an optional prefix), the stages (what each consumes, with which group, and what it
// writes), the counters each stage reports, and the configuration both sides must agree on
// (prefix, window sizes), so neither keeps a copy of the other's names.
import { z } from 'zod';
import { parseWindowSizes } from './windows/window-size.ts';

/** Names are fixed by the design; partition counts and replication factors come from config. */
export const TOPICS = {
  raw: 'events.raw',
  enriched: 'events.enriched',
  dlq: 'events.dlq',
  late: 'events.late',
  aggregates: 'aggregates',
  sessions: 'sessions',
  aggregationChangelog: 'aggregation-state-changelog',
  /** The control plane's channel to the workers: each stage's desired state (compacted). */
  control: 'sluice.control',
} as const;

export type TopicKey = keyof typeof TOPICS;
export type TopicNames = { [K in TopicKey]: string };

export const GROUPS = {
  enrichment: 'enrichment-workers',
  aggregation: 'aggregation-workers',
  storage: 'storage-writers',
  dlqIndex: 'dlq-indexers',
} as const;

export type GroupKey = keyof typeof GROUPS;
export type GroupNames = { [K in GroupKey]: string };

/** The stages that consume from Kafka; each has the consumer group of the same key. */
export type StageName = GroupKey;

/**
 * What a stage counts (records, not batches), as its workers add them to the stage counters:
 *  - in:   records consumed from its input topics (counted once their batch committed)
 *  - out:  records it passed on: produced to its output topics, or durable in the stores
 *  - dlq:  records it sent to the dead-letter topic
 *  - late: records too late for their window (aggregation; kept on events.late)
 *  - duplicate: records dropped as a duplicate by event_id (enrichment)
 */
export type StageMetric = 'in' | 'out' | 'dlq' | 'late' | 'duplicate';

/** A stage with its topic and group names resolved under a prefix. */
export interface PipelineStage {
  stage: StageName;
  label: string;
  group: string;
  inputs: readonly string[];
  /** Kafka topics it produces to; the storage writers' outputs are the stores, not topics. */
  outputs: readonly string[];
  metrics: readonly StageMetric[];
}

const STAGES = [
  {
    stage: 'enrichment',
    label: 'Enrichment',
    group: 'enrichment',
    inputs: ['raw'],
    outputs: ['enriched', 'dlq'],
    metrics: ['in', 'out', 'dlq', 'duplicate'],
  },
  {
    stage: 'aggregation',
    label: 'Aggregation',
    group: 'aggregation',
    inputs: ['enriched'],
    outputs: ['aggregates', 'sessions', 'late', 'aggregationChangelog'],
    metrics: ['in', 'out', 'late'],
  },
  {
    stage: 'storage',
    label: 'Storage',
    group: 'storage',
    inputs: ['enriched', 'aggregates', 'sessions'],
    outputs: ['dlq'],
    metrics: ['in', 'out', 'dlq'],
  },
] as const satisfies readonly {
  stage: StageName;
  label: string;
  group: GroupKey;
  inputs: readonly TopicKey[];
  outputs: readonly TopicKey[];
  metrics: readonly StageMetric[];
}[];

/** Where events enter the pipeline: producers outside Sluice write it, no stage does. */
export const ENTRY_TOPIC: TopicKey = 'raw';

export interface PipelineNames {
  topics: TopicNames;
  groups: GroupNames;
  /** The stages in pipeline order, with prefixed names. */
  stages: PipelineStage[];
}

/**
 * Topic and consumer-group names under an optional prefix (SLUICE_TOPIC_PREFIX), so several
 * pipelines, or test suites, can share one cluster without seeing each other's data.
 */
export function pipelineNames(prefix = ''): PipelineNames {
  const add = <T extends Record<string, string>>(names: T) =>
    Object.fromEntries(Object.entries(names).map(([k, v]) => [k, `${prefix}${v}`])) as {
      [K in keyof T]: string;
    };
  const topics = add(TOPICS);
  const groups = add(GROUPS);
  const stages = STAGES.map((s) => ({
    stage: s.stage,
    label: s.label,
    group: groups[s.group],
    inputs: s.inputs.map((t) => topics[t]),
    outputs: s.outputs.map((t) => topics[t]),
    metrics: [...s.metrics],
  }));
  return { topics, groups, stages };
}

export const DEFAULT_TOPIC_PREFIX = '';
export const DEFAULT_WINDOW_SIZES = '1m,5m,1h';

/**
 * The environment variables every process that reads the pipeline validates the same way
 * (extend an app's env schema with it): the name prefix and the aggregation's window sizes.
 */
export const pipelineEnvShape = {
  // Prepended to every topic and consumer-group name (tests, or several pipelines on one cluster).
  SLUICE_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,100}$/, 'letters, digits, dot, underscore or dash')
    .default(DEFAULT_TOPIC_PREFIX),
  // Tumbling window sizes, comma-separated.
  AGG_WINDOWS: z
    .string()
    .refine((v) => parseWindowSizes(v).ok, 'window sizes such as 1m,5m,1h')
    .default(DEFAULT_WINDOW_SIZES),
};
