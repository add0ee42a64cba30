// Stage `raw-consume`: the client's ceiling here. A child process consumes the preloaded
// events.raw with the native batch API the stages use (@sluice/kafka's stage consumer, the
// enrichment batch size, read_committed) and JSON.parses each value, nothing else. It counts
// what it consumed itself (no commits), timed from its first batch to the last event, and
// reads its own CPU and peak RSS from /proc like the other stages.
import { createStageConsumer, type StageConsumer } from '@sluice/kafka';
import type { BenchContext } from '../bench-context.ts';
import type { Measurement } from '../bench-result.ts';
import { loadAverage } from '../machine-info.ts';
import { readUsage } from '../proc-usage.ts';
import { spawnSluice } from '../worker-process.ts';

export interface RawConsumeReport {
  events: number;
  seconds: number;
  cpuMs: number;
  peakRssMb: number;
  parsed: number;
}

/** The child's side (`sluice bench raw-consume-child`): prints a RawConsumeReport on stdout. */
export async function consumeAndParse(o: {
  brokers: string[];
  topic: string;
  group: string;
  events: number;
  maxBatch: number;
  timeoutMs: number;
}): Promise<RawConsumeReport> {
  let consumer: StageConsumer | undefined;
  consumer = await createStageConsumer({
    brokers: o.brokers,
    clientId: `${o.group}-reader`,
    groupId: o.group,
    maxBatch: o.maxBatch,
    onAssign: (tps) => consumer?.assign(tps),
    onRevoke: (tps) => consumer?.unassign(tps),
    log: () => {},
  });
  try {
    consumer.subscribe([o.topic]);
    const deadline = Date.now() + o.timeoutMs;
    let seen = 0;
    let timed = 0;
    let parsed = 0;
    let start: { at: number; cpuMs: number } | undefined;
    while (seen < o.events) {
      if (Date.now() > deadline) throw new Error(`only ${seen} of ${o.events} events consumed`);
      const batch = await consumer.consume();
      if (batch.length === 0) continue;
      if (!start) start = { at: performance.now(), cpuMs: readUsage(process.pid).cpuMs };
      else timed += batch.length;
      seen += batch.length;
      for (const m of batch) {
        try {
          JSON.parse((m.value as Buffer).toString('utf8'));
          parsed++;
        } catch {
          // a malformed event: the stage would dead-letter it
        }
      }
    }
    const end = performance.now();
    const usage = readUsage(process.pid);
    return {
      // The first batch arrived before the clock started: it is not counted.
      events: timed,
      seconds: (end - (start?.at ?? end)) / 1000,
      cpuMs: usage.cpuMs - (start?.cpuMs ?? usage.cpuMs),
      peakRssMb: usage.peakRssMb,
      parsed,
    };
  } finally {
    await consumer.disconnect();
  }
}

export async function benchRawConsume(ctx: BenchContext): Promise<Measurement[]> {
  const names = await ctx.topics('raw-consume');
  const raw = ctx.raw();
  await (await ctx.preloader()).produce(names.topics.raw, raw.records, ctx.progress);
  ctx.progress('raw-consume: consuming and parsing in a child process');
  const child = spawnSluice(
    [
      'bench',
      'raw-consume-child',
      '--topic',
      names.topics.raw,
      '--group',
      `${names.prefix}raw-reader`,
      '--records',
      String(raw.records.length),
      '--within',
      String(ctx.settings.timeoutS),
    ],
    { env: ctx.settings.workerEnv, nodeArgs: ctx.settings.nodeArgs },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const code = await new Promise<number | null>((r) => child.once('close', r));
  if (code !== 0) throw new Error(`raw-consume child failed (${code}):\n${err.slice(-2000)}`);
  const report = JSON.parse(out) as RawConsumeReport;
  return [
    {
      stage: 'raw-consume',
      events: report.events,
      seconds: report.seconds,
      cpuMs: { reader: report.cpuMs },
      peakRssMb: { reader: report.peakRssMb },
      measuredBy: "the consumer's own count, first batch to last event",
      loadAvg: loadAverage(),
      note: `batches of up to ${ctx.env.ENRICH_MAX_BATCH} (ENRICH_MAX_BATCH), ${report.parsed} of ${raw.records.length} values parsed as JSON`,
    },
  ];
}
