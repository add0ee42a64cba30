import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createEventParser } from '../event-parser.ts';
import {
  applyMergePatch,
  planReplay,
  type ReplayCandidate,
  type ReplayPlanOptions,
  readReplayHeaders,
  replayHeaders,
  replaySinksFor,
  validateEditedEvent,
} from './replay-plan.ts';

const parse = createEventParser();
const event = (over: Record<string, unknown> = {}) => ({
  event_id: 'e-1',
  type: 'pageview',
  timestamp: '2026-11-01T10:00:00.000Z',
  user_id: 'u-1',
  session_id: 's-1',
  ...over,
});
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const candidate = (id: number, over: Partial<ReplayCandidate> = {}): ReplayCandidate => ({
  id,
  status: 'new',
  eventId: `e-${id}`,
  sourceTopic: 'p.events.raw',
  key: bytes('s-1'),
  value: bytes(event({ event_id: `e-${id}` })),
  ...over,
});
const options: ReplayPlanOptions = {
  target: { kind: 'source' },
  stageTopics: { enrichment: 'p.events.raw', storage: 'p.events.enriched' },
  parse,
};

describe('applyMergePatch', () => {
  it('merges objects, removes members set to null and replaces anything else', () => {
    expect(
      applyMergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { a: null, b: { c: 9 }, e: [2] }),
    ).toEqual({ b: { c: 9, d: 3 }, e: [2] });
    expect(applyMergePatch({ a: 1 }, 'x')).toBe('x');
  });
});

describe('validateEditedEvent', () => {
  it('accepts a valid event and returns its bytes and id', () => {
    const v = validateEditedEvent(event(), parse);
    expect(v.ok).toBe(true);
    if (v.ok) {
      expect(JSON.parse(Buffer.from(v.payload).toString())).toEqual(event());
      expect(v.eventId).toBe('e-1');
    }
  });

  it('names the field at fault', () => {
    const v = validateEditedEvent(event({ user_id: undefined }), parse);
    expect(v).toMatchObject({ ok: false, field: 'user_id', reason: 'missing_field' });
    const t = validateEditedEvent(event({ session_id: 42 }), parse);
    expect(t).toMatchObject({ ok: false, field: 'session_id' });
  });

  it('refuses what is not an object', () => {
    expect(validateEditedEvent([1, 2], parse)).toMatchObject({ ok: false, field: undefined });
  });
});

describe('planReplay', () => {
  it('sends the original bytes to the source topic, with the key', () => {
    const [item] = planReplay([candidate(1)], options);
    expect(item).toMatchObject({ action: 'send', topic: 'p.events.raw', edited: false });
    if (item?.action === 'send')
      expect(Buffer.from(item.payload)).toEqual(bytes(event({ event_id: 'e-1' })));
  });

  it('sends to the chosen stage topic', () => {
    const [item] = planReplay([candidate(1, { sourceTopic: null })], {
      ...options,
      target: { kind: 'stage', stage: 'storage' },
    });
    expect(item).toMatchObject({ action: 'send', topic: 'p.events.enriched' });
  });

  it('says why each entry is skipped', () => {
    const plan = planReplay(
      [
        candidate(1, { status: 'discarded' }),
        candidate(2, { heldBy: { jobId: 7, state: 'succeeded' } }),
        candidate(3, { heldBy: { jobId: 8, state: 'pending' } }),
        candidate(4, { eventReplayedBy: { jobId: 9, entryId: 40 } }),
        candidate(5, { value: null }),
        candidate(6, { sourceTopic: null }),
        candidate(7, { eventId: 'e-5' }),
        candidate(8, { eventId: 'e-5' }),
      ],
      options,
    );
    expect(plan.map((p) => (p.action === 'skip' ? [p.reason, p.byJobId] : ['send']))).toEqual([
      ['discarded', undefined],
      ['already-replayed', 7],
      ['in-another-job', 8],
      ['already-replayed', 9],
      ['no-payload', undefined],
      ['no-source-topic', undefined],
      ['send'],
      ['duplicate-event', undefined],
    ]);
    expect(plan[1]).toMatchObject({ detail: 'already replayed by job 7 (succeeded)' });
  });

  it('validates a merge patch per entry, naming the field of those it leaves invalid', () => {
    const plan = planReplay(
      [
        candidate(1, { value: bytes(event({ event_id: 'e-1', user_id: undefined })) }),
        candidate(2, {
          value: bytes(event({ event_id: 'e-2', user_id: undefined, session_id: 3 })),
        }),
        candidate(3, { value: bytes('{"event_id": "e-3", ') }),
      ],
      { ...options, edit: { kind: 'merge-patch', value: { user_id: 'fixed' } } },
    );
    expect(plan[0]).toMatchObject({ action: 'send', edited: true, eventId: 'e-1' });
    if (plan[0]?.action === 'send')
      expect(JSON.parse(Buffer.from(plan[0].payload).toString()).user_id).toBe('fixed');
    expect(plan[1]).toMatchObject({ action: 'skip', reason: 'payload-invalid' });
    expect(plan[1]?.action === 'skip' && plan[1].detail).toMatch(/^session_id: /);
    expect(plan[2]).toMatchObject({ action: 'skip', reason: 'payload-invalid' });
  });

  it('replaces one payload, and refuses a replacement for several entries', () => {
    const [item] = planReplay([candidate(1, { value: bytes('not json') })], {
      ...options,
      edit: { kind: 'replace', value: event({ event_id: 'e-1' }) },
    });
    expect(item).toMatchObject({ action: 'send', edited: true, eventId: 'e-1' });
    expect(() =>
      planReplay([candidate(1), candidate(2)], {
        ...options,
        edit: { kind: 'replace', value: event() },
      }),
    ).toThrow(/one entry/);
  });
});

describe('planReplay of a dead letter whose value was cut to the size bound', () => {
  const whole = bytes(event({ event_id: 'e-1', url: `https://x.test/${'a'.repeat(200)}` }));
  const cut = candidate(1, {
    value: whole.subarray(0, 120),
    valueTruncated: String(whole.byteLength),
  });

  it('skips it unedited, saying how much was kept and what to do', () => {
    const [item] = planReplay([cut], options);
    expect(item).toMatchObject({ action: 'skip', reason: 'payload-truncated' });
    expect(item?.action === 'skip' && item.detail).toBe(
      `the stored payload was cut to 120 of its ${whole.byteLength} bytes to fit the dead-letter record; replay it with an edited payload`,
    );
  });

  it('skips it by the header even when the kept bytes would parse as an event', () => {
    const [item] = planReplay([candidate(1, { valueTruncated: '2000000' })], {
      ...options,
      target: { kind: 'stage', stage: 'enrichment' },
    });
    expect(item).toMatchObject({ action: 'skip', reason: 'payload-truncated' });
  });

  it('skips it under a merge patch, which cannot complete the cut bytes', () => {
    const plan = planReplay([cut, candidate(2)], {
      ...options,
      edit: { kind: 'merge-patch', value: { user_id: 'fixed' } },
    });
    expect(plan.map((p) => (p.action === 'skip' ? p.reason : p.action))).toEqual([
      'payload-truncated',
      'send',
    ]);
    expect(plan[0]?.action === 'skip' && plan[0].detail).toMatch(/a patch cannot complete it/);
  });

  it('sends a replacement payload, validated as usual', () => {
    const [sent] = planReplay([cut], {
      ...options,
      edit: { kind: 'replace', value: event({ event_id: 'e-1' }) },
    });
    expect(sent).toMatchObject({ action: 'send', edited: true, eventId: 'e-1' });
    const [invalid] = planReplay([cut], {
      ...options,
      edit: { kind: 'replace', value: event({ event_id: 'e-1', user_id: undefined }) },
    });
    expect(invalid).toMatchObject({ action: 'skip', reason: 'payload-invalid' });
  });

  it('says so when the header does not give the original length', () => {
    const [item] = planReplay([candidate(1, { valueTruncated: 'yes' })], options);
    expect(item?.action === 'skip' && item.detail).toMatch(
      /^the stored payload was cut short \(\d+ bytes kept\)/,
    );
  });
});

describe('replay headers', () => {
  it('round-trip through a consumed record, bytes or text', () => {
    const h = replayHeaders(3, 44, ['elasticsearch']);
    expect(h).toEqual({
      'sluice-replay-job': '3',
      'sluice-replay-entry': '44',
      'sluice-replay-sinks': 'elasticsearch',
    });
    const consumed = Object.entries(h).map(([k, v]) => ({ [k]: Buffer.from(v) }));
    expect(readReplayHeaders(consumed)).toEqual({
      job: '3',
      entry: '44',
      sinks: ['elasticsearch'],
    });
    expect(readReplayHeaders([{ 'sluice-replay-job': '3', 'sluice-replay-entry': '5' }])).toEqual({
      job: '3',
      entry: '5',
    });
    expect(readReplayHeaders([{ other: 'x' }])).toBeUndefined();
    expect(readReplayHeaders(undefined)).toBeUndefined();
  });

  it('send a storage-stage failure only to the sink that refused it, and only at the storage input', () => {
    expect(
      replaySinksFor('storage:elasticsearch', 'p.events.enriched', 'p.events.enriched'),
    ).toEqual(['elasticsearch']);
    expect(
      replaySinksFor('storage:elasticsearch', 'p.events.raw', 'p.events.enriched'),
    ).toBeUndefined();
    expect(replaySinksFor('enrichment', 'p.events.enriched', 'p.events.enriched')).toBeUndefined();
    expect(replaySinksFor(null, 'p.events.enriched', 'p.events.enriched')).toBeUndefined();
  });
});
