// The client library's KafkaJS-style API, for what is not a stage's hot path: admin reads and
// topic creation, the demo producer, and the aggregation's changelog restore. The stages
// themselves run on the native API (stage-consumer.ts, transactional-producer.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { KafkaJS } from '@confluentinc/kafka-javascript';

export type Kafka = KafkaJS.Kafka;
export type Admin = KafkaJS.Admin;
export type Producer = KafkaJS.Producer;
export type Consumer = KafkaJS.Consumer;
export const IsolationLevel = KafkaJS.IsolationLevel;
export const ErrorCodes = KafkaJS.ErrorCodes;

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  /** librdkafka's own log output; quiet by default, errors surface as exceptions. */
  logLevel?: 'nothing' | 'error' | 'warn' | 'info';
}

const levels = {
  nothing: KafkaJS.logLevel.NOTHING,
  error: KafkaJS.logLevel.ERROR,
  warn: KafkaJS.logLevel.WARN,
  info: KafkaJS.logLevel.INFO,
} as const;

export function createKafka(options: KafkaOptions): Kafka {
  return new KafkaJS.Kafka({
    kafkaJS: {
      brokers: options.brokers,
      clientId: options.clientId,
      logLevel: levels[options.logLevel ?? 'error'],
    },
  });
}

export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    kafkaJS: { idempotent: true, acks: -1 },
    'linger.ms': 10,
    'batch.num.messages': 10_000,
    'compression.type': 'lz4',
  });
}

/**
 * A consumer that reads only committed data, never auto-commits (offsets go with the
 * transaction) and uses cooperative-sticky assignment so a rebalance moves only what it must.
 */
export function createExactlyOnceConsumer(
  kafka: Kafka,
  groupId: string,
  fromBeginning = true,
  extra: Omit<KafkaJS.ConsumerConstructorConfig, 'kafkaJS'> = {},
): Consumer {
  return kafka.consumer({
    kafkaJS: {
      groupId,
      fromBeginning,
      autoCommit: false,
      partitionAssigners: [KafkaJS.PartitionAssigners.cooperativeSticky],
      // A worker that dies without leaving the group holds its partitions until this expires.
      sessionTimeout: 15_000,
      heartbeatInterval: 3_000,
    },
    'isolation.level': 'read_committed',
    ...extra,
  });
}

/** The Kafka client package and the librdkafka it is built on (for benchmark and support output). */
export function kafkaClientVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(
      readFileSync(require.resolve('@confluentinc/kafka-javascript/package.json'), 'utf8'),
    ) as { name: string; version: string; librdkafka?: string };
    return `${pkg.name} ${pkg.version}, librdkafka ${pkg.librdkafka ?? 'unknown'}`;
  } catch {
    return 'unknown';
  }
}
