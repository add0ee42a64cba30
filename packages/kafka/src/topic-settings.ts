// Two admin reads the native client cannot make: a topic's settings (DescribeConfigs: retention,
// cleanup.policy) and its size on disk (DescribeLogDirs). librdkafka's Node binding (1.10) has
// neither, so they go through @platformatic/kafka, a client written in JavaScript, connected on
// first use and closed with the browser. Only this module imports it; the stages stay on
// librdkafka. A broker that does not answer leaves the settings unknown, never the topic list.
import { Admin, ConfigResourceTypes } from '@platformatic/kafka';

export interface TopicSettings {
  /** retention.ms; -1 keeps records forever. */
  retentionMs: number | null;
  /** retention.bytes per partition; -1 is no limit. */
  retentionBytes: number | null;
  /** "delete", "compact" or both. */
  cleanupPolicy: string | null;
  /** Bytes on disk over every replica of every partition (each broker's log directories). */
  sizeBytes: number | null;
}

export interface TopicSettingsReader {
  read(topics: { name: string; partitions: number[] }[]): Promise<Map<string, TopicSettings>>;
  close(): Promise<void>;
}

const KEYS = ['retention.ms', 'retention.bytes', 'cleanup.policy'];

const asNumber = (v: string | null | undefined) =>
  v === null || v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v);

export function createTopicSettingsReader(
  brokers: string[],
  clientId: string,
  timeoutMs = 5000,
): TopicSettingsReader {
  let admin: Admin | undefined;
  const client = () => {
    admin ??= new Admin({
      clientId: `${clientId}-configs`,
      bootstrapBrokers: brokers,
      timeout: timeoutMs,
      retries: 1,
    });
    return admin;
  };
  /** A failed client is dropped so the next read connects afresh. */
  const drop = async () => {
    const a = admin;
    admin = undefined;
    await a?.close().catch(() => {});
  };

  return {
    async read(topics) {
      const out = new Map<string, TopicSettings>();
      if (topics.length === 0) return out;
      for (const t of topics)
        out.set(t.name, {
          retentionMs: null,
          retentionBytes: null,
          cleanupPolicy: null,
          sizeBytes: null,
        });
      try {
        const configs = await client().describeConfigs({
          resources: topics.map((t) => ({
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: t.name,
            configurationKeys: KEYS,
          })),
        });
        for (const c of configs) {
          const s = out.get(c.resourceName);
          if (!s) continue;
          const value = (name: string) => c.configs.find((e) => e.name === name)?.value ?? null;
          s.retentionMs = asNumber(value('retention.ms'));
          s.retentionBytes = asNumber(value('retention.bytes'));
          s.cleanupPolicy = value('cleanup.policy');
        }
        const dirs = await client().describeLogDirs({ topics });
        const sizes = new Map<string, number>();
        for (const broker of dirs)
          for (const dir of broker.results)
            for (const topic of dir.topics)
              for (const p of topic.partitions)
                sizes.set(topic.name, (sizes.get(topic.name) ?? 0) + Number(p.partitionSize));
        for (const [name, size] of sizes) {
          const s = out.get(name);
          if (s) s.sizeBytes = size;
        }
      } catch {
        await drop();
      }
      return out;
    },
    close: drop,
  };
}
