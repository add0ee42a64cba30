// Stage `enrichment:platformatic` (only when named): the enrichment stage itself (the same
// pipeline, duplicate windows, DLQ records and metrics as the worker's) on a candidate Kafka
// client, @platformatic/kafka, through the Kafka package's candidate loop: exactly once, one
// transaction per commit interval with the input offsets. Timed like `enrichment`, on its own
// copy of the preloaded raw events, so the two rows compare the clients inside the real stage.
import type { BenchContext } from '../bench-context.ts';
import type { Measurement } from '../bench-result.ts';
import { timeWorkers } from './worker-stage.ts';

export async function benchEnrichmentCandidate(ctx: BenchContext): Promise<Measurement[]> {
  const names = await ctx.topics('enrichment-platformatic');
  await (await ctx.preloader()).produce(names.topics.raw, ctx.raw().records, ctx.progress);
  const { measurement } = await timeWorkers(ctx, {
    stage: 'enrichment:platformatic',
    part: 'enrichment-platformatic',
    roles: ['enrichment'],
    env: { SLUICE_TOPIC_PREFIX: names.prefix, GEOIP_CITY_DB: ctx.geoip() },
    watch: [{ group: names.groups.enrichment, topic: names.topics.raw }],
    args: (workerId) => ['bench', 'enrichment-candidate-child', '--worker-id', workerId],
  });
  return [measurement];
}
