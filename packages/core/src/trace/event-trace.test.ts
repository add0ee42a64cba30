import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRACE_BOUNDS,
  type FoundRecord,
  type RecordSearch,
  recordHoldsEvent,
  searchWindows,
  type TraceDlqEntry,
  type TracePorts,
  traceEvent,
  windowsOf,
} from './event-trace.ts';

const topics = { raw: 'events.raw', enriched: 'events.enriched' };
const enc = (v: unknown) => Buffer.from(JSON.stringify(v));
const T = Date.parse('2026-11-30T07:41:30.000Z');

/** Kafka as a list of records per topic; searches answer from it and record what they asked. */
function fakeKafka(records: Record<string, (FoundRecord & { topic?: string })[]>) {
  const asked: RecordSearch[] = [];
  const findRecord: TracePorts['findRecord'] = async (s) => {
    asked.push(s);
    const candidates = (records[s.topic] ?? []).filter((r) =>
      s.exact
        ? r.partition === s.exact.partition && r.offset === s.exact.offset
        : (r.timestampMs ?? 0) >= s.sinceMs && (r.timestampMs ?? 0) <= s.untilMs,
    );
    let read = 0;
    for (const r of candidates) {
      read += 1;
      if (recordHoldsEvent(r.value, s.eventId)) return { found: r, read, exhausted: null };
    }
    return { found: null, read, exhausted: 'window' };
  };
  return { asked, findRecord };
}

describe('recordHoldsEvent', () => {
  it('matches the event_id field, not the id appearing elsewhere', () => {
    expect(recordHoldsEvent(enc({ event_id: 'e1' }), 'e1')).toBe(true);
    expect(recordHoldsEvent(enc({ event_id: 'e2', ref: 'e1' }), 'e1')).toBe(false);
    expect(recordHoldsEvent(Buffer.from('e1 not json'), 'e1')).toBe(false);
    expect(recordHoldsEvent(null, 'e1')).toBe(false);
  });
});

describe('searchWindows', () => {
  it('reads the last seconds before the ingest time first, then the rest of the lookback', () => {
    const stored = { eventTimeMs: T - 3_600_000, ingestedAtMs: T, type: 'pageview' };
    const ws = searchWindows(stored, null, DEFAULT_TRACE_BOUNDS) ?? [];
    expect(ws.map((w) => [w.sinceMs - T, w.untilMs - T])).toEqual([
      [-30_000, 5_000],
      [-DEFAULT_TRACE_BOUNDS.lookbackMs, -30_001],
    ]);
    expect(searchWindows(null, T, DEFAULT_TRACE_BOUNDS)).toMatchObject([
      {
        sinceMs: T - DEFAULT_TRACE_BOUNDS.hintWindowMs,
        untilMs: T + DEFAULT_TRACE_BOUNDS.hintWindowMs,
      },
    ]);
    expect(searchWindows(null, null, DEFAULT_TRACE_BOUNDS)).toBeNull();
  });

  it('finds an enriched record written minutes before its row in the second window', async () => {
    const ev = { event_id: 'slow', type: 'pageview', timestamp: T };
    const kafka = fakeKafka({
      'events.enriched': [{ partition: 0, offset: 1, timestampMs: T - 120_000, value: enc(ev) }],
    });
    const trace = await traceEvent('slow', topics, {
      storedEvent: async () => ({ eventTimeMs: T, ingestedAtMs: T, type: 'pageview' }),
      dlqEntries: async () => [],
      findRecord: kafka.findRecord,
    });
    expect(trace.enriched).toMatchObject({ offset: 1 });
    expect(kafka.asked.filter((a) => a.topic === 'events.enriched')).toHaveLength(2);
  });
});

describe('windowsOf', () => {
  it('gives the UTC-aligned 1m, 5m and 1h windows', () => {
    expect(windowsOf(T).map((w) => [w.size, w.start])).toEqual([
      ['1m', '2026-11-30T07:41:00.000Z'],
      ['5m', '2026-11-30T07:40:00.000Z'],
      ['1h', '2026-11-30T07:00:00.000Z'],
    ]);
  });
});

describe('traceEvent', () => {
  it('finds the enriched record in the window before the ingest time, then the raw one at its timestamp', async () => {
    const ev = { event_id: 'e1', type: 'pageview', timestamp: T - 2000 };
    const kafka = fakeKafka({
      'events.enriched': [
        { partition: 3, offset: 40, timestampMs: T - 1000, value: enc({ event_id: 'other' }) },
        { partition: 3, offset: 41, timestampMs: T - 1000, value: enc({ ...ev, country: 'DE' }) },
      ],
      'events.raw': [{ partition: 3, offset: 17, timestampMs: T - 1000, value: enc(ev) }],
    });
    const trace = await traceEvent('e1', topics, {
      storedEvent: async () => ({ eventTimeMs: T - 2000, ingestedAtMs: T, type: 'pageview' }),
      dlqEntries: async () => [],
      findRecord: kafka.findRecord,
      searchDocument: async () => null,
      archiveObject: async (w) => `dt=x/${w.topic}-${w.partition}-0-${w.offset}.ndjson.gz`,
    });
    expect(trace.raw).toMatchObject({
      partition: 3,
      offset: 17,
      timestamp: new Date(T - 1000).toISOString(),
    });
    expect(trace.enriched).toMatchObject({ partition: 3, offset: 41, value: { country: 'DE' } });
    expect(trace.stores).toEqual({
      timescaledb: true,
      elasticsearch: false,
      redis: null,
      s3: 'dt=x/events.enriched-3-0-41.ndjson.gz',
    });
    // The raw search is bounded to the single timestamp the enriched record carries.
    expect(kafka.asked[1]).toMatchObject({
      topic: 'events.raw',
      sinceMs: T - 1000,
      untilMs: T - 1000,
    });
    expect(trace.search.records_read).toBe(3);
    expect(trace.windows.map((w) => w.size)).toEqual(['1m', '5m', '1h']);
  });

  it('reads a failed event at its dead letter source, and searches nothing else', async () => {
    const dlq: TraceDlqEntry = {
      id: 9,
      topic: 'events.dlq',
      partition: 0,
      offset: '5',
      stage: 'enrichment',
      errorClass: 'InvalidEvent',
      errorMessage: 'type missing',
      failedAt: new Date(T).toISOString(),
      status: 'new',
      source: { topic: 'events.raw', partition: 7, offset: '123', timestampMs: T },
    };
    const kafka = fakeKafka({
      'events.raw': [
        { partition: 7, offset: 123, timestampMs: T, value: enc({ event_id: 'bad' }) },
      ],
    });
    const trace = await traceEvent('bad', topics, {
      storedEvent: async () => null,
      dlqEntries: async () => [dlq],
      findRecord: kafka.findRecord,
    });
    expect(trace.raw).toMatchObject({ partition: 7, offset: 123 });
    expect(trace.enriched).toBeNull();
    expect(trace.dlq).toEqual([dlq]);
    expect(trace.stores).toEqual({
      timescaledb: false,
      elasticsearch: null,
      redis: null,
      s3: null,
    });
    expect(kafka.asked).toHaveLength(1);
    expect(kafka.asked[0]?.exact).toEqual({ partition: 7, offset: 123 });
  });

  it('reads no topic when nothing bounds the search, and says why', async () => {
    const kafka = fakeKafka({});
    const trace = await traceEvent('nowhere', topics, {
      storedEvent: async () => null,
      dlqEntries: async () => [],
      findRecord: kafka.findRecord,
    });
    expect(kafka.asked).toHaveLength(0);
    expect(trace.raw).toBeNull();
    expect(trace.search.enriched).toMatch(/not searched/);
  });

  it('uses the search index document time as the hint for an error event', async () => {
    const ev = { event_id: 'err1', type: 'error', timestamp: T };
    const kafka = fakeKafka({
      'events.enriched': [{ partition: 1, offset: 2, timestampMs: T + 60_000, value: enc(ev) }],
      'events.raw': [{ partition: 1, offset: 1, timestampMs: T + 60_000, value: enc(ev) }],
    });
    const trace = await traceEvent('err1', topics, {
      storedEvent: async () => null,
      dlqEntries: async () => [],
      findRecord: kafka.findRecord,
      searchDocument: async () => ({ eventTimeMs: T }),
    });
    expect(trace.stores.elasticsearch).toBe(true);
    expect(trace.enriched).toMatchObject({ partition: 1, offset: 2 });
    expect(trace.raw).toMatchObject({ partition: 1, offset: 1 });
  });
});
