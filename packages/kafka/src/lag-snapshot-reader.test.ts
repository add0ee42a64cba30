import { describe, expect, it } from 'vitest';
import type { Admin } from './kafka-client.ts';
import { readLagSnapshot } from './lag-snapshot-reader.ts';

/** Only the admin calls the reader makes, answering as librdkafka's admin client does. */
function fakeAdmin(): Admin {
  return {
    listGroups: async () => ({
      groups: [{ groupId: 'fresh', protocolType: 'consumer' }],
      errors: [],
    }),
    describeGroups: async () => ({
      groups: [
        {
          groupId: 'fresh',
          members: [
            { assignment: { topicPartitions: [{ topic: 't', partition: 0 }] } },
            {
              assignment: {
                topicPartitions: [
                  { topic: 't', partition: 1 },
                  { topic: 't', partition: 2 },
                ],
              },
            },
          ],
        },
      ],
    }),
    // Partition 1 committed, 2 listed without an offset, 0 not listed at all.
    fetchOffsets: async () => [
      {
        topic: 't',
        partitions: [
          { partition: 1, offset: '7', error: null },
          { partition: 2, offset: '-1', error: null },
        ],
      },
    ],
    fetchTopicOffsets: async () =>
      [0, 1, 2].map((partition) => ({
        partition,
        offset: '10',
        high: '10',
        low: String(partition),
      })),
    listTopics: async () => ['t'],
  } as unknown as Admin;
}

describe('readLagSnapshot', () => {
  it('lists the partitions a group consumes without a commit, and every log start', async () => {
    const { snapshot, errors } = await readLagSnapshot(fakeAdmin(), { now: () => 5 });
    expect(errors).toEqual([]);
    expect(snapshot.groups).toEqual([
      {
        groupId: 'fresh',
        members: 2,
        committed: [{ topic: 't', partition: 1, offset: 7 }],
        uncommitted: [
          { topic: 't', partition: 2 },
          { topic: 't', partition: 0 },
        ],
      },
    ]);
    expect(snapshot.startOffsets).toEqual([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 1 },
      { topic: 't', partition: 2, offset: 2 },
    ]);
    expect(snapshot.endOffsets.map((e) => e.offset)).toEqual([10, 10, 10]);
  });
});
