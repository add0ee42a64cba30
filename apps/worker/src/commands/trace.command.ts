// `sluice trace EVENT_ID`: an event's path through the pipeline — its raw and enriched records,
// its dead letters, the windows of its event time, and which stores hold it now. Kafka is read
// only where the stores, the DLQ index or a time hint bound it (see @sluice/core's event trace).
import { Client } from '@elastic/elasticsearch';
import {
  archiveObjectHolding,
  archiveSearchPrefixes,
  type EventTrace,
  pipelineNames,
  type RedisTrace,
  realtimeKeys,
  type TracePorts,
  traceEvent,
} from '@sluice/core';
import { findEventDlqEntries, findStoredEvent } from '@sluice/db';
import { createTopicBrowser, traceRecordFinder } from '@sluice/kafka';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { dlqDatabase } from '../dlq/dlq-indexer.worker.ts';
import { brokerList, type Env, loadEnv } from '../env.ts';
import { openArchiveStore } from '../storage/archive-store.ts';
import { replayedObjectKey } from '../storage/s3.sink.ts';
import { archiveUrl } from '../storage/storage-setup.ts';
import { UsageError } from '../usage-error.ts';

const EVENT_ID = /^[\x21-\x7e]{1,200}$/;

function elasticsearchPort(env: Env): Required<TracePorts>['searchDocument'] {
  const client = new Client({ node: env.SEARCH_URL, requestTimeout: 5000, maxRetries: 0 });
  return async (eventId) => {
    const res = await client.get<{ timestamp_ms?: number; timestamp?: string | number }>(
      { index: env.SEARCH_ERRORS_INDEX, id: eventId },
      { ignore: [404] },
    );
    if (!res.found) return null;
    const src = res._source ?? {};
    const ms =
      typeof src.timestamp_ms === 'number'
        ? src.timestamp_ms
        : src.timestamp !== undefined
          ? new Date(src.timestamp).getTime()
          : Number.NaN;
    return { eventTimeMs: Number.isNaN(ms) ? null : ms };
  };
}

function redisPort(redis: Redis, prefix: string): Required<TracePorts>['redis'] {
  return async ({ topic, partition, offset, minute }) => {
    const fence = await redis.get(realtimeKeys.fence(prefix, topic, partition));
    const keys = [
      realtimeKeys.count(prefix, minute),
      realtimeKeys.users(prefix, minute),
      realtimeKeys.pages(prefix, minute),
    ];
    const present = (await Promise.all(keys.map((k) => redis.exists(k)))).map((n) => n > 0);
    const r: RedisTrace = {
      applied: fence === null ? null : BigInt(fence) >= BigInt(offset),
      fence,
      minuteKeys: keys.filter((_, i) => present[i]),
      note: "aggregate only: Redis holds per-minute counts, not events; 'applied' says the partition's offset fence passed the enriched record, so its counts were added if the rules route its type to Redis",
    };
    return r;
  };
}

function archivePort(env: Env): Required<TracePorts>['archiveObject'] {
  const store = openArchiveStore(archiveUrl(env), {
    endpoint: env.AWS_ENDPOINT_URL || undefined,
    region: env.AWS_REGION,
    ...(env.AWS_ENDPOINT_URL
      ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
      : {}),
  });
  return async ({ topic, partition, offset, eventTimeMs, eventId }) => {
    for (const p of archiveSearchPrefixes(topic, partition, eventTimeMs, store.prefix)) {
      const key = archiveObjectHolding(await store.list(p), topic, partition, offset);
      if (key) return key;
    }
    // A record re-published from the DLQ is archived under its event_id instead.
    const replayed = `${store.prefix}${replayedObjectKey(topic, eventId, eventTimeMs)}`;
    return (await store.get(replayed)) ? replayed : null;
  };
}

function printHuman(t: EventTrace, ms: number): void {
  const rec = (r: EventTrace['raw']) =>
    r ? `${r.topic}[${r.partition}]@${r.offset} at ${r.timestamp ?? '?'}` : 'not found';
  const lines = [
    `event ${t.event_id}`,
    `  raw:      ${rec(t.raw)}`,
    `            (${t.search.raw})`,
    `  enriched: ${rec(t.enriched)}`,
    `            (${t.search.enriched})`,
    `  dlq:      ${t.dlq.length === 0 ? 'none' : ''}`,
    ...t.dlq.map(
      (d) =>
        `    #${d.id} ${d.stage} ${d.errorClass}: ${d.errorMessage} (${d.status}, ${d.failedAt})${(
          d.replays ?? []
        )
          .map(
            (r) => `\n      replay job ${r.jobId}: ${r.state}${r.sentAt ? ` at ${r.sentAt}` : ''}`,
          )
          .join('')}`,
    ),
    `  windows:  ${t.windows.map((w) => `${w.size} ${w.start}`).join(', ') || 'none'}`,
    '  stores:',
    `    timescaledb:   ${t.stores.timescaledb ? 'yes' : 'no'}`,
    `    elasticsearch: ${t.stores.elasticsearch === null ? 'not checked' : t.stores.elasticsearch ? 'yes' : 'no'}`,
    `    redis:         ${t.stores.redis ? `${t.stores.redis.applied ? 'counted' : 'not counted'} (fence ${t.stores.redis.fence ?? 'none'}; ${t.stores.redis.minuteKeys.length} keys of its minute); aggregate only` : 'unknown'}`,
    `    s3:            ${t.stores.s3 ?? 'no object found'}`,
    `  read ${t.search.records_read} Kafka records in ${ms} ms`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerTraceCommand(program: Command): void {
  program
    .command('trace')
    .description("an event's raw and enriched records, dead letters and the stores that hold it")
    .argument('<event-id>', 'the event_id')
    .option('--json', 'print the trace as JSON')
    .option(
      '--around <time>',
      "the event's time (ISO 8601), when no store holds it: bounds the Kafka search to ±5 minutes",
    )
    .action(async (eventId: string, o: { json?: boolean; around?: string }) => {
      if (!EVENT_ID.test(eventId)) throw new UsageError('event-id: 1 to 200 printable characters');
      let hintMs: number | null = null;
      if (o.around !== undefined) {
        hintMs = Date.parse(o.around);
        if (Number.isNaN(hintMs))
          throw new UsageError(`--around "${o.around}": not a date and time`);
      }
      const env = loadEnv();
      const names = pipelineNames(env.SLUICE_TOPIC_PREFIX);
      const db = dlqDatabase(env);
      const browser = createTopicBrowser(brokerList(env), 'sluice-trace');
      const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 5000 });
      redis.on('error', () => {});
      const started = performance.now();
      try {
        const trace = await traceEvent(
          eventId,
          { raw: names.topics.raw, enriched: names.topics.enriched },
          {
            storedEvent: (id) =>
              findStoredEvent(
                db,
                id,
                hintMs === null
                  ? undefined
                  : { sinceMs: hintMs - 86_400_000, untilMs: hintMs + 86_400_000 },
              ),
            dlqEntries: (id) => findEventDlqEntries(db, id),
            findRecord: traceRecordFinder(browser),
            searchDocument: elasticsearchPort(env),
            redis: redisPort(redis, env.REDIS_KEY_PREFIX),
            archiveObject: archivePort(env),
          },
          { hintMs },
        );
        const ms = Math.round(performance.now() - started);
        if (o.json) process.stdout.write(`${JSON.stringify({ ...trace, elapsed_ms: ms })}\n`);
        else printHuman(trace, ms);
      } finally {
        redis.disconnect();
        await browser.close();
        await db.$client.end();
      }
    });
}
