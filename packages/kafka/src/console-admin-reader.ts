// The console's read-only window on Kafka: topic end offsets, committed group offsets and group
// membership. One admin client per server process, connected on first use and rebuilt after
// a failure. Routers see only the `KafkaAdminReader` interface, so tests can pass a stand-in.
import { IsolationLevel } from './kafka-client.ts';
import { sharedAdmin } from './shared-admin.ts';

export interface PartitionOffset {
  partition: number;
  offset: number;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
  assignment: { topic: string; partition: number }[];
}

export interface GroupInfo {
  groupId: string;
  state: string;
  members: GroupMember[];
}

export interface KafkaAdminReader {
  /** High watermark (log end offset) per partition. */
  endOffsets(topic: string): Promise<PartitionOffset[]>;
  /** Committed offsets per topic and partition; offset -1 means nothing committed. */
  committedOffsets(groupId: string): Promise<{ topic: string; partitions: PartitionOffset[] }[]>;
  listGroups(): Promise<{ groupId: string; state: string }[]>;
  describeGroup(groupId: string): Promise<GroupInfo>;
}

// librdkafka's ConsumerGroupStates, by value.
const GROUP_STATES = [
  'Unknown',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
  'Empty',
];
/** A group state as describeGroups gives it (a number) by its name, as `groupPhaseOf` reads it. */
export const groupStateName = (s: number): string => GROUP_STATES[s] ?? 'Unknown';

const TIMEOUT_MS = 3000;

export function createKafkaAdminReader(brokers: string[]): KafkaAdminReader {
  const { run } = sharedAdmin(brokers, 'sluice-console');

  return {
    endOffsets: (topic) =>
      run(async (a) =>
        (
          await a.fetchTopicOffsets(topic, {
            timeout: TIMEOUT_MS,
            // The last stable offset: what read_committed consumers can reach.
            isolationLevel: IsolationLevel.READ_COMMITTED,
          })
        ).map((p) => ({
          partition: p.partition,
          offset: Number(p.high),
        })),
      ),
    committedOffsets: (groupId) =>
      run(async (a) =>
        (await a.fetchOffsets({ groupId, timeout: TIMEOUT_MS })).map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => ({
            partition: p.partition,
            offset: Number(p.offset),
          })),
        })),
      ),
    listGroups: () =>
      run(async (a) =>
        (await a.listGroups({ timeout: TIMEOUT_MS })).groups.map((g) => ({
          groupId: g.groupId,
          state: groupStateName(g.state),
        })),
      ),
    describeGroup: (groupId) =>
      run(async (a) => {
        const { groups } = await a.describeGroups([groupId], { timeout: TIMEOUT_MS });
        const g = groups[0];
        if (!g || g.error) throw new Error(g?.error?.message ?? `group ${groupId} not described`);
        return {
          groupId,
          state: groupStateName(g.state),
          members: g.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            host: m.clientHost,
            assignment: (m.assignment?.topicPartitions ?? []).map((tp) => ({
              topic: tp.topic,
              partition: tp.partition,
            })),
          })),
        };
      }),
  };
}
