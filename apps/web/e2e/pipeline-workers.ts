// The run's pipeline workers for the specs that follow an event to its store (a replay's
// outcome): enrichment (events.raw → events.enriched), storage (→ PostgreSQL's events table, the
// run's search index, Redis counters, a file archive) and the dlq-indexer (which sends the jobs
// the console plans and marks their outcomes), run as users run them (`sluice worker ...`) as
// child processes, with the console's environment: the run's topic prefix, schema, Redis prefix
// and search index.
//
// Each group starts at the end of its input topics, so only what a spec sends is processed: the
// global setup's backlog stays unconsumed (other specs read it as lag), and the run's earlier
// dead letters stay out of the index. stop() ends the workers (SIGTERM, then SIGKILL after a
// grace period), puts the enrichment group's offsets back where the global setup left them,
// deletes the groups, index, sink-health fields and files this module made, and the routing
// version the storage writer imported at its start.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ResetRow, realtimeKeys } from '@sluice/core';
import { quoteIdent } from '@sluice/db';
import { commitGroupOffsets, createKafka } from '@sluice/kafka';
import { Redis } from 'ioredis';
import pg from 'pg';
import { e2eEnv } from './env.ts';
import { repoRoot, sluiceBin, sluiceOk, stopWorker } from './kafka-group.ts';

const WORKERS = ['enrichment', 'storage', 'dlq-indexer'] as const;
type WorkerName = (typeof WORKERS)[number];

type Admin = ReturnType<ReturnType<typeof createKafka>['admin']>;

/** How long a worker has to leave its group on SIGTERM before it is killed. */
const GRACE_MS = 15_000;

export interface PipelineWorkers {
  /** Why a worker is no longer running (its exit and the end of its log), if one stopped. */
  problem(): string | undefined;
  stop(): Promise<void>;
}

/** Every committed offset of a group on its input topics. */
async function committed(admin: Admin, groupId: string, topics: string[]): Promise<ResetRow[]> {
  return (await admin.fetchOffsets({ groupId, topics })).flatMap((t) =>
    t.partitions
      .filter((p) => Number(p.offset) >= 0)
      .map((p) => ({
        topic: t.topic,
        partition: p.partition,
        current: null,
        next: Number(p.offset),
        reprocess: 0,
        skip: 0,
      })),
  );
}

/** The log end of every partition of the topics, as a group's next offsets. */
async function ends(admin: Admin, topics: string[]): Promise<ResetRow[]> {
  const rows: ResetRow[] = [];
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      rows.push({
        topic,
        partition: p.partition,
        current: null,
        next: Number(p.high),
        reprocess: 0,
        skip: 0,
      });
    }
  }
  return rows;
}

/**
 * Deletes a group; one its last member left a moment ago may still count as not empty, so that
 * is tried again for a few seconds. The broker's reason otherwise.
 */
async function deleteGroup(admin: Admin, groupId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.deleteGroups([groupId]);
      return;
    } catch (err) {
      // librdkafka's codes: 68 the group is not empty, 69 there is no such group.
      const report = (err as { groups?: { error?: { message?: string; code?: number } }[] })
        .groups?.[0]?.error;
      if (report?.code === 69) return;
      if (report?.code !== 68 || attempt === 10)
        throw new Error(report?.message ?? (err as Error).message);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function startPipelineWorkers(): Promise<PipelineWorkers> {
  const { prefix, schema, redisPrefix, searchIndex, kafkaBrokers: brokers } = e2eEnv;
  const { groups, topics } = e2eEnv.names;
  /** Each worker's consumer group and the topics it reads. */
  const inputsOf = (w: WorkerName): { group: string; topics: string[] } =>
    ({
      enrichment: { group: groups.enrichment, topics: [topics.raw] },
      storage: {
        group: groups.storage,
        topics: [topics.enriched, topics.aggregates, topics.sessions],
      },
      'dlq-indexer': { group: groups.dlqIndex, topics: [topics.dlq] },
    })[w];
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-workers-'));
  const env = e2eEnv.cliEnv({
    KAFKA_BROKERS: brokers.join(','),
    SLUICE_TOPIC_PREFIX: prefix,
    DATABASE_URL: e2eEnv.databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: e2eEnv.redisUrl,
    REDIS_KEY_PREFIX: redisPrefix,
    SEARCH_URL: e2eEnv.searchUrl,
    SEARCH_ERRORS_INDEX: searchIndex,
    ARCHIVE_URL: `${pathToFileURL(join(dir, 'archive')).href}/`,
    GEOIP_CITY_DB: join(dir, 'city.mmdb'),
    SLUICE_LOG_LEVEL: 'warn',
    // A replayed event is in its store within a second, not at the production batch cadence.
    STAGE_COMMIT_INTERVAL_MS: '200',
    STORAGE_FLUSH_MS: '200',
    STORAGE_COMMIT_INTERVAL_MS: '200',
  });
  const kafka = createKafka({ brokers, clientId: 'sluice-e2e-workers', logLevel: 'nothing' });
  const admin = kafka.admin();
  await admin.connect();

  const enrichment = inputsOf('enrichment');
  const children = new Map<WorkerName, { child: ChildProcess; log: () => string }>();
  const workerId = (w: WorkerName) => `${prefix}e2e-${w}`;
  // Should the test process end without stop(), its workers do not outlive it.
  const killAll = () => {
    for (const { child } of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);

  let restore: ResetRow[] | undefined;
  const stop = async () => {
    process.removeListener('exit', killAll);
    const problems: string[] = [];
    await Promise.all(
      [...children].map(async ([w, { child, log }]) => {
        const code = await stopWorker(child, GRACE_MS);
        if (code !== 0) problems.push(`the ${w} worker stopped with ${code}:\n${log()}`);
      }),
    );
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`);
      }
    };
    try {
      if (restore && restore.length > 0) {
        const rows = restore;
        await step(`putting ${enrichment.group}'s offsets back`, () =>
          commitGroupOffsets(kafka, brokers, enrichment.group, rows),
        );
      }
      for (const w of ['storage', 'dlq-indexer'] as const) {
        const { group } = inputsOf(w);
        await step(`deleting the group ${group}`, () => deleteGroup(admin, group));
      }
      await step(`deleting the search index ${searchIndex}`, async () => {
        const res = await fetch(`${e2eEnv.searchUrl}/${encodeURIComponent(searchIndex)}`, {
          method: 'DELETE',
        });
        if (!res.ok && res.status !== 404) throw new Error(`HTTP ${res.status}`);
      });
      // A storage writer that finds no routing version in force imports the built-in table as
      // version 1; the routing spec starts from none published. (The audit keeps the import.)
      await step("undoing the storage writer's routing import", async () => {
        const db = new pg.Client({ connectionString: e2eEnv.databaseUrl });
        await db.connect();
        try {
          const s = quoteIdent(schema);
          const by = `worker:${workerId('storage')}`;
          await db.query('BEGIN');
          await db.query(
            `DELETE FROM ${s}.routing_publications WHERE action = 'import' AND by = $1`,
            [by],
          );
          await db.query(
            `DELETE FROM ${s}.routing_versions WHERE source = 'file' AND created_by = $1`,
            [by],
          );
          await db.query('COMMIT');
        } finally {
          await db.end();
        }
      });
      await step('removing the storage writer from the sink health', async () => {
        const redis = new Redis(e2eEnv.redisUrl);
        try {
          const key = realtimeKeys.sinkHealth(redisPrefix);
          const fields = (await redis.hkeys(key)).filter((f) =>
            f.endsWith(`@${workerId('storage')}`),
          );
          if (fields.length > 0) await redis.hdel(key, ...fields);
        } finally {
          redis.disconnect();
        }
      });
    } finally {
      await admin.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
    if (problems.length > 0) throw new Error(`pipeline workers: ${problems.join('\n')}`);
  };

  try {
    await sluiceOk(['geoip', 'build-test-db', '--out', join(dir, 'city.mmdb')], env);
    restore = await committed(admin, enrichment.group, enrichment.topics);
    for (const w of WORKERS) {
      const { group, topics } = inputsOf(w);
      const rows = await ends(admin, topics);
      if (rows.length > 0) await commitGroupOffsets(kafka, brokers, group, rows);
    }
    for (const w of WORKERS) {
      let log = '';
      const child = spawn(
        process.execPath,
        [sluiceBin, 'worker', w, '--metrics-port', '0', '--worker-id', workerId(w)],
        { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr?.on('data', (d) => {
        log = (log + d).slice(-20_000);
      });
      children.set(w, { child, log: () => log });
    }
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }

  return {
    problem() {
      for (const [w, { child, log }] of children) {
        if (child.exitCode !== null || child.signalCode !== null)
          return `the ${w} worker exited (${child.exitCode ?? child.signalCode}):\n${log()}`;
      }
      return undefined;
    },
    stop,
  };
}
