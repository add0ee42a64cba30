import { describe, expect, it } from 'vitest';
import {
  createRefusalThrottle,
  inputShape,
  REFUSED_ACTION,
  type Refusal,
  refusalRow,
} from './refusal-audit.ts';

const refusal = (over: Partial<Refusal> = {}): Refusal => ({
  path: 'users.create',
  type: 'mutation',
  code: 'FORBIDDEN',
  reason: 'requires the admin role',
  actor: 'viewer@example.test',
  sourceIp: '10.0.0.1',
  origin: null,
  rawInput: undefined,
  ...over,
});

describe('inputShape', () => {
  it('keeps kinds and sizes, never values', () => {
    const shape = inputShape({
      email: 'x@example.test',
      password: 'correct horse battery staple',
      n: 3,
      tags: ['a', 'b'],
      nested: { deep: 'secret' },
    });
    expect(shape).toEqual({
      kind: 'object',
      keyCount: 5,
      fields: {
        email: { kind: 'string', length: 14 },
        password: { kind: 'string', length: 28 },
        n: { kind: 'number' },
        tags: { kind: 'array', length: 2 },
        nested: { kind: 'object', keyCount: 1, keys: ['deep'] },
      },
    });
    expect(JSON.stringify(shape)).not.toContain('correct horse');
    expect(JSON.stringify(shape)).not.toContain('secret');
  });

  it('records prototype-pollution keys as plain keys without polluting anything', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}}');
    const shape = inputShape(input);
    expect('fields' in shape && Object.keys(shape.fields)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Stored and read back as JSON, it is still a plain key naming the attempt.
    const stored = JSON.parse(JSON.stringify(shape)) as { fields: object };
    expect(Object.getOwnPropertyDescriptor(stored.fields, '__proto__')?.value).toEqual({
      kind: 'object',
      keyCount: 1,
      keys: ['polluted'],
    });
  });

  it('is bounded: 20 fields of at most 64 characters, 5 nested key names per field', () => {
    const big = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`${i}${'n'.repeat(1000)}`, 'v']),
    );
    const input = Object.fromEntries(
      Array.from({ length: 5000 }, (_, i) => [
        `${i}${'k'.repeat(1000)}`,
        i % 2 ? big : 'v'.repeat(10_000),
      ]),
    );
    const row = refusalRow(refusal({ rawInput: input }));
    // About 4 KB at worst, whatever the request held (this one is over 10 MB).
    expect(JSON.stringify(row).length).toBeLessThan(8192);
    const shape = row.details.input;
    expect(shape.kind === 'object' && shape.keyCount).toBe(5000);
    expect('fields' in shape && Object.keys(shape.fields)).toHaveLength(20);
  });
});

describe('refusalRow', () => {
  it('names the actor, the procedure, the code, the reason and where it came from', () => {
    expect(refusalRow(refusal({ origin: 'http://evil.example' }))).toEqual({
      actor: 'viewer@example.test',
      action: REFUSED_ACTION,
      target: 'users.create',
      affected: 0,
      sourceIp: '10.0.0.1',
      details: {
        code: 'FORBIDDEN',
        type: 'mutation',
        reason: 'requires the admin role',
        origin: 'http://evil.example',
        input: { kind: 'none' },
      },
    });
  });

  it('calls a caller without a session anonymous', () => {
    expect(refusalRow(refusal({ actor: null })).actor).toBe('anonymous');
  });

  it('keeps validation issues as paths and codes, clipped and at most 10', () => {
    const issues = Array.from({ length: 50 }, (_, i) => ({
      path: ['x'.repeat(500), i],
      code: 'too_big',
    }));
    const row = refusalRow(refusal({ code: 'BAD_REQUEST', reason: 'input', issues }));
    expect(row.details.issues).toHaveLength(10);
    expect(row.details.issues?.[0]?.path.length).toBeLessThanOrEqual(201);
    expect(row.details.issues?.[0]?.code).toBe('too_big');
  });

  it('clips what a client controls: the origin, the reason and the claimed source address', () => {
    const row = refusalRow(
      refusal({
        origin: 'o'.repeat(10_000),
        reason: 'r'.repeat(10_000),
        sourceIp: 'i'.repeat(999),
      }),
    );
    expect(row.details.origin?.length).toBeLessThanOrEqual(201);
    expect(row.details.reason.length).toBeLessThanOrEqual(201);
    expect(row.sourceIp?.length).toBeLessThanOrEqual(65);
  });

  it('reports how many refusals the throttle held back before this one', () => {
    expect(refusalRow(refusal(), 7).details).toMatchObject({ suppressedBefore: 7 });
    expect(refusalRow(refusal(), 0).details).not.toHaveProperty('suppressedBefore');
  });
});

describe('createRefusalThrottle', () => {
  it('admits a number of rows per actor and minute, then counts the rest into the next row', () => {
    let t = 0;
    const throttle = createRefusalThrottle(3, () => t);
    const admitted = () =>
      Array.from({ length: 5 }, () => throttle.admit('anonymous').admitted).filter(Boolean).length;
    expect(admitted()).toBe(3);
    // Another actor has a budget of its own.
    expect(throttle.admit('viewer@example.test')).toEqual({ admitted: true, suppressedBefore: 0 });
    t = 59_999;
    expect(throttle.admit('anonymous')).toEqual({ admitted: false });
    t = 60_000;
    expect(throttle.admit('anonymous')).toEqual({ admitted: true, suppressedBefore: 3 });
    expect(throttle.admit('anonymous')).toEqual({ admitted: true, suppressedBefore: 0 });
  });
});
