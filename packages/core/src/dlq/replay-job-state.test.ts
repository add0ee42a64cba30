import { describe, expect, it } from 'vitest';
import { type ReplayJobFacts, replayJobView, resumeRefusal } from './replay-job-state.ts';

const facts = (over: Partial<ReplayJobFacts>): ReplayJobFacts => ({
  status: 'running',
  dryRun: false,
  statusReason: null,
  counts: { pending: 5, sending: 2, sent: 3 },
  held: false,
  ...over,
});

describe('replayJobView', () => {
  it('calls a running job without a runner stopped, and says what a resume will look for', () => {
    const v = replayJobView(facts({}));
    expect(v).toEqual({
      state: 'stopped',
      resumable: true,
      summary:
        'stopped: its runner is gone (a crash or a restart); 7 left to send, of which 2 may be out already (a resume looks for them first)',
    });
    expect(resumeRefusal(facts({}))).toBeUndefined();
  });

  it('calls a failed job stopped, with its reason', () => {
    const v = replayJobView(facts({ status: 'failed', statusReason: 'broker down', counts: {} }));
    expect(v).toMatchObject({ state: 'stopped', resumable: true });
    expect(v.summary).toBe('stopped: broker down; 0 left to send');
  });

  it('a job a runner holds is running whatever its status says, and not resumable', () => {
    for (const status of ['running', 'failed', 'planned']) {
      expect(replayJobView(facts({ status, held: true }))).toMatchObject({
        state: 'running',
        resumable: false,
      });
      expect(resumeRefusal(facts({ status, held: true }))).toMatch(/running/);
    }
  });

  it('refuses to resume a dry run, a waiting job and a finished one, saying why', () => {
    expect(resumeRefusal(facts({ status: 'dry-run', dryRun: true }))).toMatch(/dry run/);
    expect(resumeRefusal(facts({ status: 'planned' }))).toMatch(/waiting for a worker/);
    expect(resumeRefusal(facts({ status: 'done', counts: { sent: 3 } }))).toMatch(/done/);
  });

  it('shows a job handed back by a resume as waiting, with who asked', () => {
    expect(
      replayJobView(facts({ status: 'planned', statusReason: 'resume requested by op@x.test' })),
    ).toEqual({
      state: 'waiting',
      resumable: false,
      summary: 'resume requested by op@x.test; waiting for a dlq-indexer worker',
    });
  });
});
