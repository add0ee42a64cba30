// The live minute for the aggregates page: the open (current) minute and the one before it, as
// the storage writers count them in Redis. Both are partial: the current one is still filling,
// and the previous one still takes late events until the writers move on. Counts are by event
// time, the same buckets the window aggregates use.
import { minuteBucket } from '@sluice/core';
import type { RealtimeReader } from './realtime-reader.ts';

export interface LiveMinute {
  minute: string;
  /** 'open': the current minute; 'previous': closed on the clock, may still grow. */
  state: 'open' | 'previous';
  total: number;
  errors: number;
  /** errors / total, null without events. */
  errorRate: number | null;
  byType: { type: string; count: number }[];
  activeUsers: number;
  topPages: { url: string; pageviews: number }[];
}

export async function readLiveMinutes(
  reader: RealtimeReader,
  nowMs: number,
  topPages: number,
): Promise<{ at: string; minutes: LiveMinute[] }> {
  const slots = [
    { minute: minuteBucket(nowMs), state: 'open' as const },
    { minute: minuteBucket(nowMs - 60_000), state: 'previous' as const },
  ];
  const reads = await Promise.all(slots.map((s) => reader.liveMinute(s.minute, topPages)));
  return {
    at: new Date(nowMs).toISOString(),
    minutes: slots.map((s, i) => {
      const r = reads[i] as Awaited<ReturnType<RealtimeReader['liveMinute']>>;
      const total = Number(r.counts._all ?? 0);
      const errors = Number(r.counts._errors ?? 0);
      return {
        ...s,
        total,
        errors,
        errorRate: total > 0 ? errors / total : null,
        byType: Object.entries(r.counts)
          .filter(([k]) => !k.startsWith('_'))
          .map(([type, n]) => ({ type, count: Number(n) }))
          .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
        activeUsers: r.activeUsers,
        topPages: r.topPages.map(([url, pageviews]) => ({ url, pageviews })),
      };
    }),
  };
}
