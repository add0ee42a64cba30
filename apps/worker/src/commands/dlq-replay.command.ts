// `sluice dlq replay | resume | discard | jobs | job`: replay jobs from the command line, on the
// same plan, loop and SQL as the console (core's replay-plan.ts and replay-runner.ts, the db
// package's dlq-replay-store.ts). A dry run prints exactly what would be sent and what is
// skipped and why; a job is recorded either way and can be resumed after a crash.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import {
  type DlqFilter,
  REPLAY_STAGES,
  type ReplayEdit,
  ReplayInputError,
  type ReplayPlanItem,
  type ReplayStage,
  type ReplayTarget,
} from '@sluice/core';
import {
  type Database,
  discardDlqEntries,
  getReplayJob,
  listReplayJobs,
  type ReplayJobRow,
  type ReplayJobSummary,
} from '@sluice/db';
import { type Command, InvalidArgumentError } from 'commander';
import { assertDlqTables, dlqDatabase } from '../dlq/dlq-indexer.worker.ts';
import {
  planReplayJob,
  ReplayJobBusyError,
  refreshReplayOutcomes,
  runReplay,
} from '../dlq/dlq-replay.ts';
import { brokerList, type Env, loadEnv } from '../env.ts';
import { pipelineNames } from '../kafka/topics.ts';
import { stderrProgress } from '../progress.ts';

const write = (text: string) => process.stdout.write(text);
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Entry ids as given on the command line; a bad one is named. */
export function entryIds(values: readonly string[]): number[] {
  return values
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '')
    .map((v) => {
      const n = Number(v);
      if (!/^\d{1,15}$/.test(v) || !Number.isSafeInteger(n) || n < 1)
        throw new InvalidArgumentError(`${v} is not an entry id`);
      return n;
    });
}

const positive = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 1_000_000)
    throw new InvalidArgumentError(`${flag}: a number above 0 (at most 1000000), not ${v}`);
  return n;
};

function readJsonFile(flag: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`${flag} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`${flag} ${path}: not JSON: ${(err as Error).message}`);
  }
}

function editOf(o: { edit?: string; patch?: string }): ReplayEdit | undefined {
  if (o.edit && o.patch) throw new InvalidArgumentError('--edit and --patch: one or the other');
  if (o.edit) return { kind: 'replace', value: readJsonFile('--edit', o.edit) };
  if (o.patch) {
    const value = readJsonFile('--patch', o.patch);
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new InvalidArgumentError(`--patch ${o.patch}: a merge patch is a JSON object`);
    return { kind: 'merge-patch', value: value as Record<string, unknown> };
  }
  return undefined;
}

/**
 * Bad input ends the command with one line naming it (exit 2), not a stack trace; anything else
 * is a fault and goes to the CLI's handler.
 */
function cleanly<A extends unknown[]>(name: string, f: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await f(...args);
    } catch (err) {
      if (!(err instanceof InvalidArgumentError || err instanceof ReplayJobBusyError)) throw err;
      process.stderr.write(`sluice dlq ${name}: ${err.message}\n`);
      process.exitCode = 2;
    }
  };
}

const defaultActor = () => `cli:${userInfo().username}`;

function itemJson(p: ReplayPlanItem) {
  return p.action === 'send'
    ? {
        entry_id: p.entryId,
        action: 'send',
        event_id: p.eventId,
        topic: p.topic,
        edited: p.edited,
        key: p.key ? Buffer.from(p.key).toString('utf8') : null,
        payload: Buffer.from(p.payload).toString('utf8'),
      }
    : {
        entry_id: p.entryId,
        action: 'skip',
        event_id: p.eventId,
        reason: p.reason,
        detail: p.detail,
        by_job: p.byJobId ?? null,
      };
}

function formatPlan(plan: readonly ReplayPlanItem[], dryRun: boolean): string {
  const lines = plan.map((p) =>
    p.action === 'send'
      ? `${dryRun ? 'would send' : 'send'} #${p.entryId} (${p.eventId ?? 'no event id'}) → ${p.topic}${p.edited ? ' [edited]' : ''}${dryRun ? `: ${Buffer.from(p.payload).toString('utf8')}` : ''}`
      : `skip #${p.entryId} (${p.eventId ?? 'no event id'}): ${p.reason}: ${p.detail}`,
  );
  return `${lines.join('\n')}\n`;
}

function jobJson(j: ReplayJobSummary) {
  return {
    id: j.id,
    created_by: j.createdBy,
    created_at: iso(j.createdAt),
    selection: j.selection,
    target: j.target,
    target_stage: j.targetStage,
    edit: j.edit,
    rate_limit: j.rateLimit,
    dry_run: j.dryRun,
    status: j.status,
    status_reason: j.statusReason,
    started_at: iso(j.startedAt),
    finished_at: iso(j.finishedAt),
    counts: j.counts,
  };
}

function rowJson(r: ReplayJobRow) {
  return {
    entry_id: r.entryId,
    state: r.state,
    skip_reason: r.skipReason,
    skip_detail: r.skipDetail,
    skip_job: r.skipJobId,
    event_id: r.eventId,
    target_topic: r.targetTopic,
    edited: r.edited,
    payload: r.payload ? r.payload.toString('utf8') : null,
    claimed_at: iso(r.claimedAt),
    sent_at: iso(r.sentAt),
    outcome_at: iso(r.outcomeAt),
    new_entry_id: r.newEntryId,
  };
}

const countsText = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'no entries';

function formatJobs(jobs: readonly ReplayJobSummary[]): string {
  if (jobs.length === 0) return 'no replay jobs\n';
  return `${jobs
    .map(
      (j) =>
        `job ${j.id}  ${j.status.padEnd(8)} ${iso(j.createdAt)} by ${j.createdBy} → ${j.targetStage ?? 'source'}${j.rateLimit ? ` at ${j.rateLimit}/s` : ''}${j.edit ? ` (${(j.edit as { kind: string }).kind})` : ''}: ${countsText(j.counts)}`,
    )
    .join('\n')}\n`;
}

function outcomeStores(env: Env, db: Database) {
  return { db, search: { url: env.SEARCH_URL, index: env.SEARCH_ERRORS_INDEX } };
}

/** Refreshes outcomes until none is awaited or the time is up. */
async function waitForOutcomes(env: Env, db: Database, jobId: number, seconds: number) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    await refreshReplayOutcomes(outcomeStores(env, db));
    const j = await getReplayJob(db, jobId, 0);
    const open = (j?.job.counts.sent ?? 0) + (j?.job.counts.sending ?? 0);
    if (open === 0 || Date.now() >= deadline) return open;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function withDb<T>(env: Env, f: (db: Database) => Promise<T>): Promise<T> {
  const db = dlqDatabase(env, 3);
  try {
    await assertDlqTables(db);
    await db.$client.query('SELECT 1 FROM dlq_replay_jobs LIMIT 0').catch((err: Error) => {
      throw new InvalidArgumentError(
        `the replay tables are missing (run \`sluice migrate\`): ${err.message}`,
      );
    });
    return await f(db);
  } catch (err) {
    if (err instanceof ReplayInputError) throw new InvalidArgumentError(err.message);
    throw err;
  } finally {
    await db.$client.end();
  }
}

async function runAndReport(
  env: Env,
  db: Database,
  jobId: number,
  actor: string,
  rateLimit: number | undefined,
  wait: number | undefined,
  json: boolean,
) {
  const progress = stderrProgress();
  let shown = Date.now();
  const r = await runReplay({
    db,
    jobId,
    actor,
    brokers: brokerList(env),
    storageTopic: pipelineNames(env.SLUICE_TOPIC_PREFIX).topics.enriched,
    rateLimit,
    progress: (p) => {
      if (Date.now() - shown >= 1000) {
        shown = Date.now();
        progress(`job ${jobId}: ${p.sent} sent${p.recovered ? `, ${p.recovered} found sent` : ''}`);
      }
    },
  });
  progress(
    `job ${jobId}: ${r.sent + r.resent} sent${r.recovered ? `, ${r.recovered} found already sent by the interrupted run` : ''}`,
  );
  const open = wait ? await waitForOutcomes(env, db, jobId, wait) : undefined;
  const job = await getReplayJob(db, jobId, 0);
  if (json) write(`${JSON.stringify({ job: job ? jobJson(job.job) : null, run: r }, null, 2)}\n`);
  else if (job) write(formatJobs([job.job]));
  if (open) progress(`job ${jobId}: ${open} outcomes still unknown after ${wait} s`);
}

interface ReplayOptions {
  dryRun?: boolean;
  edit?: string;
  patch?: string;
  toStage?: string;
  rate?: number;
  as?: string;
  json?: boolean;
  wait?: number;
  detach?: boolean;
}

export function registerDlqReplayCommands(
  dlq: Command,
  filterOptions: (c: Command) => Command,
  listFilter: (o: never, nowMs: number) => DlqFilter,
): void {
  filterOptions(
    dlq
      .command('replay [ids...]')
      .description(
        're-publish dead letters (ids, a --signature or filters) to their source topic or a stage, as a recorded job',
      )
      .option('--dry-run', 'print what would be sent and what is skipped and why; send nothing')
      .option('--edit <file>', 'send this JSON event instead of the entry payload (one entry)')
      .option('--patch <file>', 'apply this JSON merge patch (RFC 7386) to each payload')
      .option('--to-stage <stage>', `send to this stage's input (${REPLAY_STAGES.join(', ')})`)
      .option('--rate <n>', 'records per second', positive('--rate'))
      .option('--as <actor>', 'who is replaying, for the record', defaultActor())
      .option('--wait <seconds>', 'then wait this long for outcomes', positive('--wait'))
      .option('--detach', 'record the job and leave the sending to a dlq-indexer worker')
      .option('--json', 'JSON instead of lines'),
  ).action(
    cleanly('replay', async (idArgs: string[], o: ReplayOptions & Record<string, unknown>) => {
      const ids = entryIds(idArgs);
      const filter = listFilter(o as never, Date.now());
      const filtered = Object.values(filter).some((v) => v !== undefined);
      if (ids.length > 0 && filtered)
        throw new InvalidArgumentError('entry ids or filters, not both');
      if (ids.length === 0 && !filtered)
        throw new InvalidArgumentError('name entries (ids), a --signature or filters');
      if (o.toStage !== undefined && !REPLAY_STAGES.includes(o.toStage as ReplayStage))
        throw new InvalidArgumentError(
          `--to-stage: ${o.toStage} is not one of ${REPLAY_STAGES.join(', ')}`,
        );
      const target: ReplayTarget =
        o.toStage === undefined
          ? { kind: 'source' }
          : { kind: 'stage', stage: o.toStage as ReplayStage };
      const edit = editOf(o);
      const env = loadEnv();
      const topics = pipelineNames(env.SLUICE_TOPIC_PREFIX).topics;
      const actor = o.as ?? defaultActor();
      await withDb(env, async (db) => {
        const planned = await planReplayJob(db, {
          selection: ids.length > 0 ? { ids } : { filter },
          target,
          edit,
          rateLimit: o.rate,
          dryRun: o.dryRun === true,
          actor,
          stageTopics: { enrichment: topics.raw, storage: topics.enriched },
          parser: { unknownFields: env.ENRICH_UNKNOWN_FIELDS },
        });
        const progress = stderrProgress();
        if (o.dryRun) {
          write(
            o.json
              ? `${JSON.stringify({ job: planned.jobId, dry_run: true, plan: planned.plan.map(itemJson) }, null, 2)}\n`
              : formatPlan(planned.plan, true),
          );
          progress(
            `dry run (job ${planned.jobId}): ${planned.pending} would be sent, ${planned.skipped} skipped`,
          );
          return;
        }
        if (o.detach) {
          write(
            o.json
              ? `${JSON.stringify({ job: planned.jobId, detached: true, plan: planned.plan.map(itemJson) }, null, 2)}\n`
              : formatPlan(planned.plan, false),
          );
          progress(
            `job ${planned.jobId}: ${planned.pending} to send, ${planned.skipped} skipped; a dlq-indexer worker sends it (sluice dlq job ${planned.jobId})`,
          );
          return;
        }
        if (!o.json) write(formatPlan(planned.plan, false));
        progress(
          `job ${planned.jobId}: ${planned.pending} to send, ${planned.skipped} skipped${o.rate ? `, at ${o.rate}/s` : ''}`,
        );
        await runAndReport(env, db, planned.jobId, actor, o.rate, o.wait, o.json === true);
      });
    }),
  );

  dlq
    .command('resume <job>')
    .description(
      'run a replay job that stopped (a crash, a lost broker) to its end; never sends an entry twice',
    )
    .option('--as <actor>', 'who is resuming, for the record', defaultActor())
    .option('--wait <seconds>', 'then wait this long for outcomes', positive('--wait'))
    .option('--json', 'JSON instead of lines')
    .action(
      cleanly(
        'resume',
        async (jobText: string, o: { as: string; wait?: number; json?: boolean }) => {
          const [jobId] = entryIds([jobText]);
          const env = loadEnv();
          await withDb(env, async (db) => {
            const job = await getReplayJob(db, jobId as number, 0);
            if (!job) throw new InvalidArgumentError(`no replay job ${jobText}`);
            if (job.job.dryRun) throw new InvalidArgumentError(`job ${jobText} is a dry run`);
            await runAndReport(
              env,
              db,
              jobId as number,
              o.as,
              job.job.rateLimit ?? undefined,
              o.wait,
              o.json === true,
            );
          });
        },
      ),
    );

  dlq
    .command('discard <ids...>')
    .description('discard dead letters with a reason (recorded in each entry history)')
    .requiredOption('--reason <text>', 'why (recorded)')
    .option('--as <actor>', 'who is discarding, for the record', defaultActor())
    .option('--json', 'JSON instead of lines')
    .action(
      cleanly(
        'discard',
        async (idArgs: string[], o: { reason: string; as: string; json?: boolean }) => {
          const ids = entryIds(idArgs);
          const reason = o.reason.trim();
          if (reason.length === 0 || reason.length > 1000)
            throw new InvalidArgumentError('--reason: 1 to 1000 characters');
          await withDb(loadEnv(), async (db) => {
            const r = await discardDlqEntries(db, ids, o.as, reason);
            if (o.json) write(`${JSON.stringify(r, null, 2)}\n`);
            else {
              if (r.discarded.length > 0)
                write(`discarded ${r.discarded.map((id) => `#${id}`).join(', ')}\n`);
              for (const x of r.refused)
                process.stderr.write(`not discarded #${x.id}: ${x.reason}\n`);
            }
            if (r.missing.length > 0) {
              process.stderr.write(`no DLQ entry ${r.missing.map((id) => `#${id}`).join(', ')}\n`);
              process.exitCode = 1;
            }
          });
        },
      ),
    );

  dlq
    .command('jobs')
    .description('replay jobs, newest first, with counts by state (outcomes refreshed first)')
    .option('--limit <n>', 'jobs to print', positive('--limit'), 50)
    .option('--json', 'JSON instead of lines')
    .action(
      cleanly('jobs', async (o: { limit: number; json?: boolean }) => {
        const env = loadEnv();
        await withDb(env, async (db) => {
          await refreshReplayOutcomes(outcomeStores(env, db));
          const jobs = await listReplayJobs(db, Math.floor(o.limit));
          write(
            o.json ? `${JSON.stringify({ jobs: jobs.map(jobJson) }, null, 2)}\n` : formatJobs(jobs),
          );
        });
      }),
    );

  dlq
    .command('job <id>')
    .description('one replay job: what was asked, and each entry with its outcome')
    .option('--json', 'JSON instead of lines')
    .action(
      cleanly('job', async (idText: string, o: { json?: boolean }) => {
        const [id] = entryIds([idText]);
        const env = loadEnv();
        await withDb(env, async (db) => {
          await refreshReplayOutcomes(outcomeStores(env, db));
          const job = await getReplayJob(db, id as number);
          if (!job) {
            process.stderr.write(`sluice dlq job: no replay job ${idText}\n`);
            process.exitCode = 1;
            return;
          }
          if (o.json) {
            write(
              `${JSON.stringify({ job: jobJson(job.job), entries: job.rows.map(rowJson) }, null, 2)}\n`,
            );
            return;
          }
          write(formatJobs([job.job]));
          for (const r of job.rows)
            write(
              `  #${r.entryId} ${r.state}${r.skipReason ? ` (${r.skipReason}: ${r.skipDetail})` : ''}${r.newEntryId ? ` → new entry #${r.newEntryId}` : ''}${r.edited ? ' [edited]' : ''}\n`,
            );
        });
      }),
    );
}
