// Stage `enrichment`: the real enrichment worker (exactly once: one transaction per commit
// interval with the input offsets) on the preloaded raw events, until its group is caught up.
import type { BenchContext } from '../bench-context.ts';
import type { Measurement } from '../bench-result.ts';
import { timeWorkers } from './worker-stage.ts';

export async function benchEnrichment(ctx: BenchContext): Promise<Measurement[]> {
  const names = await ctx.topics('enrichment');
  await (await ctx.preloader()).produce(names.topics.raw, ctx.raw().records, ctx.progress);
  const { measurement } = await timeWorkers(ctx, {
    stage: 'enrichment',
    part: 'enrichment',
    roles: ['enrichment'],
    env: { SLUICE_TOPIC_PREFIX: names.prefix, GEOIP_CITY_DB: ctx.geoip() },
    watch: [{ group: names.groups.enrichment, topic: names.topics.raw }],
  });
  return [measurement];
}
