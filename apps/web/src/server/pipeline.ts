// The pipeline as the console shows it: stages by the topic they write, and the consumer groups
// the design fixes. Topic names are the design's (apps/worker/src/kafka/topics.ts).
export const STAGE_TOPICS = [
  { stage: 'ingest', label: 'Ingest (events.raw)', topic: 'events.raw' },
  { stage: 'enrichment', label: 'Enrichment (events.enriched)', topic: 'events.enriched' },
  { stage: 'aggregation', label: 'Aggregation (aggregates)', topic: 'aggregates' },
] as const;

export const DLQ_TOPIC = 'events.dlq';
export const LATE_TOPIC = 'events.late';

export const CONSUMER_GROUPS = ['enrichment-workers', 'aggregation-workers', 'storage-writers'];
