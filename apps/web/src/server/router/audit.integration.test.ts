import { auditLog } from '@sluice/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

let h: RouterHarness;
beforeAll(async () => {
  h = await createRouterHarness();
  await h.db.insert(auditLog).values(
    Array.from({ length: 5 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 2, 1, 10, i)),
      actor: i % 2 ? 'ops@example.test' : 'admin@example.test',
      action: 'dlq.replay',
      target: `signature-${i}`,
      affected: i * 10,
    })),
  );
});
afterAll(() => h.close());

describe('audit.list', () => {
  it('lists newest first with keyset pages for an admin', async () => {
    const first = await h.admin.audit.list({ limit: 3 });
    expect(first.items.map((e) => e.target)).toEqual(['signature-4', 'signature-3', 'signature-2']);
    expect(first.nextCursor).toBeDefined();
    const second = await h.admin.audit.list({ limit: 3, cursor: first.nextCursor });
    expect(second.items.map((e) => e.target)).toEqual(['signature-1', 'signature-0']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('filters by actor', async () => {
    const r = await h.admin.audit.list({ actor: 'ops@example.test' });
    expect(r.items.map((e) => e.affected)).toEqual([30, 10]);
  });
});
