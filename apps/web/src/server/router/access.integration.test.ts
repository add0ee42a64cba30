// Every procedure refuses a request without a session (401) and one with too weak a role (403).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

let h: RouterHarness;
beforeAll(async () => {
  h = await createRouterHarness();
});
afterAll(() => h.close());

const range = {
  size: '1m' as const,
  from: '2026-01-01T00:00:00Z',
  to: '2026-01-01T01:00:00Z',
};

describe('access control', () => {
  it('answers UNAUTHORIZED to every procedure without a session', async () => {
    const calls = [
      h.anonymous.overview.summary(),
      h.anonymous.overview.history({}),
      h.anonymous.overview.eventsPerMinute({}),
      h.anonymous.overview.latency({}),
      h.anonymous.overview.sinks(),
      h.anonymous.aggregates.live({}),
      h.anonymous.groups.list(),
      h.anonymous.groups.detail({ groupId: 'storage-writers' }),
      h.anonymous.aggregates.windows(range),
      h.anonymous.audit.list({}),
      h.anonymous.users.list(),
      h.anonymous.users.create({
        email: 'x@example.test',
        password: 'p'.repeat(12),
        role: 'viewer',
      }),
    ];
    expect(await Promise.all(calls.map(codeOf))).toEqual(Array(calls.length).fill('UNAUTHORIZED'));
  });

  it('answers FORBIDDEN to admin procedures for a viewer and an operator', async () => {
    for (const caller of [h.viewer, h.operator]) {
      expect(await codeOf(caller.audit.list({}))).toBe('FORBIDDEN');
      expect(await codeOf(caller.users.list())).toBe('FORBIDDEN');
      expect(
        await codeOf(
          caller.users.create({ email: 'y@example.test', password: 'p'.repeat(12), role: 'admin' }),
        ),
      ).toBe('FORBIDDEN');
    }
  });

  it('treats an unknown role as no role at all', async () => {
    const odd = h.as({ id: 'u', email: 'odd@example.test', name: 'odd', role: 'superuser' });
    expect(await codeOf(odd.aggregates.windows(range))).toBe('FORBIDDEN');
  });

  it('lets a viewer read the viewer procedures', async () => {
    expect(await codeOf(h.viewer.aggregates.windows(range))).toBe('OK');
    expect(await codeOf(h.viewer.overview.summary())).toBe('OK');
    expect(await codeOf(h.viewer.overview.history({}))).toBe('OK');
    expect(await codeOf(h.viewer.overview.eventsPerMinute({}))).toBe('OK');
    expect(await codeOf(h.viewer.overview.latency({}))).toBe('OK');
    expect(await codeOf(h.viewer.overview.sinks())).toBe('OK');
    expect(await codeOf(h.viewer.aggregates.live({}))).toBe('OK');
  });
});
