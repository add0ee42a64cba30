// The worker's Kafka edge: the only module that knows which client library we use
// (@confluentinc/kafka-javascript: librdkafka's transactions with KIP-447 fencing and
// cooperative-sticky assignment, behind a KafkaJS-style API).
import { KafkaJS } from '@confluentinc/kafka-javascript';

export type Kafka = KafkaJS.Kafka;
export type Admin = KafkaJS.Admin;
export type Producer = KafkaJS.Producer;
export type Consumer = KafkaJS.Consumer;
export type KafkaMessage = KafkaJS.KafkaMessage;
export type IHeaders = KafkaJS.IHeaders;
export type TopicMessages = KafkaJS.TopicMessages;
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

export interface PartitionRef {
  topic: string;
  partition: number;
}

/**
 * A consumer's `rebalance_cb` that logs each assignment change and tells `onRevoke` which
 * partitions this member gives up (cooperative-sticky: only those, before they go). The client
 * applies the change itself after the callback returns.
 */
export function rebalanceCallback(o: {
  log: (message: string) => void;
  onRevoke?: (partitions: PartitionRef[]) => void;
}) {
  return (err: { code: number }, assignment: PartitionRef[]) => {
    const revoked = err.code === ErrorCodes.ERR__REVOKE_PARTITIONS;
    const parts = assignment.map((a) => `${a.topic}[${a.partition}]`).join(', ');
    o.log(`partitions ${revoked ? 'revoked' : 'assigned'}: ${parts || '(none)'}`);
    if (revoked) o.onRevoke?.(assignment);
  };
}
