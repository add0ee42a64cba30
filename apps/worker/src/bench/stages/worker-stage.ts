// Times real workers from preloaded input to caught up: start them (`sluice worker <role>`),
// wait until they run, then from the first commit of the first watched group to the poll that
// finds every watched group at the end of its topic, with the workers' CPU and peak RSS read
// at both ends. Shared by the enrichment, aggregation, storage and pipeline stages.
import type { BenchContext } from '../bench-context.ts';
import { usageWindow } from '../bench-context.ts';
import type { Measurement } from '../bench-result.ts';
import { type GroupTopic, timeCatchUp } from '../group-progress.ts';
import type { WorkerProcess } from '../worker-process.ts';

export interface WorkerStageOptions {
  stage: string;
  part: string;
  roles: string[];
  env: Record<string, string>;
  watch: GroupTopic[];
  /** The CLI arguments of each worker, when not `worker <role>`. */
  args?: (workerId: string) => string[];
}

export async function timeWorkers(
  ctx: BenchContext,
  o: WorkerStageOptions,
): Promise<{ measurement: Measurement; workers: WorkerProcess[] }> {
  const workers = o.roles.map((role) => ctx.startWorker(role, o.part, o.env, o.args));
  try {
    await Promise.all(workers.map((w) => w.ready));
    ctx.progress(`${o.stage}: ${o.roles.join(', ')} running; timing until caught up`);
    const fromReady = usageWindow(workers, ctx.brokerPids);
    fromReady.start();
    const readyAt = performance.now();
    const usage = usageWindow(workers, ctx.brokerPids);
    const r = await timeCatchUp({
      admin: await ctx.scratch.admin(),
      watch: o.watch,
      timeoutMs: ctx.settings.timeoutS * 1000,
      readyAt,
      onStart: () => usage.start(),
      onEnd: () => {
        fromReady.end();
        usage.end();
      },
      check: () => {
        for (const w of workers) w.check();
      },
      progress: (m) => ctx.progress(`${o.stage}: ${m}`),
    });
    ctx.progress(`${o.stage}: caught up, ${r.events} events in ${r.seconds.toFixed(2)} s`);
    return {
      measurement: {
        stage: o.stage,
        events: r.events,
        seconds: r.seconds,
        ...(r.fromReady ? fromReady : usage).figures(),
        measuredBy: `committed offsets of ${o.watch[0]?.group.slice(o.watch[0].group.lastIndexOf('.') + 1)} on its input, ${r.fromReady ? 'workers ready (it caught up in its first commit)' : 'first commit'} to caught up`,
      },
      workers,
    };
  } finally {
    await ctx.stopWorkers();
  }
}
