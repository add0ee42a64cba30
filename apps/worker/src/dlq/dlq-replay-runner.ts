// Runs the replay jobs the console plans: the console records a job (status planned) and a
// worker that owns a Kafka producer sends it, so a job survives a console restart. The DLQ
// indexer hosts this loop. Every few seconds it takes planned jobs that nobody runs (the CLI
// runs its own at once and holds the job's lock) and brings outcomes up to date. A job that
// stops mid-run waits for an explicit resume: `sluice dlq resume` runs it at once, the console
// plans it again for this loop; either way runReplay resumes it from its rows, which know which
// records may be out already.
import { type Database, getReplayJob, plannedReplayJobs } from '@sluice/db';
import type { LogFn } from '@sluice/kafka';
import { ReplayJobBusyError, refreshReplayOutcomes, runReplay } from './dlq-replay.ts';

export interface ReplayRunnerOptions {
  db: Database;
  brokers: string[];
  storageTopic: string;
  search: { url: string; index: string };
  log: LogFn;
  pollMs?: number;
  /** How old a planned job must be before this worker takes it. */
  graceMs?: number;
}

export function startReplayRunner(o: ReplayRunnerOptions): { stop(): Promise<void> } {
  let stopped = false;
  let wake: () => void = () => {};
  const pollMs = o.pollMs ?? 2000;
  let lastProblem = '';

  const turn = async () => {
    for (const jobId of await plannedReplayJobs(o.db, o.graceMs ?? 5000)) {
      if (stopped) return;
      const job = await getReplayJob(o.db, jobId, 0);
      if (job?.job.status !== 'planned') continue;
      try {
        const r = await runReplay({
          db: o.db,
          jobId,
          actor: job.job.createdBy,
          brokers: o.brokers,
          storageTopic: o.storageTopic,
          rateLimit: job.job.rateLimit ?? undefined,
        });
        o.log(
          'info',
          `replay job ${jobId} (${job.job.createdBy}): ${r.sent + r.resent} sent${r.recovered ? `, ${r.recovered} found already sent by the interrupted run` : ''}`,
        );
      } catch (err) {
        if (err instanceof ReplayJobBusyError) continue;
        o.log('warn', `replay job ${jobId} stopped: ${(err as Error).message}`);
      }
    }
    const outcomes = await refreshReplayOutcomes({ db: o.db, search: o.search });
    if (outcomes.failedAgain + outcomes.succeeded > 0)
      o.log(
        'info',
        `replay outcomes: ${outcomes.succeeded} succeeded, ${outcomes.failedAgain} failed again`,
      );
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await turn();
        lastProblem = '';
      } catch (err) {
        // PostgreSQL or the search engine away: the next turn tries again. Said once per problem.
        const problem = `replay runner: ${(err as Error).message}`;
        if (problem !== lastProblem) o.log('warn', problem);
        lastProblem = problem;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pollMs);
      });
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
    },
  };
}
