import { describe, expect, it } from 'vitest';
import type { AggregationEvent } from './aggregation-event.ts';
import type { AggregatorConfig } from './aggregator-config.ts';
import { createPartitionAggregator, type Drained } from './partition-aggregator.ts';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const S = 1000;
const MIN = 60_000;

const config = (over: Partial<AggregatorConfig> = {}): AggregatorConfig => ({
  windows: [{ name: '1m', ms: MIN }],
  dimensions: [],
  maxOutOfOrderMs: 10 * S,
  allowedLatenessMs: 0,
  latePolicy: 'drop',
  idleTimeoutMs: 30 * S,
  sessionGapMs: 30 * MIN,
  retentionMs: 10 * MIN,
  maxStateEntries: 10_000,
  ...over,
});

let seq = 0;
const ev = (timeMs: number, over: Partial<AggregationEvent> = {}): AggregationEvent => ({
  eventId: `e${seq++}`,
  type: 'pageview',
  timeMs,
  userId: 'u1',
  sessionId: 's1',
  url: `https://x/${timeMs}`,
  country: 'GB',
  deviceType: 'desktop',
  ...over,
});

/** The last record per key over several drains, as a downstream upsert sees them. */
function latest(drains: Drained[]) {
  const m = new Map<string, Drained['windows'][number]['record']>();
  for (const d of drains) for (const w of d.windows) m.set(w.key, w.record);
  return m;
}

describe('partition aggregator: windows', () => {
  it('counts out-of-order events within the bound on time and fires when the watermark passes the end', () => {
    const a = createPartitionAggregator(3, config(), 0);
    expect(a.add(ev(T0 + 30 * S), 0)).toBe('on_time');
    expect(a.add(ev(T0 + 55 * S, { userId: 'u2' }), 0)).toBe('on_time');
    expect(a.add(ev(T0 + 50 * S), 0)).toBe('on_time'); // 5 s out of order, bound 10 s
    expect(a.drain().windows).toEqual([]); // watermark 45 s < end 60 s
    expect(a.add(ev(T0 + 69_999), 0)).toBe('on_time'); // watermark 59.999 s: not yet
    expect(a.drain().windows).toEqual([]);
    a.add(ev(T0 + 70 * S), 0); // watermark reaches the end exactly
    const d = a.drain();
    expect(d.windows).toHaveLength(1);
    expect(d.windows[0]?.key).toBe('1m|2026-01-01T10:00:00.000Z|pageview||3');
    expect(d.windows[0]?.record).toMatchObject({
      window_size: '1m',
      window_start: '2026-01-01T10:00:00.000Z',
      window_end: '2026-01-01T10:01:00.000Z',
      dimensions: '',
      source_partition: 3,
      count: 3,
      unique_users: 2,
      late_accepted: 0,
      late_dropped: 0,
      final: true,
    });
  });

  it("reports a small window's unique users exactly, and says so", () => {
    const a = createPartitionAggregator(0, config(), 0);
    for (let r = 0; r < 2; r++)
      for (let u = 0; u < 36; u++) a.add(ev(T0 + (r * 36 + u) * 100, { userId: `user-${u}` }), 0);
    a.closeAll();
    expect(a.drain().windows[0]?.record).toMatchObject({
      count: 72,
      unique_users: 36,
      unique_users_mode: 'exact',
      unique_users_standard_error: 0,
    });
  });

  it('puts an event exactly on a boundary into the next window', () => {
    const a = createPartitionAggregator(0, config({ maxOutOfOrderMs: 0 }), 0);
    a.add(ev(T0 + MIN - 1), 0);
    a.add(ev(T0 + MIN), 0); // watermark = T0+60s = end of the first window: it fires
    const d = a.drain();
    expect(d.windows.map((w) => [w.record.window_start, w.record.count])).toEqual([
      ['2026-01-01T10:00:00.000Z', 1],
    ]);
    a.closeAll();
    expect(a.drain().windows.map((w) => [w.record.window_start, w.record.count])).toEqual([
      ['2026-01-01T10:01:00.000Z', 1],
    ]);
  });

  it('updates an emitted window with a late event within the allowed lateness, replacing it', () => {
    const a = createPartitionAggregator(0, config({ allowedLatenessMs: 30 * S }), 0);
    a.add(ev(T0 + 10 * S), 0);
    a.add(ev(T0 + 75 * S), 0); // watermark 65 s: window fired, not final
    const first = a.drain();
    expect(first.windows[0]?.record).toMatchObject({ count: 1, final: false });
    expect(a.add(ev(T0 + 20 * S, { userId: 'u9' }), 0)).toBe('late_accepted');
    const second = a.drain();
    expect(second.windows[0]?.record).toMatchObject({
      count: 2,
      unique_users: 2,
      late_accepted: 1,
      final: false,
    });
    a.add(ev(T0 + 100 * S), 0); // watermark 90 s = end + lateness: final
    expect(
      latest([first, second, a.drain()]).get('1m|2026-01-01T10:00:00.000Z|pageview||0'),
    ).toMatchObject({ count: 2, late_accepted: 1, late_dropped: 0, final: true });
  });

  it('drop policy: beyond the lateness the event is counted in late_dropped only', () => {
    const a = createPartitionAggregator(0, config({ allowedLatenessMs: 5 * S }), 0);
    a.add(ev(T0 + 10 * S), 0);
    a.add(ev(T0 + 90 * S), 0); // watermark 80 s ≥ 60 + 5
    a.drain();
    expect(a.add(ev(T0 + 20 * S, { userId: 'u7' }), 0)).toBe('late_dropped');
    const d = a.drain();
    expect(
      d.windows.find((w) => w.record.window_start.endsWith('10:00:00.000Z'))?.record,
    ).toMatchObject({ count: 1, unique_users: 1, late_accepted: 0, late_dropped: 1, final: true });
  });

  it('reaggregate policy: beyond the lateness the event is folded in and re-emitted', () => {
    const a = createPartitionAggregator(0, config({ latePolicy: 'reaggregate' }), 0);
    a.add(ev(T0 + 10 * S), 0);
    a.add(ev(T0 + 90 * S), 0);
    a.drain();
    expect(a.add(ev(T0 + 20 * S, { userId: 'u7' }), 0)).toBe('reaggregated');
    expect(a.drain().windows[0]?.record).toMatchObject({
      count: 2,
      unique_users: 2,
      late_accepted: 1,
      late_dropped: 0,
    });
  });

  it('counts events for windows purged past retention in correction records, not in re-opened windows', () => {
    const a = createPartitionAggregator(5, config({ retentionMs: MIN }), 0);
    a.add(ev(T0 + 10 * S), 0);
    a.add(ev(T0 + 10 * MIN), 0);
    const d = a.drain();
    expect(d.changelog).toContainEqual({
      key: 'w|1m|2026-01-01T10:00:00.000Z|pageview|',
      value: null,
    });
    expect(d.corrections).toEqual([]);
    // 30 events for the purged 10:00 window, 2 for the purged 10:01 one, in one batch.
    for (let i = 0; i < 30; i++) expect(a.add(ev(T0 + 20 * S), 0)).toBe('expired');
    for (let i = 0; i < 2; i++) expect(a.add(ev(T0 + 70 * S), 0)).toBe('expired');
    const first = a.drain();
    expect(first.windows.filter((w) => w.record.window_start < '2026-01-01T10:05')).toEqual([]);
    expect(first.corrections).toEqual([
      {
        key: '1m|2026-01-01T10:00:00.000Z|pageview||5|late@1',
        record: {
          window_size: '1m',
          window_start: '2026-01-01T10:00:00.000Z',
          window_end: '2026-01-01T10:01:00.000Z',
          type: 'pageview',
          dimensions: '',
          source_partition: 5,
          late_dropped: 30,
          correction: 1,
          final: true,
        },
      },
      expect.objectContaining({
        key: '1m|2026-01-01T10:01:00.000Z|pageview||5|late@2',
        record: expect.objectContaining({ late_dropped: 2, correction: 2 }),
      }),
    ]);
    // A later batch's drops are a new correction, numbered on: each adds once downstream.
    a.add(ev(T0 + 20 * S), 0);
    expect(a.drain().corrections.map((c) => [c.key, c.record.late_dropped])).toEqual([
      ['1m|2026-01-01T10:00:00.000Z|pageview||5|late@3', 1],
    ]);
    expect(a.drain().corrections).toEqual([]);
  });

  it('numbers corrections on after a restore from its changelog', () => {
    const cfg = config({ retentionMs: MIN });
    const a = createPartitionAggregator(0, cfg, 0);
    const log = new Map<string, string>();
    const apply = (d: Drained) => {
      for (const c of d.changelog) c.value === null ? log.delete(c.key) : log.set(c.key, c.value);
    };
    a.add(ev(T0 + 10 * S), 0);
    a.add(ev(T0 + 10 * MIN), 0);
    apply(a.drain('1'));
    a.add(ev(T0 + 20 * S), 0);
    const d = a.drain('2');
    expect(d.corrections.map((c) => c.record.correction)).toEqual([1]);
    // The number is in the same changelog write as the position it was emitted before.
    expect(d.changelog.at(-1)).toEqual({ key: 'm', value: expect.stringContaining('"lc":1') });
    apply(d);
    const b = createPartitionAggregator(0, cfg, 0, log);
    b.add(ev(T0 + 20 * S), 0);
    expect(b.drain().corrections.map((c) => c.key)).toEqual([
      '1m|2026-01-01T10:00:00.000Z|pageview||0|late@2',
    ]);
  });

  it('with the reaggregate policy, counts an event past retention as dropped too: its window is gone', () => {
    const a = createPartitionAggregator(
      0,
      config({ retentionMs: MIN, latePolicy: 'reaggregate' }),
      0,
    );
    a.add(ev(T0 + 10 * S), 0);
    a.add(ev(T0 + 10 * MIN), 0);
    a.drain();
    expect(a.add(ev(T0 + 20 * S), 0)).toBe('expired');
    const d = a.drain();
    expect(d.windows).toEqual([]);
    expect(d.corrections.map((c) => c.record.late_dropped)).toEqual([1]);
  });

  it('closes the windows of an idle partition after the idle time, not before', () => {
    const a = createPartitionAggregator(
      0,
      config({ idleTimeoutMs: 30 * S, allowedLatenessMs: 20 * S }),
      1_000,
    );
    a.add(ev(T0 + 10 * S), 1_000);
    expect(a.tick(30_999)).toBe(false);
    expect(a.drain().windows).toEqual([]);
    expect(a.tick(31_000)).toBe(true);
    expect(a.drain().windows[0]?.record).toMatchObject({ count: 1, final: true });
  });

  it('splits by type and by the enabled dimensions', () => {
    const a = createPartitionAggregator(0, config({ dimensions: ['country'] }), 0);
    a.add(ev(T0, { country: 'DE' }), 0);
    a.add(ev(T0, { country: 'GB' }), 0);
    a.add(ev(T0, { type: 'click', country: 'GB' }), 0);
    a.closeAll();
    expect(
      a
        .drain()
        .windows.map((w) => w.key)
        .sort(),
    ).toEqual([
      '1m|2026-01-01T10:00:00.000Z|click|country=GB|0',
      '1m|2026-01-01T10:00:00.000Z|pageview|country=DE|0',
      '1m|2026-01-01T10:00:00.000Z|pageview|country=GB|0',
    ]);
  });

  it('restores from its changelog to the same state and the same outcomes', () => {
    const cfg = config({ allowedLatenessMs: 30 * S });
    const a = createPartitionAggregator(0, cfg, 0);
    const log = new Map<string, string>();
    const apply = (d: Drained) => {
      for (const c of d.changelog) c.value === null ? log.delete(c.key) : log.set(c.key, c.value);
    };
    a.add(ev(T0 + 10 * S), 0);
    a.add(ev(T0 + 80 * S, { userId: 'u2' }), 0);
    apply(a.drain('42'));
    const b = createPartitionAggregator(0, cfg, 0, log);
    expect(b.restoredPosition()).toBe('42');
    expect(b.watermark()).toBe(a.watermark());
    expect(b.stateSize()).toBe(a.stateSize());
    expect(b.add(ev(T0 + 30 * S, { userId: 'u3' }), 0)).toBe('late_accepted');
    expect(b.drain().windows[0]?.record).toMatchObject({
      count: 2,
      unique_users: 2,
      late_accepted: 1,
    });
  });

  it('caps its state: the oldest entries are closed early and counted', () => {
    const a = createPartitionAggregator(0, config({ maxStateEntries: 3 }), 0);
    for (let i = 0; i < 4; i++) a.add(ev(T0 + i * MIN, { sessionId: `s${i}` }), 0);
    const d = a.drain();
    expect(a.stateSize()).toBe(3);
    expect(d.evicted).toBe(5);
    expect(d.windows.map((w) => w.record.window_start)).toContain('2026-01-01T10:00:00.000Z');
  });
});

describe('partition aggregator: sessions', () => {
  const gap = 30 * MIN;
  const sessionsOf = (over: Partial<AggregatorConfig> = {}) =>
    createPartitionAggregator(0, config({ windows: [], maxOutOfOrderMs: 0, ...over }), 0);

  it('joins an event exactly one gap later and splits one a millisecond beyond', () => {
    const a = sessionsOf();
    a.add(ev(T0, { url: 'a' }), 0);
    a.add(ev(T0 + gap, { url: 'b', type: 'click' }), 0);
    a.add(ev(T0 + 2 * gap + 1, { url: 'c' }), 0);
    a.closeAll();
    expect(a.drain().sessions).toEqual([
      {
        session_id: 's1',
        user_id: 'u1',
        session_start: '2026-01-01T10:00:00.000Z',
        session_end: '2026-01-01T10:30:00.000Z',
        duration_ms: gap,
        event_count: 2,
        pageview_count: 1,
        entry_url: 'a',
        exit_url: 'b',
      },
      expect.objectContaining({ event_count: 1, entry_url: 'c', exit_url: 'c', duration_ms: 0 }),
    ]);
  });

  it('emits a session when the watermark passes its end plus the gap, and re-emits it when a late event extends it', () => {
    const a = sessionsOf();
    a.add(ev(T0 + MIN, { url: 'second' }), 0);
    a.add(ev(T0 + 2 * MIN, { url: 'third' }), 0);
    a.add(ev(T0 + 2 * MIN + gap - 1, { sessionId: 'other' }), 0);
    expect(a.drain().sessions).toEqual([]);
    a.add(ev(T0 + 2 * MIN + gap, { sessionId: 'other' }), 0);
    expect(a.drain().sessions.map((s) => [s.session_id, s.event_count])).toEqual([['s1', 2]]);
    a.add(ev(T0, { url: 'first' }), 0); // late, within the gap of the start
    expect(a.drain().sessions).toEqual([
      expect.objectContaining({
        session_id: 's1',
        event_count: 3,
        entry_url: 'first',
        exit_url: 'third',
        duration_ms: 2 * MIN,
        // The row stored under the old start must go: the store keys sessions by their start.
        superseded_starts: ['2026-01-01T10:01:00.000Z'],
      }),
    ]);
  });

  it('merges two emitted sessions that a late event bridges, retracting both earlier rows', () => {
    const a = sessionsOf({ allowedLatenessMs: 2 * gap, retentionMs: gap });
    a.add(ev(T0, { url: 'a1' }), 0);
    a.add(ev(T0 + 5 * MIN, { url: 'a2' }), 0);
    a.add(ev(T0 + 5 * MIN + gap + 20 * MIN, { url: 'b1', type: 'click' }), 0); // 50 min gap
    a.add(ev(T0 + 4 * gap, { sessionId: 'other' }), 0); // both s1 sessions close
    const first = a.drain().sessions.filter((s) => s.session_id === 's1');
    expect(first.map((s) => [s.session_start, s.event_count])).toEqual([
      ['2026-01-01T10:00:00.000Z', 2],
      ['2026-01-01T10:55:00.000Z', 1],
    ]);
    const size = a.stateSize();
    a.add(ev(T0 + 30 * MIN, { url: 'bridge' }), 0); // within the gap of both
    expect(a.stateSize()).toBe(size - 1);
    expect(a.drain().sessions).toEqual([
      {
        session_id: 's1',
        user_id: 'u1',
        session_start: '2026-01-01T10:00:00.000Z',
        session_end: '2026-01-01T10:55:00.000Z',
        duration_ms: 55 * MIN,
        event_count: 4,
        pageview_count: 3,
        entry_url: 'a1',
        exit_url: 'b1',
        superseded_starts: ['2026-01-01T10:55:00.000Z'],
      },
    ]);
  });

  it('carries the start a session was emitted under through the changelog', () => {
    const cfg = config({ windows: [], maxOutOfOrderMs: 0, allowedLatenessMs: 2 * gap });
    const a = createPartitionAggregator(0, cfg, 0);
    a.add(ev(T0 + 10 * MIN), 0);
    a.add(ev(T0 + 10 * MIN + gap, { sessionId: 'other' }), 0);
    expect(a.drain().sessions.map((s) => s.session_id)).toEqual(['s1']);
    a.add(ev(T0 + 10 * MIN + gap), 0); // extends s1 past the watermark: open again
    a.add(ev(T0), 0); // late: moves its start earlier
    const d = a.drain('7');
    expect(d.sessions).toEqual([]);
    const log = new Map<string, string>();
    for (const c of d.changelog) c.value === null ? log.delete(c.key) : log.set(c.key, c.value);
    const b = createPartitionAggregator(0, cfg, 0, log);
    b.closeAll();
    expect(b.drain().sessions.filter((s) => s.session_id === 's1')).toEqual([
      expect.objectContaining({
        session_start: '2026-01-01T10:00:00.000Z',
        event_count: 3,
        superseded_starts: ['2026-01-01T10:10:00.000Z'],
      }),
    ]);
  });

  it('with the drop policy, opens no session for an event whose session closed beyond lateness', () => {
    const a = sessionsOf();
    a.add(ev(T0 + 3 * gap, { sessionId: 'other' }), 0);
    a.add(ev(T0 + gap), 0); // its session would close at T0 + 2 gaps, before the watermark
    a.add(ev(T0 + 2 * gap + 1, { sessionId: 'late-but-open' }), 0);
    a.closeAll();
    expect(a.drain().sessions.map((s) => s.session_id)).toEqual(['other', 'late-but-open']);
    const r = createPartitionAggregator(
      0,
      config({ windows: [], maxOutOfOrderMs: 0, latePolicy: 'reaggregate' }),
      0,
    );
    r.add(ev(T0 + 3 * gap, { sessionId: 'other' }), 0);
    r.add(ev(T0 + gap), 0);
    r.closeAll();
    expect(r.drain().sessions.map((s) => s.session_id)).toEqual(['other', 's1']);
  });
});

describe('partition aggregator: cost of a drain', () => {
  it('with 100,000 open sessions, a batch of three events writes and emits only what they touched', () => {
    const a = createPartitionAggregator(0, config({ maxStateEntries: 1_000_000 }), 0);
    for (let i = 0; i < 100_000; i++) a.add(ev(T0 + (i % 50) * S, { sessionId: `open${i}` }), 0);
    expect(a.drain('1').changelog.filter((c) => c.key.startsWith('s|'))).toHaveLength(100_000);
    a.add(ev(T0 + 51 * S, { sessionId: 'open7' }), 0);
    a.add(ev(T0 + 52 * S, { sessionId: 'new' }), 0);
    a.add(ev(T0 + 53 * S, { sessionId: 'open99999' }), 0);
    const d = a.drain('2');
    expect(d.sessions).toEqual([]);
    expect(d.windows).toEqual([]);
    expect(d.changelog.map((c) => c.key)).toEqual([
      'w|1m|2026-01-01T10:00:00.000Z|pageview|',
      's|open7|1767261607000',
      's|open99999|1767261649000',
      's|new|1767261652000',
      'm',
    ]);
  });
});
