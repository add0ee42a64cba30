// Builds the Enrichment pipeline from configuration; shared by `sluice enrich` and the worker.
import { ConfigError, defaultWorkerId, type Env } from '../env.ts';
import { APP_VERSION } from '../version.ts';
import { createEnrichmentPipeline, type EnrichmentPipeline } from './enrichment-pipeline.ts';
import { type GeoDatabase, openGeoDatabase } from './geoip-database.ts';

export function setupEnrichment(
  env: Env,
  overrides: { geoipPath?: string; workerId?: string; onGeoError?: (err: Error) => void } = {},
): { pipeline: EnrichmentPipeline; geo: GeoDatabase; workerId: string } {
  const path = overrides.geoipPath ?? env.GEOIP_CITY_DB;
  if (!path) {
    throw new ConfigError(
      'GEOIP_CITY_DB is not set: point it at a GeoIP2 or GeoLite2 City .mmdb file (for a test database: pnpm sluice geoip build-test-db)',
    );
  }
  const geo = openGeoDatabase(path, {
    pollMs: env.GEOIP_RELOAD_CHECK_MS,
    ...(overrides.onGeoError ? { onError: overrides.onGeoError } : {}),
  });
  const workerId = overrides.workerId ?? defaultWorkerId(env);
  const pipeline = createEnrichmentPipeline({
    geo,
    config: { unknownFields: env.ENRICH_UNKNOWN_FIELDS },
    geoCacheSize: env.GEOIP_CACHE_SIZE,
    uaCacheSize: env.UA_CACHE_SIZE,
    workerId,
    appVersion: APP_VERSION,
    now: Date.now,
  });
  return { pipeline, geo, workerId };
}

/** The duplicate windows the environment asks for (ENRICH_DEDUP_*); undefined: off. */
export function dedupOptions(env: Env) {
  return env.ENRICH_DEDUP_HORIZON_MS > 0
    ? {
        horizonMs: env.ENRICH_DEDUP_HORIZON_MS,
        maxIds: env.ENRICH_DEDUP_MAX_IDS,
        parser: { unknownFields: env.ENRICH_UNKNOWN_FIELDS },
      }
    : undefined;
}
