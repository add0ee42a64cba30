// Stage `latency`: produce → queryable at a fixed rate below saturation (5,000 events/s by
// default) through the whole pipeline (enrichment, aggregation and storage workers as child
// processes). Measured independently of the writers: sampled events are looked up in the stores
// by id while the run goes (PostgreSQL by primary key for pageview/click, a search for
// error/exception, which counts the index's refresh), and an event's latency is from just
// before the producer was handed it to the start of the first poll that found it: an upper
// bound, at most one poll interval plus a query above the truth. The storage writers' own
// end-to-end histogram (from each event's Kafka timestamp) is read from /metrics beside it.
import { createEventGenerator } from '../../produce/event-generator.ts';
import type { BenchContext } from '../bench-context.ts';
import { usageWindow } from '../bench-context.ts';
import { BENCH_DISTRIBUTIONS } from '../bench-data.ts';
import type { Measurement } from '../bench-result.ts';
import { summariseLatencies } from '../percentiles.ts';
import { gaugeSum, histogramBound } from '../prometheus-histogram.ts';
import { openStoreReaders, type StoreReaders } from '../store-readers.ts';
import { PIPELINE_ROLES, pipelineSetup } from './pipeline.ts';

const POLL_MS = 50;
const TICK_MS = 10;
const DRAIN_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  id: string;
  timeMs: number;
  sentAt: number;
}

/** Sampled events not yet seen, per store, and the latencies of those seen. */
function createProbe(readers: StoreReaders, schema: string, index: string) {
  const rows = new Map<string, Sample>();
  const docs = new Map<string, Sample>();
  const seen = { timescaledb: [] as number[], elasticsearch: [] as number[] };
  /** Of the rows seen: produce → the writer's transaction began (the row's ingested_at). */
  const written: number[] = [];

  return {
    rows,
    docs,
    seen,
    written,
    pending: () => rows.size + docs.size,
    async poll() {
      const at = Date.now();
      const [r, d] = await Promise.all([
        readers.rowsPresent(schema, [...rows.values()].slice(0, 2000)),
        readers.docsPresent(index, [...docs.keys()].slice(0, 1000)),
      ]);
      for (const { id, writtenAtMs } of r) {
        const s = rows.get(id);
        if (s) {
          seen.timescaledb.push(at - s.sentAt);
          written.push(writtenAtMs - s.sentAt);
        }
        rows.delete(id);
      }
      for (const id of d) {
        const s = docs.get(id);
        if (s) seen.elasticsearch.push(at - s.sentAt);
        docs.delete(id);
      }
    },
  };
}

export async function benchLatency(ctx: BenchContext): Promise<Measurement[]> {
  const { names, env } = await pipelineSetup(ctx, 'latency');
  const { rate, durationS } = ctx.settings;
  const workers = PIPELINE_ROLES.map((role) => ctx.startWorker(role, 'latency', env));
  const readers = openStoreReaders(ctx.env);
  try {
    await Promise.all(workers.map((w) => w.ready));
    const producer = (await ctx.preloader()).producer;
    const next = createEventGenerator({
      seed: 29,
      startTime: Date.now(),
      clock: Date.now,
      ...BENCH_DISTRIBUTIONS,
    });
    const probe = createProbe(
      readers,
      env.DATABASE_SCHEMA as string,
      env.SEARCH_ERRORS_INDEX as string,
    );
    const check = () => {
      for (const w of workers) w.check();
    };

    /** Produces `count` events at `perSecond`, sampling one in `every` per store. */
    const produce = async (
      count: number,
      perSecond: number,
      every: { rows: number; docs: number },
    ) => {
      const started = Date.now();
      const sends: Promise<unknown>[] = [];
      let sent = 0;
      const seenOf = { rows: 0, docs: 0 };
      while (sent < count) {
        const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * perSecond) + 1);
        const messages: { key: string; value: string }[] = [];
        const samples: { sample: Sample; to: 'rows' | 'docs' }[] = [];
        for (; sent < due; sent++) {
          const r = next();
          messages.push({ key: r.key, value: r.value });
          if (r.malformed) continue;
          const e = JSON.parse(r.value) as {
            event_id: string;
            type: string;
            timestamp: string | number;
          };
          const timeMs = typeof e.timestamp === 'number' ? e.timestamp : Date.parse(e.timestamp);
          const to =
            e.type === 'pageview' || e.type === 'click'
              ? 'rows'
              : e.type === 'error' || e.type === 'exception'
                ? 'docs'
                : undefined;
          if (to && seenOf[to]++ % every[to] === 0)
            samples.push({ sample: { id: e.event_id, timeMs, sentAt: 0 }, to });
        }
        if (messages.length > 0) {
          const at = Date.now();
          for (const { sample, to } of samples) probe[to].set(sample.id, { ...sample, sentAt: at });
          sends.push(producer.send({ topic: names.topics.raw, messages }));
        }
        await sleep(TICK_MS);
      }
      await Promise.all(sends);
      return { sent, seconds: (Date.now() - started) / 1000 };
    };

    const drain = async (deadlineMs: number) => {
      while (probe.pending() > 0 && Date.now() < deadlineMs) {
        check();
        const t = Date.now();
        await probe.poll();
        await sleep(Math.max(0, POLL_MS - (Date.now() - t)));
      }
    };

    // Warm-up: the workers own their partitions and the stores answer before the clock runs.
    ctx.progress('latency: warming up (100 events, every one followed to its store)');
    await produce(100, 200, { rows: 1, docs: 1 });
    await drain(Date.now() + 120_000);
    if (probe.pending() > 0)
      throw new Error(`latency: ${probe.pending()} warm-up events never became queryable`);
    probe.seen.timescaledb.length = 0;
    probe.seen.elasticsearch.length = 0;
    probe.written.length = 0;

    ctx.progress(`latency: ${rate} events/s for ${durationS} s`);
    const usage = usageWindow(workers, ctx.brokerPids);
    usage.start();
    const count = Math.round(rate * durationS);
    let producing = true;
    const polling = (async () => {
      while (producing) {
        check();
        const t = Date.now();
        await probe.poll();
        await sleep(Math.max(0, POLL_MS - (Date.now() - t)));
      }
      await drain(Date.now() + DRAIN_MS);
    })();
    // About 200 samples a second in PostgreSQL and 50 in the search engine at 5,000 events/s.
    const produced = await produce(count, rate, {
      rows: Math.max(1, Math.round((rate * 0.93) / 200)),
      docs: Math.max(1, Math.round((rate * 0.04) / 50)),
    }).finally(() => {
      producing = false;
    });
    await polling;
    usage.end();
    const unseen = probe.pending();
    /** A note from one worker's /metrics at the window's end, or why it could not be read. */
    const fromMetrics = async (role: string, read: (text: string) => string) => {
      const w = workers.find((x) => x.role === role);
      try {
        return read(await (await fetch(`http://127.0.0.1:${w?.metricsPort()}/metrics`)).text());
      } catch (err) {
        return `; the ${role} worker's /metrics could not be read: ${(err as Error).message}`;
      }
    };
    const writer = await fromMetrics('storage', (text) => {
      const b50 = histogramBound(text, 'sluice_end_to_end_latency_seconds', 0.5);
      const b99 = histogramBound(text, 'sluice_end_to_end_latency_seconds', 0.99);
      return `; the storage writer's own histogram (Kafka timestamp → durable, warm-up included): p50 ≤ ${b50.le} s, p99 ≤ ${b99.le} s of ${b99.count}`;
    });
    // The state the aggregation worker's memory holds (its end_rss_mb) at the window's end.
    const state = await fromMetrics('aggregation', (text) => {
      const entries = gaugeSum(text, 'sluice_aggregation_state_entries');
      return entries === undefined
        ? ''
        : `; the aggregation worker held ${entries} windows and sessions at the end`;
    });
    const all = [...probe.seen.timescaledb, ...probe.seen.elasticsearch];
    return [
      {
        stage: 'latency',
        events: produced.sent,
        seconds: produced.seconds,
        ...usage.figures(),
        measuredBy: `events produced at the paced rate; latency of sampled event ids polled in the stores every ${POLL_MS} ms`,
        latency: {
          rate,
          overall: summariseLatencies(all),
          stores: {
            timescaledb: summariseLatencies(probe.seen.timescaledb),
            elasticsearch: summariseLatencies(probe.seen.elasticsearch),
            // Where PostgreSQL's time goes: before the writer's insert, or in it and after.
            timescaledb_written: summariseLatencies(probe.written),
          },
        },
        note: `CPU counted to the last sample seen${unseen > 0 ? `; ${unseen} SAMPLES NEVER SEEN within ${DRAIN_MS / 1000} s` : ''}${writer}${state}`,
      },
    ];
  } finally {
    await ctx.stopWorkers();
    await readers.close();
  }
}
