import { SINK_HEALTH_STALE_MS, type SinkHealth } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { sinkHealthRows } from './sink-health.ts';

const now = Date.parse('2026-03-01T10:00:00Z');
const entry = (o: Partial<SinkHealth> & Pick<SinkHealth, 'sink' | 'worker_id'>): string =>
  JSON.stringify({
    up: true,
    pending: 0,
    last_ok_at: '2026-03-01T09:59:59Z',
    last_error: null,
    last_error_at: null,
    updated_at: new Date(now - 1000).toISOString(),
    ...o,
  } satisfies SinkHealth);

describe('sinkHealthRows', () => {
  it('reports up and down from fresh entries, and a silent writer as stale even if it said up', () => {
    const rows = sinkHealthRows(
      {
        'timescale@w1': entry({ sink: 'timescale', worker_id: 'w1' }),
        'search@w1': entry({ sink: 'search', worker_id: 'w1', up: false, pending: 40 }),
        'timescale@w0': entry({
          sink: 'timescale',
          worker_id: 'w0',
          updated_at: new Date(now - SINK_HEALTH_STALE_MS - 1).toISOString(),
        }),
      },
      now,
    );
    expect(rows.map((r) => [r.key, r.state, r.pending])).toEqual([
      ['search@w1', 'down', 40],
      ['timescale@w0', 'stale', 0],
      ['timescale@w1', 'up', 0],
    ]);
  });

  it('shows an entry it cannot read as unreadable, not as healthy', () => {
    const rows = sinkHealthRows({ 'redis@w2': '{"sink":"redis"' }, now);
    expect(rows).toMatchObject([{ sink: 'redis', workerId: 'w2', state: 'unreadable' }]);
  });
});
