// The pipeline's topics as created on a cluster: names come from the pipeline contract in
// @sluice/core (re-exported here for existing imports); partition counts and replication factors
// from config (production: 12 partitions, factor 3; one local broker: factor 1).
import { TOPICS, type TopicNames } from '@sluice/core';

export {
  GROUPS,
  type GroupNames,
  type PipelineNames,
  pipelineNames,
  TOPICS,
  type TopicNames,
} from '@sluice/core';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: { name: string; value: string }[];
}

/**
 * The pipeline's topics. Without a replication factor the cluster's own defaults apply
 * (`default.replication.factor`, `min.insync.replicas`): a production cluster's, not one replica.
 */
export function pipelineTopics(
  partitions: number,
  replicationFactor: number | undefined,
  topics: TopicNames = TOPICS,
): TopicSpec[] {
  // With three replicas a write must reach two before it is acknowledged; with fewer, all.
  const minIsr =
    replicationFactor === undefined
      ? {}
      : { 'min.insync.replicas': String(Math.max(1, Math.min(2, replicationFactor - 1))) };
  const base = (topic: string, extra: Record<string, string> = {}): TopicSpec => ({
    topic,
    numPartitions: partitions,
    // -1: the broker's default.replication.factor (KIP-464).
    replicationFactor: replicationFactor ?? -1,
    configEntries: Object.entries({ ...minIsr, ...extra }).map(([name, value]) => ({
      name,
      value,
    })),
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
    // One partition: every control record in one order. Compacted: the latest per stage stays.
    {
      ...base(topics.control, { 'cleanup.policy': 'compact' }),
      numPartitions: 1,
    },
  ];
}
