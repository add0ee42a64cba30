// The benchmark's events, made before any clock starts: realistic raw events from the demo
// generator with the distributions the issue asks for (a million Zipf users and 10,000 Zipf
// pages, an address per session from a pool of 100,000, 3,000 user agents, sessions, about 1%
// malformed), and enriched events made from them by the real enrichment pipeline in this
// process, for the stages that start downstream. Preloaded with the ordinary producer (no
// transactions), so a topic's offsets count its records.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RawMessage } from '@sluice/core';
import { createKafka, createProducer, type Producer } from '@sluice/kafka';
import { buildTestGeoDb } from '../commands/geoip.command.ts';
import { setupEnrichment } from '../enrichment/enrichment-setup.ts';
import { brokerList, type Env } from '../env.ts';
import { createEventGenerator } from '../produce/event-generator.ts';
import type { Progress } from '../progress.ts';
import { stackPaths } from '../stack/stack-paths.ts';

export const BENCH_DISTRIBUTIONS = {
  users: 1_000_000,
  pages: 10_000,
  ips: 100_000,
  userAgents: 3_000,
  ipPerSession: true,
  malformedRate: 0.01,
} as const;

export interface BenchRecord {
  key: string | Buffer | null;
  value: string;
}

export interface DataProfile {
  events: number;
  malformed: number;
  distinct_ips: number;
  user_agents: number;
  users: number;
  sessions: number;
  /** Well-formed events per type. */
  types: Record<string, number>;
}

export interface RawData {
  records: BenchRecord[];
  profile: DataProfile;
}

/** `n` raw events whose event times end about now (1.5 ms apart on average). */
export function generateRaw(n: number, seed: number): RawData {
  const next = createEventGenerator({
    seed,
    startTime: Date.now() - Math.round(n * 1.5),
    ...BENCH_DISTRIBUTIONS,
  });
  const records: BenchRecord[] = new Array(n);
  const seen = { ips: new Set(), uas: new Set(), users: new Set(), sessions: new Set() };
  const types: Record<string, number> = {};
  let malformed = 0;
  for (let i = 0; i < n; i++) {
    const r = next();
    records[i] = { key: r.key, value: r.value };
    if (r.malformed) {
      malformed++;
      continue;
    }
    const e = JSON.parse(r.value) as Record<string, string>;
    seen.ips.add(e.ip);
    seen.uas.add(e.user_agent);
    seen.users.add(e.user_id);
    seen.sessions.add(e.session_id);
    types[e.type as string] = (types[e.type as string] ?? 0) + 1;
  }
  return {
    records,
    profile: {
      events: n,
      malformed,
      distinct_ips: seen.ips.size,
      user_agents: seen.uas.size,
      users: seen.users.size,
      sessions: seen.sessions.size,
      types,
    },
  };
}

/** GEOIP_CITY_DB, or the demo database `sluice dev` uses (built once if missing). */
export function geoipDatabase(env: Env, progress: Progress): string {
  if (env.GEOIP_CITY_DB) return env.GEOIP_CITY_DB;
  const db = join(stackPaths(env).home, 'geoip', 'demo-city.mmdb');
  if (!existsSync(db)) {
    progress('building the synthetic demo GeoIP database (once)');
    buildTestGeoDb(db, { demo: true, buildEpoch: Math.floor(Date.now() / 1000) });
  }
  return db;
}

/** The raw events through the real enrichment pipeline: what events.enriched would hold. */
export async function enrichInProcess(
  env: Env,
  geoipPath: string,
  raw: readonly BenchRecord[],
): Promise<BenchRecord[]> {
  const { pipeline, geo } = setupEnrichment(env, { geoipPath, workerId: 'bench-preload' });
  const out: BenchRecord[] = [];
  try {
    const now = String(Date.now());
    for (let i = 0; i < raw.length; i += 2000) {
      const batch: RawMessage[] = raw.slice(i, i + 2000).map((r, j) => ({
        key: r.key === null ? null : Buffer.from(r.key),
        value: Buffer.from(r.value),
        topic: 'bench',
        partition: 0,
        offset: String(i + j),
        timestamp: now,
      }));
      const r = await pipeline.process(batch);
      for (const e of r.enriched)
        out.push({ key: e.key === null ? null : Buffer.from(e.key), value: e.value });
    }
  } finally {
    geo.close();
  }
  return out;
}

export interface Preloader {
  produce(topic: string, records: readonly BenchRecord[], progress?: Progress): Promise<void>;
  /** The producer, for paced production. */
  producer: Producer;
  close(): Promise<void>;
}

export async function createPreloader(env: Env): Promise<Preloader> {
  const producer = createProducer(
    createKafka({ brokers: brokerList(env), clientId: 'sluice-bench-preload' }),
  );
  await producer.connect();
  return {
    producer,
    async produce(topic, records, progress) {
      const chunk = 5000;
      const inFlight = 4;
      for (let i = 0; i < records.length; i += chunk * inFlight) {
        const sends: Promise<unknown>[] = [];
        for (let j = i; j < Math.min(records.length, i + chunk * inFlight); j += chunk)
          sends.push(
            producer.send({ topic, messages: records.slice(j, j + chunk) as BenchRecord[] }),
          );
        await Promise.all(sends);
      }
      progress?.(`preloaded ${records.length.toLocaleString('en-US')} events into ${topic}`);
    },
    close: () => producer.disconnect(),
  };
}
