// How long until a consumer group catches up, from how fast its total lag fell over the recent
// samples. Null when the lag is not falling (or unknown): a projection would be fiction.
import type { LagPoint } from './lag-trend.ts';

export type Drain =
  | { state: 'caught-up' }
  | { state: 'draining'; seconds: number }
  | { state: 'not-draining' }
  | { state: 'unknown' };

export function timeToDrain(points: LagPoint[], windowMs: number): Drain {
  const known = points.filter((p): p is LagPoint & { offsetLag: number } => p.offsetLag !== null);
  const last = known.at(-1);
  if (!last) return { state: 'unknown' };
  if (last.offsetLag === 0) return { state: 'caught-up' };
  const first = known.find((p) => p.t >= last.t - windowMs);
  if (!first || first === last) return { state: 'unknown' };
  const perMs = (first.offsetLag - last.offsetLag) / (last.t - first.t);
  if (perMs <= 0) return { state: 'not-draining' };
  return { state: 'draining', seconds: last.offsetLag / perMs / 1000 };
}
