// Stage `storage` of `sluice bench`: the real storage writer (`sluice worker storage`) on
// preloaded enriched events, once per sink with routing rules that send every event to that
// sink alone (storage:timescaledb, storage:elasticsearch, storage:redis, storage:s3), and once
// with the specification's routing table to all of them (storage:all). Each run has its own
// schema, index, key prefix and archive prefix, so no run finds another's rows already stored;
// the group starts over on the same preloaded topic. Timed by the group's committed offsets,
// which the writer moves only once every sink made the records durable (the archive included).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from '../bench/bench-context.ts';
import type { Measurement } from '../bench/bench-result.ts';
import { STORAGE_VARIANTS, type StorageVariant } from '../bench/stage-plan.ts';
import { timeWorkers } from '../bench/stages/worker-stage.ts';
import { openStoreReaders } from '../bench/store-readers.ts';

export async function benchStorage(
  ctx: BenchContext,
  variants: readonly StorageVariant[] = STORAGE_VARIANTS,
): Promise<Measurement[]> {
  const names = await ctx.topics('storage');
  await (await ctx.preloader()).produce(names.topics.enriched, await ctx.enriched(), ctx.progress);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-routing-'));
  ctx.scratch.defer('routing files', async () => rmSync(dir, { recursive: true, force: true }));
  const readers = openStoreReaders(ctx.env);
  const out: Measurement[] = [];
  try {
    for (const variant of variants) {
      const part = `storage-${variant}`;
      const env: Record<string, string> = {
        SLUICE_TOPIC_PREFIX: names.prefix,
        SEARCH_ERRORS_INDEX: ctx.scratch.index(variant),
        REDIS_KEY_PREFIX: ctx.scratch.redisPrefix(variant),
        ARCHIVE_URL: await ctx.scratch.archiveUrl(variant),
      };
      const usesDb = variant === 'all' || variant === 'timescaledb';
      if (usesDb) env.DATABASE_SCHEMA = await ctx.scratch.schema(part);
      if (variant !== 'all') {
        const file = join(dir, `${variant}.json`);
        writeFileSync(
          file,
          JSON.stringify({
            rules: [{ name: `only-${variant}`, match: { type: '*' }, destinations: [variant] }],
            unmatched: [],
          }),
        );
        env.STORAGE_ROUTING_CONFIG = file;
      }
      const { measurement } = await timeWorkers(ctx, {
        stage: `storage:${variant}`,
        part,
        roles: ['storage'],
        env,
        watch: [{ group: names.groups.storage, topic: names.topics.enriched }],
      });
      // The next run reads the same topic from the start with a fresh group.
      await (await ctx.scratch.admin()).deleteGroups([names.groups.storage]);
      const stored: Record<string, number> = {};
      if (env.DATABASE_SCHEMA)
        stored.timescaledb_rows = await readers.eventRows(env.DATABASE_SCHEMA);
      if (variant === 'all' || variant === 'elasticsearch')
        stored.search_docs = await readers.searchDocs(env.SEARCH_ERRORS_INDEX as string);
      if (variant === 'all' || variant === 's3')
        stored.archive_objects = await readers.archiveObjects(env.ARCHIVE_URL as string);
      out.push({ ...measurement, stored });
    }
  } finally {
    await readers.close();
  }
  return out;
}
