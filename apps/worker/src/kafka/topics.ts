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

export function pipelineTopics(partitions: number, replicationFactor: number): TopicSpec[] {
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
    base(TOPICS.raw),
    base(TOPICS.enriched),
    // Failed events are kept for inspection and replay for two weeks.
    base(TOPICS.dlq, { 'retention.ms': String(14 * 24 * 3600_000) }),
    base(TOPICS.late, { 'retention.ms': String(7 * 24 * 3600_000) }),
    base(TOPICS.aggregates),
    base(TOPICS.sessions),
    // Window state is restored from here after a crash; only the latest value per key matters.
    base(TOPICS.aggregationChangelog, { 'cleanup.policy': 'compact' }),
  ];
}
