// Sluice's one Kafka edge: nothing else imports the client library.

export * from './candidate-platformatic-loop.ts';
export * from './console-admin-reader.ts';
export * from './group-offsets.ts';
export * from './kafka-client.ts';
export * from './kafka-errors.ts';
export * from './lag-snapshot-reader.ts';
export * from './partition-range-reader.ts';
export * from './stage-consumer.ts';
export * from './stage-control-channel.ts';
export * from './stage-runner.ts';
export * from './topic-admin.ts';
export * from './topic-browser.ts';
export * from './topic-reader.ts';
export type { TopicSettings } from './topic-settings.ts';
export * from './trace-record-finder.ts';
export * from './transactional-producer.ts';
