// The console's window on topics and their records: the cluster's topics with partitions,
// replicas, in-sync replicas and size in offsets (admin client, connected on first use and rebuilt
// after a failure), and bounded record reads (topic-reader.ts), each on a short-lived consumer
// outside any group. Routers see only the `TopicBrowser` interface, so tests can pass a stand-in.
//
// Retention, cleanup.policy and size on disk come from topic-settings.ts (the native client has
// no DescribeConfigs or DescribeLogDirs); they read as unknown when that read fails.
import { IsolationLevel } from './kafka-client.ts';
import { sharedAdmin } from './shared-admin.ts';
import {
  type FindRequest,
  type FindResult,
  findRecordInWindow,
  type PageRequest,
  type PartitionPage,
  readPartitionPage,
} from './topic-reader.ts';
import { createTopicSettingsReader, type TopicSettings } from './topic-settings.ts';

export interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  /** Log start and end offsets (high watermark, so transaction markers count too). */
  low: number;
  high: number;
}

export interface TopicInfo {
  name: string;
  internal: boolean;
  partitions: PartitionInfo[];
  settings: TopicSettings;
}

export interface TopicBrowser {
  /** Every topic on the cluster (internal ones flagged), sorted by name. */
  listTopics(): Promise<TopicInfo[]>;
  describeTopic(topic: string): Promise<TopicInfo | null>;
  readPage(request: PageRequest): Promise<PartitionPage>;
  findRecord(request: FindRequest): Promise<FindResult>;
  close(): Promise<void>;
}

const TIMEOUT_MS = 5000;

const unknownSettings: TopicSettings = {
  retentionMs: null,
  retentionBytes: null,
  cleanupPolicy: null,
  sizeBytes: null,
};

export function createTopicBrowser(brokers: string[], clientId = 'sluice-console'): TopicBrowser {
  const shared = sharedAdmin(brokers, clientId);
  const run = shared.run;
  const settings = createTopicSettingsReader(brokers, clientId, TIMEOUT_MS);

  const describe = async (names: string[]): Promise<TopicInfo[]> => {
    const topics = await describePartitions(names);
    const read = await settings.read(
      topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partition) })),
    );
    return topics.map((t) => ({ ...t, settings: read.get(t.name) ?? unknownSettings }));
  };

  const describePartitions = (names: string[]) =>
    run(async (a) => {
      if (names.length === 0) return [];
      const metadata = await a.fetchTopicMetadata({ topics: names, timeout: TIMEOUT_MS });
      return Promise.all(
        metadata.map(async (t): Promise<Omit<TopicInfo, 'settings'>> => {
          const offsets = new Map(
            (
              await a.fetchTopicOffsets(t.name, {
                timeout: TIMEOUT_MS,
                isolationLevel: IsolationLevel.READ_UNCOMMITTED,
              })
            ).map((p) => [p.partition, p]),
          );
          return {
            name: t.name,
            internal: Boolean(t.isInternal) || t.name.startsWith('__'),
            partitions: t.partitions
              .map((p) => ({
                partition: p.partitionId,
                leader: p.leader,
                replicas: p.replicas,
                isr: p.isr,
                low: Number(offsets.get(p.partitionId)?.low ?? 0),
                high: Number(offsets.get(p.partitionId)?.high ?? 0),
              }))
              .sort((x, y) => x.partition - y.partition),
          };
        }),
      );
    });

  return {
    async listTopics() {
      const names = await run((a) => a.listTopics({ timeout: TIMEOUT_MS }));
      return (await describe(names)).sort((x, y) => x.name.localeCompare(y.name));
    },
    async describeTopic(topic) {
      const names = await run((a) => a.listTopics({ timeout: TIMEOUT_MS }));
      if (!names.includes(topic)) return null;
      return (await describe([topic]))[0] ?? null;
    },
    readPage: (request) => readPartitionPage({ brokers, clientId, ...request }),
    findRecord: (request) => findRecordInWindow({ brokers, clientId, ...request }),
    close: async () => {
      await Promise.all([shared.close(), settings.close()]);
    },
  };
}
