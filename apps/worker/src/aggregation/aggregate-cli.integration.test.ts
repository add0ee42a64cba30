// `sluice aggregate` as users run it (the real CLI, events on stdin): events far beyond the
// retention are reported in their windows' late_dropped, and small windows' unique users are
// exact. Expected values are computed here from the input, not by the aggregator's code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

function aggregate(args: string[], input: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'aggregate', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    // 'close', not 'exit': the last lines of stdout may still be in the pipe at exit.
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const SIZES = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };
const LATE = 30;

interface Line {
  window_size: string;
  window_start: string;
  type: string;
  count?: number;
  unique_users?: number;
  unique_users_mode?: string;
  late_dropped: number;
  correction?: number;
}

describe('sluice aggregate', () => {
  it('counts events far beyond the retention in their windows’ late_dropped', async () => {
    // Three hours of on-time pageviews, one every 2 s (5,400 lines: the command reads 2,000 a
    // batch, so the 10:xx windows are purged two batches before the end), then 30 events from
    // 10:05, when the watermark is near 13:00: past every size's end + retention (1h).
    const events: { event_id: string; type: string; timestamp: string; user_id: string }[] = [];
    for (let t = 0; t < 3 * 3600_000; t += 2_000)
      events.push({
        event_id: `e${t}`,
        type: 'pageview',
        timestamp: new Date(T0 + t).toISOString(),
        user_id: `u${(t / 2_000) % 37}`,
      });
    for (let k = 0; k < LATE; k++)
      events.push({
        event_id: `late${k}`,
        type: 'pageview',
        timestamp: new Date(T0 + 5 * 60_000 + k * 100).toISOString(),
        user_id: `late-user-${k}`,
      });
    const input = events.map((e) => JSON.stringify({ ...e, session_id: `s-${e.user_id}` }));

    const r = await aggregate(
      ['--windows', '1m,5m,1h', '--max-out-of-order', '30s', '--retention', '1h'],
      `${input.join('\n')}\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `${LATE} dropped late (${LATE} past retention, in correction lines)`,
    );

    // A window's result: its last line, plus every correction line for it.
    const windows = new Map<string, Line>();
    const corrections = new Map<string, number>();
    for (const text of r.stdout.trim().split('\n')) {
      const line = JSON.parse(text) as Line;
      const key = `${line.window_size}|${line.window_start}|${line.type}`;
      if (line.correction === undefined) windows.set(key, line);
      else {
        // A correction carries only what it corrects.
        expect(line.count).toBeUndefined();
        corrections.set(key, (corrections.get(key) ?? 0) + line.late_dropped);
      }
    }
    const lateDropped = (key: string) =>
      (windows.get(key)?.late_dropped ?? 0) + (corrections.get(key) ?? 0);

    for (const [size, ms] of Object.entries(SIZES)) {
      const start = new Date(Math.floor((T0 + 5 * 60_000) / ms) * ms).toISOString();
      expect(lateDropped(`${size}|${start}|pageview`), size).toBe(LATE);
    }
    // Their state was gone: the drops are in corrections, the windows' own records say 0.
    expect(corrections.size).toBe(3);
    expect(windows.get('1m|2026-01-01T10:05:00.000Z|pageview')?.late_dropped).toBe(0);
    // No other window dropped anything.
    const total = [...windows.keys(), ...corrections.keys()]
      .filter((k, i, all) => all.indexOf(k) === i)
      .reduce((n, k) => n + lateDropped(k), 0);
    expect(total).toBe(3 * LATE);

    // Unique users exactly, from the on-time input: 30 of the 37 users in a minute, 37 an hour.
    for (const [key, w] of windows) {
      const start = Date.parse(w.window_start);
      const ms = SIZES[w.window_size as keyof typeof SIZES];
      const users = new Set(
        events
          .filter((e) => !e.event_id.startsWith('late'))
          .filter((e) => Date.parse(e.timestamp) >= start && Date.parse(e.timestamp) < start + ms)
          .map((e) => e.user_id),
      );
      expect([key, w.unique_users, w.unique_users_mode]).toEqual([key, users.size, 'exact']);
    }
    // A CLI process from a cold start: 5 s (vitest's default) was not enough in a clean clone.
  }, 60_000);
});
