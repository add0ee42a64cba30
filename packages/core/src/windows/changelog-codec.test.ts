import { describe, expect, it } from 'vitest';
import {
  appendSessionWrites,
  type ChangelogEntry,
  decodeEntry,
  META_KEY,
  metaEntry,
  metaEntryPosition,
  sessionLogKey,
  sessionToJson,
  windowLogKey,
  windowToJson,
} from './changelog-codec.ts';
import { hashUserId } from './hyperloglog.ts';
import type { SessionState } from './session-state.ts';
import { newWindow } from './window-state.ts';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

const sampleWindow = () => {
  const w = newWindow('1m', 60_000, T0, 'pageview', 'country=GB');
  w.count = 3;
  w.lateAccepted = 1;
  w.lateDropped = 2;
  w.users.addHash(hashUserId('u1'));
  w.emitted = true;
  return w;
};

const sampleSession = (): SessionState => ({
  sessionId: 's1',
  userId: 'u1',
  start: T0 + 5000,
  end: T0 + 7000,
  eventCount: 2,
  pageviewCount: 1,
  entryUrl: 'https://x/a',
  exitUrl: null,
  emittedStart: T0 + 6000,
  superseded: [T0 + 9000],
  changed: true,
  dirty: true,
  loggedKey: undefined,
});

// Byte-for-byte what the aggregator wrote before it was split into stores: the changelogs in
// Kafka hold these, and a restore must read them.
describe('changelog codec: the format already written', () => {
  it('writes a window under w|<key> with short field names', () => {
    const w = sampleWindow();
    expect(windowLogKey(w)).toBe('w|1m|2026-01-01T10:00:00.000Z|pageview|country=GB');
    expect(windowToJson(w)).toBe(
      `{"z":"1m","s":1767261600000,"e":1767261660000,"t":"pageview","d":"country=GB","c":3,"la":1,"ld":2,"h":"${w.users.toBase64()}","em":true,"f":false}`,
    );
  });

  it('writes a session under s|<id>|<start ms>, sup only when it has superseded starts', () => {
    const s = sampleSession();
    expect(sessionLogKey(s)).toBe('s|s1|1767261605000');
    expect(sessionToJson(s)).toBe(
      '{"i":"s1","u":"u1","s":1767261605000,"e":1767261607000,"n":2,"p":1,"in":"https://x/a","out":null,"em":1767261606000,"ch":true,"sup":[1767261609000]}',
    );
    expect(sessionToJson({ ...s, emittedStart: undefined, superseded: [], changed: false })).toBe(
      '{"i":"s1","u":"u1","s":1767261605000,"e":1767261607000,"n":2,"p":1,"in":"https://x/a","out":null,"em":null,"ch":false}',
    );
  });

  it('writes the meta entry under m, infinite times as null, no pos before the first', () => {
    expect(metaEntry({ maxEventMs: 5, watermark: 3, position: '17', lateCorrections: 0 })).toEqual({
      key: META_KEY,
      value: '{"max":5,"wm":3,"pos":"17"}',
    });
    expect(
      metaEntry({
        maxEventMs: Number.NEGATIVE_INFINITY,
        watermark: Number.NEGATIVE_INFINITY,
        position: undefined,
        lateCorrections: 0,
      }),
    ).toEqual({ key: 'm', value: '{"max":null,"wm":null}' });
  });

  it('adds the late-drop corrections numbered so far to the meta entry once there is one', () => {
    expect(metaEntry({ maxEventMs: 5, watermark: 3, position: '17', lateCorrections: 4 })).toEqual({
      key: META_KEY,
      value: '{"max":5,"wm":3,"pos":"17","lc":4}',
    });
  });

  it('deletes the entry a session was saved under when its start moved earlier', () => {
    const s = sampleSession();
    const out: ChangelogEntry[] = [];
    appendSessionWrites(s, out);
    expect(out.map((c) => c.key)).toEqual(['s|s1|1767261605000']);
    s.start = T0;
    appendSessionWrites(s, out);
    expect(out.slice(1)).toEqual([
      { key: 's|s1|1767261605000', value: null },
      { key: 's|s1|1767261600000', value: sessionToJson(s) },
    ]);
    expect(s.loggedKey).toBe('s|s1|1767261600000');
  });
});

describe('changelog codec: reading it back', () => {
  it("reads a meta entry's position alone, as the restore looks for it", () => {
    const m = metaEntry({ maxEventMs: 5, watermark: 3, position: '17@t.4', lateCorrections: 2 });
    expect(m.key).toBe(META_KEY);
    expect(metaEntryPosition(m.value as string)).toBe('17@t.4');
  });

  it('restores a window as saved, unchanged since', () => {
    const w = sampleWindow();
    const back = decodeEntry(windowLogKey(w), windowToJson(w));
    expect(back).toEqual({
      kind: 'window',
      window: { ...w, users: expect.anything(), changed: false, dirty: false },
    });
    if (back.kind === 'window') expect(back.window.users.toBase64()).toBe(w.users.toBase64());
  });

  it('restores a window written with a version-1 sketch (2,048 registers) and keeps counting', () => {
    // As the aggregator wrote it before the sparse mode: users u1 and u2 in the old registers.
    const registers = new Uint8Array(2048);
    for (const id of ['u1', 'u2']) {
      const h = hashUserId(id);
      const rank = Math.min(Math.clz32((h << 11) >>> 0), 21) + 1;
      registers[h >>> 21] = Math.max(registers[h >>> 21] as number, rank);
    }
    const old = Buffer.from(registers).toString('base64');
    expect(old).toHaveLength(2732);
    const value = `{"z":"1m","s":${T0},"e":${T0 + 60_000},"t":"pageview","d":"","c":2,"la":0,"ld":0,"h":"${old}","em":false,"f":false}`;
    const back = decodeEntry('w|1m|2026-01-01T10:00:00.000Z|pageview|', value);
    if (back.kind !== 'window') throw new Error('not a window');
    const users = back.window.users;
    expect([users.mode(), users.precision(), Math.round(users.estimate())]).toEqual([
      'estimate',
      11,
      2,
    ]);
    users.addHash(hashUserId('u3'));
    expect(Math.round(users.estimate())).toBe(3);
    expect(decodeEntry('w|x', windowToJson(back.window))).toMatchObject({ kind: 'window' });
  });

  it('restores a session under the key it was read from', () => {
    const s = sampleSession();
    expect(decodeEntry('s|s1|1767261605000', sessionToJson(s))).toEqual({
      kind: 'session',
      session: { ...s, dirty: false, loggedKey: 's|s1|1767261605000' },
    });
  });

  it('reads the emitted flag of sessions written before emittedStart existed', () => {
    const old = '{"i":"s1","u":"u1","s":100,"e":200,"n":1,"p":1,"in":null,"out":null,"em":true}';
    expect(decodeEntry('s|s1|100', old)).toMatchObject({
      kind: 'session',
      session: { emittedStart: 100, superseded: [], changed: false },
    });
  });

  it('reads the meta entry, null times as never seen, and skips keys it does not know', () => {
    expect(decodeEntry('m', '{"max":null,"wm":null}')).toEqual({
      kind: 'meta',
      meta: {
        maxEventMs: Number.NEGATIVE_INFINITY,
        watermark: Number.NEGATIVE_INFINITY,
        position: undefined,
        lateCorrections: 0,
      },
    });
    // Written before corrections existed: none numbered yet.
    expect(decodeEntry('m', '{"max":5,"wm":3,"pos":"17"}')).toEqual({
      kind: 'meta',
      meta: { maxEventMs: 5, watermark: 3, position: '17', lateCorrections: 0 },
    });
    expect(decodeEntry('m', '{"max":5,"wm":3,"pos":"17","lc":4}')).toMatchObject({
      meta: { lateCorrections: 4 },
    });
    expect(decodeEntry('x|future', '{}')).toEqual({ kind: 'unknown' });
  });
});
