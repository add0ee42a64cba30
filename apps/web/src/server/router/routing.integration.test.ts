// Routing versions through the console against a real PostgreSQL schema and Redis prefix: the
// list with the version in force and the version each writer reports, the draft check, the
// preview over recent stored events and over pasted ones, publish and rollback for admins only,
// each audited with the version before and after (refusals audited by the guard), and
// `sluice routing`'s refusals (unchanged rules, a version in force, one that does not exist).
import { DEFAULT_ROUTING, realtimeKeys } from '@sluice/core';
import { auditLog, events } from '@sluice/db';
import { desc, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

let h: RouterHarness;
const NOW = new Date();

beforeAll(async () => {
  h = await createRouterHarness();
}, 60_000);

afterAll(async () => {
  await h.close();
});

const v2 = {
  rules: [
    { name: 'behaviour', match: { type: ['pageview'] }, destinations: ['timescaledb'] },
    { name: 'clicks', match: { type: ['click'] }, destinations: ['elasticsearch'] },
    { name: 'archive', match: { type: '*' }, destinations: ['s3'] },
  ],
  unmatched: [],
};

describe('routing', () => {
  it('lists no version before any was published', async () => {
    expect(await h.viewer.routing.list()).toMatchObject({
      inForce: null,
      versions: [],
      writers: [],
    });
  });

  it('checks a draft as it is typed: errors name the key, warnings and the diff otherwise', async () => {
    const bad = await h.viewer.routing.check({
      draft: JSON.stringify({
        rules: [{ name: 'x', match: { type: ['a'] }, destinations: ['mysql'] }],
        unmatched: [],
      }),
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]).toMatch(/^rules\.0\.destinations\.0: /);
    const warned = await h.viewer.routing.check({
      draft: JSON.stringify({
        rules: [
          { name: 'all', match: { type: '*' }, destinations: ['s3'] },
          { name: 'pv', match: { type: ['pageview'] }, destinations: ['s3'] },
        ],
        unmatched: [],
      }),
    });
    expect(warned).toMatchObject({ ok: true, inForce: null });
    if (warned.ok) {
      expect(warned.warnings.map((w) => w.path)).toEqual(['rules.1']);
      expect(warned.diff).toContain('- rule behaviour: type pageview,click → timescaledb');
    }
  });

  it('previews a draft over recent stored events and over pasted ones, per event and in totals', async () => {
    await h.db.insert(events).values([
      {
        eventTime: new Date(NOW.getTime() - 2000),
        eventId: 'p1',
        type: 'pageview',
        userId: 'u',
        sessionId: 's',
        countryCode: 'DE',
      },
      {
        eventTime: new Date(NOW.getTime() - 1000),
        eventId: 'c1',
        type: 'click',
        userId: 'u',
        sessionId: 's',
      },
    ]);
    const recent = await h.viewer.routing.preview({ draft: JSON.stringify(v2), limit: 10 });
    expect(recent.sample).toBe('recent');
    expect(recent.events.map((e) => [e.event_id, e.inForce.join(), e.draft.join()])).toEqual([
      ['c1', 'timescaledb,redis,s3', 'elasticsearch,s3'],
      ['p1', 'timescaledb,redis,s3', 'timescaledb,s3'],
    ]);
    expect(recent.totals).toMatchObject({
      events: 2,
      changed: 2,
      byDestination: {
        timescaledb: { inForce: 2, draft: 1 },
        elasticsearch: { inForce: 0, draft: 1 },
      },
    });
    // A condition on an enriched field sees the stored geo columns.
    const de = await h.viewer.routing.preview({
      draft: JSON.stringify({
        rules: [
          {
            name: 'de',
            match: { type: '*', where: { 'geo.country_code': ['DE'] } },
            destinations: ['redis'],
          },
        ],
        unmatched: [],
      }),
    });
    expect(de.events.map((e) => [e.event_id, e.draft.join()])).toEqual([
      ['c1', ''],
      ['p1', 'redis'],
    ]);
    const pasted = await h.viewer.routing.preview({
      draft: JSON.stringify(v2),
      events: '{"event_id":"x","type":"error"}\n{"event_id":"y","type":"signup"}\n',
    });
    expect(pasted.sample).toBe('pasted');
    expect(pasted.events.map((e) => [e.event_id, e.inForce.join(), e.draft.join()])).toEqual([
      ['x', 'elasticsearch,redis,s3', 's3'],
      ['y', 'redis,s3', 's3'],
    ]);
    expect(
      await codeOf(h.viewer.routing.preview({ draft: JSON.stringify(v2), events: '{"a":' })),
    ).toBe('BAD_REQUEST');
    expect(await codeOf(h.viewer.routing.preview({ draft: '{}' }))).toBe('BAD_REQUEST');
  });

  it('publishes and rolls back for admins only, audited with the version before and after', async () => {
    expect(await codeOf(h.operator.routing.publish({ draft: JSON.stringify(v2) }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(h.viewer.routing.rollback({ version: 1 }))).toBe('FORBIDDEN');
    expect(
      await h.admin.routing.publish({ draft: JSON.stringify(DEFAULT_ROUTING), note: 'baseline' }),
    ).toEqual({
      before: null,
      after: 1,
    });
    expect(
      await h.admin.routing.publish({ draft: JSON.stringify(v2), note: 'clicks to search' }),
    ).toEqual({
      before: 1,
      after: 2,
    });
    // The same rules again, or the version already in force, change nothing.
    expect(await codeOf(h.admin.routing.publish({ draft: JSON.stringify(v2) }))).toBe('CONFLICT');
    expect(await codeOf(h.admin.routing.rollback({ version: 9 }))).toBe('NOT_FOUND');
    expect(await codeOf(h.admin.routing.publish({ draft: '{"rules": [' }))).toBe('BAD_REQUEST');
    expect(await h.admin.routing.rollback({ version: 1, note: 'undo' })).toEqual({
      before: 2,
      after: 1,
    });

    const list = await h.viewer.routing.list();
    expect(list.inForce).toMatchObject({
      version: 1,
      by: 'admin@example.test',
      action: 'rollback',
    });
    expect(list.versions.map((v) => [v.version, v.createdBy, v.note, v.source])).toEqual([
      [2, 'admin@example.test', 'clicks to search', 'console'],
      [1, 'admin@example.test', 'baseline', 'console'],
    ]);
    expect((await h.viewer.routing.get({ version: 2 }))?.config).toBe(JSON.stringify(v2, null, 2));
    expect(await h.viewer.routing.get({ version: 9 })).toBeNull();

    const rows = await h.db
      .select()
      .from(auditLog)
      .where(like(auditLog.action, 'routing.%'))
      .orderBy(desc(auditLog.id));
    expect(rows.slice(0, 3).map((r) => [r.action, r.actor, r.details])).toEqual([
      ['routing.rollback', 'admin@example.test', { before: 2, after: 1, note: 'undo' }],
      ['routing.publish', 'admin@example.test', { before: 1, after: 2, note: 'clicks to search' }],
      ['routing.publish', 'admin@example.test', { before: null, after: 1, note: 'baseline' }],
    ]);
    // The refusals above are audited too, by the guard.
    const refused = await h.db.select().from(auditLog).where(like(auditLog.target, 'routing.%'));
    expect(refused.map((r) => r.target).sort()).toEqual(
      expect.arrayContaining(['routing.publish', 'routing.rollback']),
    );
  });

  it("shows the version each writer reports with its sinks' health, stale writers left out", async () => {
    const entry = (sink: string, worker: string, version: number, at: Date) =>
      JSON.stringify({
        sink,
        worker_id: worker,
        up: true,
        pending: 0,
        last_ok_at: null,
        last_error: null,
        last_error_at: null,
        updated_at: at.toISOString(),
        routing_version: version,
      });
    await h.redis.hset(realtimeKeys.sinkHealth(h.redisPrefix), {
      'redis@w1': entry('redis', 'w1', 1, new Date()),
      's3@w1': entry('s3', 'w1', 1, new Date()),
      'redis@w2': entry('redis', 'w2', 2, new Date()),
      'redis@gone': entry('redis', 'gone', 1, new Date(Date.now() - 120_000)),
    });
    const list = await h.viewer.routing.list();
    expect(list.writers?.map((w) => [w.workerId, w.routingVersion])).toEqual([
      ['w1', 1],
      ['w2', 2],
    ]);
  });
});
