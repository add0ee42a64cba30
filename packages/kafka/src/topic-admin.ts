// Creating the pipeline's topics (idempotently) and small admin queries.
import type { Kafka } from './kafka-client.ts';

/** A topic to create: name, partitions, replication and topic configs. */
export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: { name: string; value: string }[];
}

/** Create the topics that do not exist yet; returns the names created. */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing, timeout: 30_000 });
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
}

/** True when the cluster answers a metadata request within the timeout. */
export async function kafkaReachable(kafka: Kafka, timeoutMs = 3000): Promise<boolean> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics({ timeout: timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
