// The pipeline's topics. Names are fixed by the design; partition counts and replication
// factors come from config (production: 12 partitions, factor 3; one local broker: factor 1).
export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: { name: string; value: string }[];
}

export const TOPICS = {
  raw: 'events.raw',
  enriched: 'events.enriched',
  dlq: 'events.dlq',
  late: 'events.late',
  aggregates: 'aggregates',
  sessions: 'sessions',
  aggregationChangelog: 'aggregation-state-changelog',
} as const;

export type TopicNames = { [K in keyof typeof TOPICS]: string };

export const GROUPS = {
  enrichment: 'enrichment-workers',
  aggregation: 'aggregation-workers',
  storage: 'storage-writers',
} as const;

export type GroupNames = { [K in keyof typeof GROUPS]: string };

/**
 * Topic and consumer-group names under an optional prefix (SLUICE_TOPIC_PREFIX), so several
 * pipelines, or test suites, can share one cluster without seeing each other's data.
 */
export function pipelineNames(prefix = ''): { topics: TopicNames; groups: GroupNames } {
  const add = <T extends Record<string, string>>(names: T) =>
    Object.fromEntries(Object.entries(names).map(([k, v]) => [k, `${prefix}${v}`])) as {
      [K in keyof T]: string;
    };
  return { topics: add(TOPICS), groups: add(GROUPS) };
}

export function pipelineTopics(
  partitions: number,
  replicationFactor: number,
  topics: TopicNames = TOPICS,
): TopicSpec[] {
  // With three replicas a write must reach two before it is acknowledged; with fewer, all.
  const minIsr = String(Math.max(1, Math.min(2, replicationFactor - 1)));
  const base = (topic: string, extra: Record<string, string> = {}): TopicSpec => ({
    topic,
    numPartitions: partitions,
    replicationFactor,
    configEntries: Object.entries({ 'min.insync.replicas': minIsr, ...extra }).map(
      ([name, value]) => ({
        name,
        value,
      }),
    ),
  });
  return [
    base(topics.raw),
    base(topics.enriched),
    // Failed events are kept for inspection and replay for two weeks.
    base(topics.dlq, { 'retention.ms': String(14 * 24 * 3600_000) }),
    base(topics.late, { 'retention.ms': String(7 * 24 * 3600_000) }),
    base(topics.aggregates),
    base(topics.sessions),
    // Window state is restored from here after a crash; only the latest value per key matters.
    base(topics.aggregationChangelog, { 'cleanup.policy': 'compact' }),
  ];
}
