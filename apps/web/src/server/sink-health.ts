// Sink health as the overview shows it, from the storage writers' `sink:health` hash. Each
// writer rewrites its entries every few seconds; an entry that stopped changing belongs to a
// writer that went away, so past SINK_HEALTH_STALE_MS it is "stale" whatever it last said: a
// crashed writer must not keep reporting "up".
import { SINK_HEALTH_STALE_MS, type SinkHealth, sinkHealthSchema } from '@sluice/core';

export interface SinkHealthRow {
  key: string;
  sink: string;
  workerId: string;
  state: 'up' | 'down' | 'stale' | 'unreadable';
  pending: number | null;
  lastOkAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  updatedAt: string | null;
  /** The routing version the writer runs; null when it did not say. */
  routingVersion: number | null;
}

export function sinkHealthRows(raw: Record<string, string>, nowMs: number): SinkHealthRow[] {
  return Object.entries(raw)
    .map(([key, json]): SinkHealthRow => {
      let parsed: SinkHealth | null = null;
      try {
        const r = sinkHealthSchema.safeParse(JSON.parse(json));
        if (r.success) parsed = r.data;
      } catch {
        // not JSON: shown as unreadable below
      }
      const at = parsed ? Date.parse(parsed.updated_at) : Number.NaN;
      if (!parsed || Number.isNaN(at)) {
        const [sink = key, workerId = ''] = key.split('@');
        return {
          key,
          sink,
          workerId,
          state: 'unreadable',
          pending: null,
          lastOkAt: null,
          lastError: null,
          lastErrorAt: null,
          updatedAt: null,
          routingVersion: null,
        };
      }
      const stale = nowMs - at > SINK_HEALTH_STALE_MS;
      return {
        key,
        sink: parsed.sink,
        workerId: parsed.worker_id,
        state: stale ? 'stale' : parsed.up ? 'up' : 'down',
        pending: parsed.pending,
        lastOkAt: parsed.last_ok_at,
        lastError: parsed.last_error,
        lastErrorAt: parsed.last_error_at,
        updatedAt: parsed.updated_at,
        routingVersion: parsed.routing_version ?? null,
      };
    })
    .sort((a, b) => a.sink.localeCompare(b.sink) || a.workerId.localeCompare(b.workerId));
}
