// Stage `enrichment`: the real enrichment worker (exactly once: one transaction per commit
// interval with the input offsets) on the preloaded raw events, until its group is caught up.
// Stage `enrichment:platformatic` (only when named): the same stage (pipeline, duplicate windows,
// DLQ records, metrics) on a candidate Kafka client, @platformatic/kafka, through the Kafka
// package's candidate loop, on its own copy of the events: the two rows compare the clients
// inside the real stage.
import type { BenchContext } from '../bench-context.ts';
import type { Measurement } from '../bench-result.ts';
import { timeWorkers } from './worker-stage.ts';

export async function benchEnrichment(
  ctx: BenchContext,
  client: 'shipping' | 'platformatic' = 'shipping',
): Promise<Measurement[]> {
  const candidate = client === 'platformatic';
  const part = candidate ? 'enrichment-platformatic' : 'enrichment';
  const names = await ctx.topics(part);
  await (await ctx.preloader()).produce(names.topics.raw, ctx.raw().records, ctx.progress);
  const { measurement } = await timeWorkers(ctx, {
    stage: candidate ? 'enrichment:platformatic' : 'enrichment',
    part,
    roles: ['enrichment'],
    env: { SLUICE_TOPIC_PREFIX: names.prefix, GEOIP_CITY_DB: ctx.geoip() },
    watch: [{ group: names.groups.enrichment, topic: names.topics.raw }],
    ...(candidate
      ? { args: (id: string) => ['bench', 'enrichment-candidate-child', '--worker-id', id] }
      : {}),
  });
  return [measurement];
}
