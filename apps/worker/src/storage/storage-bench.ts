// `sluice bench storage`: write throughput of each sink on this machine, measured on the sink
// alone (no Kafka): N synthetic enriched events written in batches of the configured size into
// a scratch schema / index / key prefix / archive directory, which are removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { DESTINATIONS, type Destination, type EnrichedEvent } from '@sluice/core';
import { runMigrations } from '@sluice/db';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadEnv } from '../env.ts';
import { openArchiveStore } from './archive-store.ts';
import { createElasticsearchSink } from './elasticsearch.sink.ts';
import { createRedisSink } from './redis.sink.ts';
import { createS3Sink } from './s3.sink.ts';
import type { Sink, SinkRecord } from './sink.ts';
import { createTimescaleSink } from './timescale.sink.ts';

function benchEvent(i: number, type: string): EnrichedEvent {
  const ts = Date.UTC(2026, 10, 27, 10, 0, 0) + i * 10;
  return {
    event_id: `bench-${i}`,
    type,
    timestamp: new Date(ts).toISOString(),
    timestamp_ms: ts,
    user_id: `u${i % 5000}`,
    session_id: `s${i % 20000}`,
    ip: '81.2.69.160',
    url: `https://shop.example/p/${i % 300}`,
    referrer: 'https://www.google.com/',
    properties: { plan: 'pro', n: i },
    ...(type === 'error'
      ? { message: `TypeError: x is undefined (${i})`, stack: 'at f (a.js:1:2)' }
      : {}),
    geo: {
      city: 'London',
      region: 'England',
      region_code: 'ENG',
      country: 'United Kingdom',
      country_code: 'GB',
      latitude: 51.5,
      longitude: -0.1,
      postal_code: null,
      time_zone: 'Europe/London',
      accuracy_radius: 10,
    },
    geo_status: 'ok',
    ua: {
      browser: 'Chrome',
      browser_version: '126.0',
      browser_major: '126',
      engine: 'Blink',
      os: 'Windows',
      os_version: '10',
      device_type: 'desktop',
      device_vendor: null,
      device_model: null,
      is_bot: false,
    },
    enriched_at: null,
    geoip_build: '2026-11-01T00:00:00.000Z',
  };
}

export function registerStorageBenchCommand(program: Command): void {
  // Joins the `bench` group when another module registered it first.
  const bench =
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('measure throughput');
  bench
    .command('storage')
    .description(
      'events/s each storage sink writes on this machine (scratch targets, removed after)',
    )
    .option('--count <n>', 'events per sink', Number, 50_000)
    .option('--batch <n>', 'records per write', Number, 5000)
    .option('--sinks <list>', 'comma-separated sinks', DESTINATIONS.join(','))
    .action(async (opts: { count: number; batch: number; sinks: string }) => {
      const env = loadEnv();
      const tag = `bench_${Date.now().toString(36)}`;
      const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
      const wanted = opts.sinks.split(',') as Destination[];
      const results: Record<string, number> = {};
      for (const name of wanted) {
        let sink: Sink;
        let cleanup = async () => {};
        if (name === 'timescaledb') {
          await runMigrations({ url: env.DATABASE_URL, schema: tag });
          sink = createTimescaleSink({ url: env.DATABASE_URL, schema: tag });
          cleanup = async () => {
            const c = new pg.Client({ connectionString: env.DATABASE_URL });
            await c.connect();
            await c.query(`DROP SCHEMA ${tag} CASCADE`);
            await c.query(`DROP SCHEMA ${tag}_drizzle CASCADE`);
            await c.end();
          };
        } else if (name === 'elasticsearch') {
          sink = createElasticsearchSink({ url: env.SEARCH_URL, index: tag });
          cleanup = async () => {
            const es = new Client({ node: env.SEARCH_URL });
            await es.indices.delete({ index: tag, ignore_unavailable: true });
            await es.close();
          };
        } else if (name === 'redis') {
          sink = createRedisSink({ url: env.REDIS_URL, prefix: `${tag}:` });
          cleanup = async () => {
            const r = new Redis(env.REDIS_URL);
            const keys = await r.keys(`${tag}:*`);
            if (keys.length > 0) await r.del(...keys);
            r.disconnect();
          };
        } else {
          sink = createS3Sink(
            openArchiveStore(`${pathToFileURL(dir).href}/`, { region: 'us-east-1' }),
          );
        }
        const type = name === 'elasticsearch' ? 'error' : 'pageview';
        const records: SinkRecord[] = Array.from({ length: opts.count }, (_, i) => {
          const data = benchEvent(i, type);
          return {
            topic: 'bench',
            partition: i % 12,
            offset: String(Math.floor(i / 12)),
            timestampMs: data.timestamp_ms,
            key: Buffer.from(data.session_id),
            value: Buffer.from(JSON.stringify(data)),
            kind: 'event',
            data,
          };
        });
        const t0 = performance.now();
        for (let i = 0; i < records.length; i += opts.batch) {
          const r = await sink.write(records.slice(i, i + opts.batch));
          if (r.failed.length > 0)
            throw new Error(`${name}: ${r.failed.length} failed: ${r.failed[0]?.message}`);
        }
        const seconds = (performance.now() - t0) / 1000;
        results[name] = Math.round(opts.count / seconds);
        await sink.close();
        await cleanup();
        process.stdout.write(
          `${name.padEnd(14)} ${String(results[name]).padStart(8)} events/s  (${opts.count} events, batches of ${opts.batch}, ${seconds.toFixed(2)} s)\n`,
        );
      }
      rmSync(dir, { recursive: true, force: true });
    });
}
