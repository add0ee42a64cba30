// Stage `aggregation`: the real aggregation worker (windows, sessions, changelog, exactly once)
// on preloaded enriched events (made from the raw events by the real enrichment pipeline),
// until its group is caught up.
import type { BenchContext } from '../bench-context.ts';
import type { Measurement } from '../bench-result.ts';
import { timeWorkers } from './worker-stage.ts';

export async function benchAggregation(ctx: BenchContext): Promise<Measurement[]> {
  const names = await ctx.topics('aggregation');
  await (await ctx.preloader()).produce(names.topics.enriched, await ctx.enriched(), ctx.progress);
  const { measurement } = await timeWorkers(ctx, {
    stage: 'aggregation',
    part: 'aggregation',
    roles: ['aggregation'],
    env: { SLUICE_TOPIC_PREFIX: names.prefix },
    watch: [{ group: names.groups.aggregation, topic: names.topics.enriched }],
  });
  return [measurement];
}
