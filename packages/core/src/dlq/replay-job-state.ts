// What a replay job is doing, for people and for the resume action: its recorded status says
// what the last runner wrote, and whether a runner holds it now says if that runner is alive.
// A job recorded as running with no runner, or one that failed, stopped mid-run: its rows know
// what is left and which records may be out already, and only an explicit resume (the CLI's
// `sluice dlq resume`, or the console handing it back to the workers) takes it up again.

export type ReplayJobState =
  /** Recorded by a dry run: nothing is ever sent. */
  | 'dry-run'
  /** Planned (or handed back by a resume) and waiting for a worker to take it. */
  | 'waiting'
  | 'running'
  /** A runner stopped in the middle (it died, or failed): resumable. */
  | 'stopped'
  | 'done';

export interface ReplayJobFacts {
  readonly status: string;
  readonly dryRun: boolean;
  readonly statusReason: string | null;
  /** Rows by state: pending, sending, sent, ... */
  readonly counts: Readonly<Record<string, number>>;
  /** Some process holds the job's lock, i.e. runs it now. */
  readonly held: boolean;
}

export interface ReplayJobView {
  readonly state: ReplayJobState;
  /** One sentence for the jobs page. */
  readonly summary: string;
  readonly resumable: boolean;
}

export function replayJobView(f: ReplayJobFacts): ReplayJobView {
  const left = (f.counts.pending ?? 0) + (f.counts.sending ?? 0);
  const unsure = f.counts.sending ?? 0;
  if (f.dryRun || f.status === 'dry-run')
    return { state: 'dry-run', summary: 'dry run: nothing is sent', resumable: false };
  if (f.held)
    return { state: 'running', summary: `running: ${left} left to send`, resumable: false };
  if (f.status === 'planned')
    return {
      state: 'waiting',
      summary: f.statusReason
        ? `${f.statusReason}; waiting for a dlq-indexer worker`
        : 'waiting for a dlq-indexer worker to send it',
      resumable: false,
    };
  if (f.status === 'done') return { state: 'done', summary: 'done', resumable: false };
  const why =
    f.status === 'failed'
      ? `stopped: ${f.statusReason ?? 'the run failed'}`
      : 'stopped: its runner is gone (a crash or a restart)';
  const rows =
    unsure > 0
      ? `${left} left to send, of which ${unsure} may be out already (a resume looks for them first)`
      : `${left} left to send`;
  return { state: 'stopped', summary: `${why}; ${rows}`, resumable: true };
}

/** Why a resume is refused, or undefined when the job can be resumed. */
export function resumeRefusal(f: ReplayJobFacts): string | undefined {
  const v = replayJobView(f);
  if (v.resumable) return undefined;
  switch (v.state) {
    case 'dry-run':
      return 'a dry run sends nothing and cannot be resumed';
    case 'running':
      return 'the job is running: a runner holds it';
    case 'waiting':
      return 'the job is waiting for a worker already';
    default:
      return 'the job is done: nothing is left to send';
  }
}
