import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, stage and worker', () => {
    const lines: string[] = [];
    const log = createLogger(
      { stage: 'enrichment', worker: 'w1' },
      { json: true, write: (l) => lines.push(l) },
    );
    log('error', 'transaction failed\nsecond line', { code: 90 });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(lines[0]?.trimEnd().includes('\n')).toBe(false);
    const record = JSON.parse(lines[0] as string);
    expect(record).toMatchObject({
      level: 'error',
      stage: 'enrichment',
      worker: 'w1',
      msg: 'transaction failed\nsecond line',
      code: 90,
    });
    expect(Number.isNaN(Date.parse(record.time))).toBe(false);
  });

  it('writes a readable line on a terminal', () => {
    const lines: string[] = [];
    const log = createLogger(
      { stage: 'storage', worker: 'w2' },
      { json: false, write: (l) => lines.push(l) },
    );
    log('warn', 'sink down');
    expect(lines[0]).toMatch(/^\S+Z WARN {2}storage: sink down\n$/);
  });
});
