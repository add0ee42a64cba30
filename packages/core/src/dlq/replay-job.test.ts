import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { planAndRecordReplay, ReplayInputError, type ReplayJobPorts } from './replay-job.ts';

const stageTopics = { enrichment: 'p.events.raw', storage: 'p.events.enriched' };
const candidate = (id: number) => ({
  id,
  status: 'new',
  eventId: `e-${id}`,
  sourceTopic: 'p.events.raw',
  key: null,
  value: Buffer.from(JSON.stringify({ event_id: `e-${id}` })),
});

function ports(ids: number[], missing: number[] = []) {
  const created: unknown[] = [];
  const p: ReplayJobPorts = {
    loadCandidates: async () => ({ candidates: ids.map(candidate), missing }),
    createJob: async (job, plan) => {
      created.push({ job, plan });
      return { jobId: 9, pending: plan.length, skipped: 0 };
    },
  };
  return { p, created };
}

const req = {
  selection: { ids: [1] },
  target: { kind: 'source' as const },
  dryRun: false,
  actor: 'op@example.com',
  stageTopics,
};

describe('planAndRecordReplay', () => {
  it('records the job as asked, with its plan', async () => {
    const { p, created } = ports([1, 2]);
    const r = await planAndRecordReplay(p, { ...req, rateLimit: 50 });
    expect(r.jobId).toBe(9);
    expect(r.plan.map((x) => x.action)).toEqual(['send', 'send']);
    expect(created[0]).toMatchObject({
      job: { createdBy: 'op@example.com', target: 'source', rateLimit: 50, dryRun: false },
    });
  });

  it('names entries that do not exist, and refuses an empty selection or a replacement for many', async () => {
    await expect(planAndRecordReplay(ports([1], [7, 8]).p, req)).rejects.toThrow(
      new ReplayInputError('no DLQ entry #7, #8'),
    );
    await expect(planAndRecordReplay(ports([]).p, req)).rejects.toThrow(/matches no DLQ entry/);
    await expect(
      planAndRecordReplay(ports([1, 2]).p, { ...req, edit: { kind: 'replace', value: {} } }),
    ).rejects.toThrow(/use a merge patch/);
  });
});
