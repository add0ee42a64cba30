import { describe, expect, it } from 'vitest';
import { REPLAY_HEADERS } from './replay-plan.ts';
import {
  type ReplayRecord,
  type ReplayRow,
  type ReplayStorePort,
  type ReplayTransportPort,
  runReplayJob,
} from './replay-runner.ts';

type State = 'pending' | 'sending' | 'sent';

/** An in-memory job: rows by entry id with their state, and the topic the records land on. */
function fakeJob(n: number, sendingAlready: number[] = [], onTopicAlready: number[] = []) {
  const rows = new Map<number, { row: ReplayRow; state: State }>();
  for (let i = 1; i <= n; i++)
    rows.set(i, {
      row: {
        entryId: i,
        topic: 't',
        key: null,
        payload: new Uint8Array([i]),
        claimedAt: new Date(0),
      },
      state: sendingAlready.includes(i) ? 'sending' : 'pending',
    });
  const topic: ReplayRecord[] = onTopicAlready.map((i) => ({
    topic: 't',
    key: null,
    value: new Uint8Array([i]),
    headers: { [REPLAY_HEADERS.job]: '1', [REPLAY_HEADERS.entry]: String(i) },
  }));
  const statuses: string[] = [];
  const store: ReplayStorePort = {
    async inFlight() {
      return [...rows.values()].filter((x) => x.state === 'sending').map((x) => x.row);
    },
    async claim(_job, k) {
      const got = [...rows.values()].filter((x) => x.state === 'pending').slice(0, k);
      for (const x of got) x.state = 'sending';
      return got.map((x) => x.row);
    },
    async markSent(_job, ids) {
      for (const id of ids) (rows.get(id) as { state: State }).state = 'sent';
    },
    async release(_job, ids) {
      for (const id of ids) (rows.get(id) as { state: State }).state = 'pending';
    },
    async setStatus(_job, s) {
      statuses.push(s);
    },
  };
  let failAfter = Number.POSITIVE_INFINITY;
  const transport: ReplayTransportPort = {
    async send(records) {
      if (failAfter-- <= 0) throw new Error('broker away');
      topic.push(...records);
    },
    async alreadySent(job, inFlight) {
      const out = new Set(
        topic
          .filter((r) => r.headers[REPLAY_HEADERS.job] === String(job))
          .map((r) => Number(r.headers[REPLAY_HEADERS.entry])),
      );
      return new Set(inFlight.map((r) => r.entryId).filter((id) => out.has(id)));
    },
  };
  return {
    rows,
    topic,
    statuses,
    store,
    transport,
    failAfterSends: (k: number) => {
      failAfter = k;
    },
  };
}

const sentEntries = (topic: ReplayRecord[]) =>
  topic.map((r) => Number(r.headers[REPLAY_HEADERS.entry])).sort((a, b) => a - b);

describe('runReplayJob', () => {
  it('sends every row once, with the replay headers, and ends done', async () => {
    const job = fakeJob(7);
    const r = await runReplayJob({
      jobId: 1,
      ...job,
      batchSize: 3,
      now: () => 0,
      sleep: async () => {},
    });
    expect(r).toEqual({ sent: 7, recovered: 0, resent: 0 });
    expect(sentEntries(job.topic)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(job.statuses).toEqual(['running', 'done']);
  });

  it('resumes after a failure without sending any entry twice', async () => {
    const job = fakeJob(10);
    job.failAfterSends(2);
    await expect(
      runReplayJob({ jobId: 1, ...job, batchSize: 3, now: () => 0, sleep: async () => {} }),
    ).rejects.toThrow(/broker away/);
    expect(job.statuses.at(-1)).toBe('failed');
    job.failAfterSends(Number.POSITIVE_INFINITY);
    const r = await runReplayJob({
      jobId: 1,
      ...job,
      batchSize: 3,
      now: () => 0,
      sleep: async () => {},
    });
    // The batch whose send failed was claimed and not out: sent on resume, once.
    expect(r.resent).toBe(3);
    expect(sentEntries(job.topic)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('recognises records a crashed run sent but did not record, by their headers', async () => {
    const job = fakeJob(4, [1, 2], [1]);
    const r = await runReplayJob({ jobId: 1, ...job, now: () => 0, sleep: async () => {} });
    expect(r).toEqual({ sent: 2, recovered: 1, resent: 1 });
    expect(sentEntries(job.topic)).toEqual([1, 2, 3, 4]);
  });

  it('keeps to the rate: 10 records at 4/s take 2.5 s', async () => {
    const job = fakeJob(10);
    let clock = 0;
    const r = await runReplayJob({
      jobId: 1,
      ...job,
      ratePerSecond: 4,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    expect(r.sent).toBe(10);
    expect(clock).toBe(2500);
  });
});
