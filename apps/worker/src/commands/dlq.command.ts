// `sluice dlq`: the DLQ index from the command line, on the same queries as the console's inbox
// (@sluice/db's dlq-inbox.ts). `list` groups dead letters by error signature (or lists them one
// by one with --entries, page by page), `show` prints one with every header and its payloads,
// `status` says how far the index has read, `rebuild` re-reads the topic into the index.
import { randomBytes } from 'node:crypto';
import {
  DLQ_STATUSES,
  type DlqFilter,
  decodeDlqCursor,
  dlqFilterSchema,
  encodeDlqCursor,
  parseSince,
} from '@sluice/core';
import { getDlqEntry, listDlqEntries, listDlqGroups, readDlqIndexPositions } from '@sluice/db';
import { createKafka, IsolationLevel } from '@sluice/kafka';
import { type Command, InvalidArgumentError } from 'commander';
import {
  detailJson,
  entryJson,
  formatEntries,
  formatEntry,
  formatGroups,
  formatProgress,
  groupJson,
  partitionProgress,
} from '../dlq/dlq-format.ts';
import { assertDlqTables, dlqDatabase } from '../dlq/dlq-indexer.worker.ts';
import { rebuildDlqIndex } from '../dlq/dlq-rebuild.ts';
import { brokerList, defaultWorkerId, loadEnv } from '../env.ts';
import { pipelineNames } from '../kafka/topics.ts';
import { stderrProgress } from '../progress.ts';
import { registerDlqReplayCommands } from './dlq-replay.command.ts';

interface ListOptions {
  json?: boolean;
  limit: number;
  stage?: string;
  errorClass?: string;
  type?: string;
  signature?: string;
  since?: string;
  until?: string;
  status?: string[];
  text?: string;
  entries?: boolean;
  after?: string;
}

const limit = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InvalidArgumentError('a whole number from 1 to 1000');
  return n;
};

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number of seconds');
  return n;
};

/** The flags as a validated filter; a bad one stops the command naming the flag. */
export function listFilter(o: ListOptions, nowMs: number): DlqFilter {
  const time = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const r = parseSince(v, nowMs);
    if (!r.ok) throw new InvalidArgumentError(`${flag}: ${r.message}`);
    return r.ms;
  };
  const parsed = dlqFilterSchema.safeParse({
    stage: o.stage,
    errorClass: o.errorClass,
    eventType: o.type,
    signature: o.signature,
    status: o.status?.flatMap((s) => s.split(',')).filter((s) => s !== ''),
    sinceMs: time('--since', o.since),
    untilMs: time('--until', o.until),
    text: o.text,
  });
  if (!parsed.success) {
    const flags: Record<string, string> = {
      errorClass: 'error-class',
      eventType: 'type',
      sinceMs: 'since',
      untilMs: 'until',
    };
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    throw new InvalidArgumentError(`--${flags[key] ?? key}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const write = (text: string) => process.stdout.write(text);

/** The inbox's filters as flags: `list` and `replay` take the same ones. */
function filterOptions(c: Command): Command {
  return c
    .option('--stage <stage>', 'only this stage (enrichment, storage:timescaledb, ...)')
    .option('--error-class <class>', 'only this error class (InvalidEvent, ...)')
    .option('--type <type>', 'only events of this type')
    .option('--signature <id>', 'only this signature (32 hex characters)')
    .option(
      '--since <when>',
      'failed at or after: a duration back from now (2h, 7d) or an ISO time',
    )
    .option('--until <when>', 'failed before: a duration back from now or an ISO time')
    .option('--status <status...>', `only these statuses (${DLQ_STATUSES.join(', ')})`)
    .option('--text <text>', 'in the error message or the payload (at least 3 characters)');
}

export function registerDlqCommands(program: Command): void {
  const dlq = program
    .command('dlq')
    .description(
      'the dead-letter index: list, show, status, rebuild; replay, resume, discard, jobs, job',
    );
  registerDlqReplayCommands(dlq, filterOptions, listFilter);

  filterOptions(dlq.command('list'))
    .description(
      'dead letters grouped by error signature (count, first and last failure, a sample)',
    )
    .option('--json', 'JSON instead of lines')
    .option('--limit <n>', 'groups (or entries) to print, 1-1000', limit, 50)
    .option('--entries', 'one line per dead letter, newest failure first, instead of groups')
    .option(
      '--after <cursor>',
      'with --entries: the page after this cursor (printed by the last page)',
    )
    .action(async (o: ListOptions) => {
      const filter = listFilter(o, Date.now());
      const env = loadEnv();
      const db = dlqDatabase(env, 1);
      try {
        await assertDlqTables(db);
        if (!o.entries) {
          if (o.after) throw new InvalidArgumentError('--after pages through --entries');
          const groups = await listDlqGroups(db, filter, o.limit);
          write(
            o.json
              ? `${JSON.stringify({ groups: groups.map(groupJson) }, null, 2)}\n`
              : formatGroups(groups),
          );
          return;
        }
        const after = o.after === undefined ? undefined : decodeDlqCursor(o.after);
        if (o.after !== undefined && !after)
          throw new InvalidArgumentError('--after: not a cursor');
        const page = await listDlqEntries(db, filter, { limit: o.limit, after });
        const next = page.next ? encodeDlqCursor(page.next) : null;
        if (o.json) {
          write(`${JSON.stringify({ entries: page.entries.map(entryJson), next }, null, 2)}\n`);
        } else {
          write(formatEntries(page.entries));
          if (next) process.stderr.write(`more: --entries --after ${next}\n`);
        }
      } finally {
        await db.$client.end();
      }
    });

  dlq
    .command('show <id>')
    .description(
      'one dead letter: envelope, every header, the original bytes, the partial result, history',
    )
    .option('--json', 'JSON instead of text')
    .action(async (idText: string, o: { json?: boolean }) => {
      const id = Number(idText);
      if (!Number.isSafeInteger(id) || id < 1)
        throw new InvalidArgumentError(`${idText} is not an entry id`);
      const db = dlqDatabase(loadEnv(), 1);
      try {
        await assertDlqTables(db);
        const entry = await getDlqEntry(db, id);
        if (!entry) {
          process.stderr.write(`sluice dlq show: no entry #${id}\n`);
          process.exitCode = 1;
          return;
        }
        write(o.json ? `${JSON.stringify(detailJson(entry), null, 2)}\n` : formatEntry(entry));
      } finally {
        await db.$client.end();
      }
    });

  dlq
    .command('status')
    .description(
      'how far the index has read: per partition, the end, the commit, the lag, the last offset indexed',
    )
    .option('--json', 'JSON instead of lines')
    .action(async (o: { json?: boolean }) => {
      const env = loadEnv();
      const names = pipelineNames(env.SLUICE_TOPIC_PREFIX);
      const topic = names.topics.dlq;
      const group = names.groups.dlqIndex;
      const db = dlqDatabase(env, 1);
      const admin = createKafka({
        brokers: brokerList(env),
        clientId: 'sluice-dlq-status',
      }).admin();
      try {
        await assertDlqTables(db);
        await admin.connect();
        const [positions, ends, offsets] = await Promise.all([
          readDlqIndexPositions(db),
          admin.fetchTopicOffsets(topic, { isolationLevel: IsolationLevel.READ_COMMITTED }),
          admin.fetchOffsets({ groupId: group, topics: [topic] }),
        ]);
        const committed = new Map<number, number>();
        for (const p of offsets[0]?.partitions ?? [])
          if (Number(p.offset) >= 0) committed.set(p.partition, Number(p.offset));
        const rows = partitionProgress(
          positions.filter((p) => p.topic === topic),
          ends.map((e) => ({ partition: e.partition, low: Number(e.low), high: Number(e.high) })),
          committed,
        );
        write(
          o.json
            ? `${JSON.stringify({ topic, group, partitions: rows }, null, 2)}\n`
            : formatProgress(topic, group, rows),
        );
      } finally {
        await admin.disconnect().catch(() => {});
        await db.$client.end();
      }
    });

  dlq
    .command('rebuild')
    .description(
      're-read the DLQ topic from its start into the index (idempotent; the indexer may keep running)',
    )
    .option('--timeout <seconds>', 'give up after this long', seconds, 600)
    .action(async (o: { timeout: number }) => {
      const env = loadEnv();
      const names = pipelineNames(env.SLUICE_TOPIC_PREFIX);
      const progress = stderrProgress();
      const db = dlqDatabase(env);
      try {
        await assertDlqTables(db);
        const groupId = `${names.groups.dlqIndex}.rebuild-${randomBytes(4).toString('hex')}`;
        let shown = 0;
        const r = await rebuildDlqIndex({
          brokers: brokerList(env),
          topic: names.topics.dlq,
          groupId,
          workerId: defaultWorkerId(env),
          db,
          timeoutMs: o.timeout * 1000,
          log: (level, message) => {
            if (level !== 'info') progress(`${level}: ${message}`);
          },
          progress: (written, total) => {
            if (written - shown >= 10_000) {
              shown = written;
              progress(`${written} records written of at most ${total}`);
            }
          },
        });
        progress(
          `rebuilt from ${names.topics.dlq}: ${r.written} records read and written (${r.added} new to the index, ${r.written - r.added} derived again)`,
        );
      } finally {
        await db.$client.end();
      }
    });
}
