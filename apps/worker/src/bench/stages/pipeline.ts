// Stage `pipeline`: raw events to every store. The enrichment, aggregation and storage workers
// run together as child processes (the specification's routing table: PostgreSQL, the search
// engine, Redis, the S3 archive) on preloaded raw events, timed from the enrichment group's
// first commit until every group is caught up on every topic it reads; the storage writers
// commit only what every sink made durable, so then every store holds every event. The stores
// are read back after.
import type { BenchContext } from '../bench-context.ts';
import type { Measurement } from '../bench-result.ts';
import { openStoreReaders } from '../store-readers.ts';
import { timeWorkers } from './worker-stage.ts';

/** Topics and every store of one part of the run, and the workers' environment for them. */
export async function pipelineSetup(ctx: BenchContext, part: string) {
  const names = await ctx.topics(part);
  const env: Record<string, string> = {
    SLUICE_TOPIC_PREFIX: names.prefix,
    GEOIP_CITY_DB: ctx.geoip(),
    DATABASE_SCHEMA: await ctx.scratch.schema(part),
    SEARCH_ERRORS_INDEX: ctx.scratch.index(part),
    REDIS_KEY_PREFIX: ctx.scratch.redisPrefix(part),
    ARCHIVE_URL: await ctx.scratch.archiveUrl(part),
  };
  return { names, env };
}

export const PIPELINE_ROLES = ['enrichment', 'aggregation', 'storage'];

export async function benchPipeline(ctx: BenchContext): Promise<Measurement[]> {
  const { names, env } = await pipelineSetup(ctx, 'pipeline');
  const raw = ctx.raw();
  await (await ctx.preloader()).produce(names.topics.raw, raw.records, ctx.progress);
  const { topics: t, groups: g } = names;
  const { measurement } = await timeWorkers(ctx, {
    stage: 'pipeline',
    part: 'pipeline',
    roles: PIPELINE_ROLES,
    env,
    watch: [
      { group: g.enrichment, topic: t.raw },
      { group: g.aggregation, topic: t.enriched },
      { group: g.storage, topic: t.enriched },
      { group: g.storage, topic: t.aggregates },
      { group: g.storage, topic: t.sessions },
    ],
  });
  const readers = openStoreReaders(ctx.env);
  try {
    const types = raw.profile.types;
    const expected = {
      timescaledb: (types.pageview ?? 0) + (types.click ?? 0),
      search: (types.error ?? 0) + (types.exception ?? 0),
    };
    const stored = {
      timescaledb_rows: await readers.eventRows(env.DATABASE_SCHEMA as string),
      search_docs: await readers.searchDocs(env.SEARCH_ERRORS_INDEX as string),
      archive_objects: await readers.archiveObjects(env.ARCHIVE_URL as string),
    };
    const short =
      stored.timescaledb_rows < expected.timescaledb || stored.search_docs < expected.search;
    return [
      {
        ...measurement,
        stored,
        note: `the generator made ${expected.timescaledb} well-formed pageview/click and ${expected.search} error/exception events${short ? ': the stores hold FEWER' : ''}`,
      },
    ];
  } finally {
    await readers.close();
  }
}
