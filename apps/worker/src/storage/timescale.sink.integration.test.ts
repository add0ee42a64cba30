// The TimescaleDB sink's window_aggregates upserts against the real PostgreSQL, in a schema of
// this run: a window's partial and its late-drop corrections are rows of their own, so a
// window's late_dropped adds up once whatever is replayed, in whichever order or batch.
import {
  type AggregateRecord,
  aggregateRecordSchemaOf,
  HyperLogLog,
  type LateDropCorrectionRecord,
  type WindowAggregateRecord,
} from '@sluice/core';
import { runMigrations } from '@sluice/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../env.ts';
import type { Sink, SinkRecord } from './sink.ts';
import { createTimescaleSink } from './timescale.sink.ts';

const url = loadEnv().DATABASE_URL;
const schema = `timescale_sink_test_${Date.now().toString(36)}_${process.pid}`;
const db = new pg.Client({ connectionString: url });
let sink: Sink;

beforeAll(async () => {
  await runMigrations({ url, schema });
  await db.connect();
  sink = createTimescaleSink({ url, schema });
});
afterAll(async () => {
  await sink?.close();
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.query(`DROP SCHEMA IF EXISTS "${schema}_drizzle" CASCADE`);
  await db.end();
});

const sketchOf = (...users: string[]) => {
  const h = new HyperLogLog();
  for (const u of users) h.add(u);
  return h.toBase64();
};

const window = (start: string, over: Partial<WindowAggregateRecord> = {}) =>
  ({
    window_size: '1m',
    window_start: start,
    window_end: new Date(Date.parse(start) + 60_000).toISOString(),
    type: 'pageview',
    dimensions: '',
    source_partition: 3,
    count: 5,
    unique_users: 2,
    unique_users_sketch: sketchOf('u1', 'u2'),
    late_accepted: 1,
    late_dropped: 0,
    final: true,
    ...over,
  }) satisfies WindowAggregateRecord;

const correction = (start: string, n: number, lateDropped: number, partition = 3) =>
  ({
    window_size: '1m',
    window_start: start,
    window_end: new Date(Date.parse(start) + 60_000).toISOString(),
    type: 'pageview',
    dimensions: '',
    source_partition: partition,
    late_dropped: lateDropped,
    correction: n,
    final: true,
  }) satisfies LateDropCorrectionRecord;

let offset = 0;
/** As the storage consumer hands them over: each through the parser's schema first. */
const records = (...data: AggregateRecord[]): SinkRecord[] =>
  data.map((d) => {
    const value = Buffer.from(JSON.stringify(d));
    const parsed = aggregateRecordSchemaOf(d).parse(d);
    return {
      kind: 'aggregate',
      data: parsed,
      topic: 'aggregates',
      partition: 0,
      offset: String(offset++),
      timestampMs: 0,
      key: null,
      value,
    };
  });

async function write(...data: AggregateRecord[]) {
  const { failed } = await sink.write(records(...data));
  expect(failed).toEqual([]);
}

/** The window as a reader merges it: sums over every row, sketches of the partials only. */
async function merged(start: string) {
  const { rows } = await db.query(
    `SELECT correction, count, late_accepted, late_dropped, unique_users_sketch,
            unique_users_estimate
       FROM "${schema}".window_aggregates WHERE window_start = $1 ORDER BY correction, source_partition`,
    [start],
  );
  const users = new HyperLogLog();
  for (const r of rows) users.merge(new HyperLogLog(new Uint8Array(r.unique_users_sketch)));
  return {
    rows: rows.map((r) => [r.correction, Number(r.count), Number(r.late_dropped)]),
    count: rows.reduce((n, r) => n + Number(r.count), 0),
    lateAccepted: rows.reduce((n, r) => n + Number(r.late_accepted), 0),
    lateDropped: rows.reduce((n, r) => n + Number(r.late_dropped), 0),
    uniqueUsers: users.estimate(),
    correctionSketches: rows
      .filter((r) => r.correction > 0)
      .map((r) => [r.unique_users_sketch.toString('base64'), Number(r.unique_users_estimate)]),
  };
}

describe('TimescaleDB sink: window aggregates and late-drop corrections', () => {
  it('adds corrections to the window once, whatever is replayed and in which order', async () => {
    const start = '2026-01-01T10:00:00.000Z';
    await write(window(start, { late_dropped: 1 }));
    await write(correction(start, 1, 30), correction(start, 2, 4));
    // The window's own record again (a replay, or a later version of the partial): upserts
    // its row, leaves the corrections alone.
    await write(window(start, { late_dropped: 1 }));
    // Corrections replayed, one of them twice in one batch, and one from another partition.
    await write(correction(start, 2, 4), correction(start, 1, 30), correction(start, 2, 4));
    await write(correction(start, 1, 7, 8));
    const w = await merged(start);
    expect(w.rows).toEqual([
      [0, 5, 1],
      [1, 0, 30],
      [1, 0, 7],
      [2, 0, 4],
    ]);
    expect(w.lateDropped).toBe(1 + 30 + 4 + 7);
    expect(w.count).toBe(5);
    expect(w.lateAccepted).toBe(1);
    // Correction rows hold the empty sketch: merging them changes no count of users.
    expect(w.uniqueUsers).toBe(2);
    expect(w.correctionSketches).toEqual([
      [new HyperLogLog().toBase64(), 0],
      [new HyperLogLog().toBase64(), 0],
      [new HyperLogLog().toBase64(), 0],
    ]);
  });

  it('stores a correction that comes before any partial of its window, and the partial after it', async () => {
    const start = '2026-01-01T11:00:00.000Z';
    await write(correction(start, 5, 2), window(start, { count: 9 }));
    await write(window(start, { count: 11, unique_users_sketch: sketchOf('u1', 'u2', 'u3') }));
    const w = await merged(start);
    expect(w.rows).toEqual([
      [0, 11, 0],
      [5, 0, 2],
    ]);
    expect(w.uniqueUsers).toBe(3);
  });
});
