// Builds the aggregator's settings from the validated environment, with `sluice aggregate`'s
// flags taking precedence, so the worker and the CLI share one parser and one set of defaults.
import {
  type AggregatorConfig,
  parseDuration,
  parseWindowSizes,
  type WindowDimension,
} from '@sluice/core';
import { ConfigError, type Env } from '../env.ts';

export interface AggregationOverrides {
  windows?: string;
  dimensions?: string;
  maxOutOfOrder?: string;
  allowedLateness?: string;
  latePolicy?: string;
  idleTimeout?: string;
  sessionGap?: string;
  retention?: string;
  maxStateEntries?: number;
}

function ms(name: string, text: string): number {
  const d = parseDuration(text);
  if (!d.ok) throw new ConfigError(`${name}: ${d.message}`);
  return d.ms;
}

export function aggregatorConfig(env: Env, o: AggregationOverrides = {}): AggregatorConfig {
  const sizes = parseWindowSizes(o.windows ?? env.AGG_WINDOWS);
  if (!sizes.ok) throw new ConfigError(`--windows: ${sizes.message}`);
  const dims = (o.dimensions ?? env.AGG_DIMENSIONS).split(',').filter((d) => d !== '');
  for (const d of dims)
    if (d !== 'country' && d !== 'device_type')
      throw new ConfigError(`--dimensions: unknown dimension '${d}' (country, device_type)`);
  const policy = o.latePolicy ?? env.AGG_LATE_POLICY;
  if (policy !== 'drop' && policy !== 'reaggregate')
    throw new ConfigError(`--late-policy: '${policy}' is neither drop nor reaggregate`);
  const maxStateEntries = o.maxStateEntries ?? env.AGG_MAX_STATE_ENTRIES;
  if (!Number.isInteger(maxStateEntries) || maxStateEntries <= 0)
    throw new ConfigError('--max-state-entries: a positive integer');
  return {
    windows: sizes.sizes,
    dimensions: dims as WindowDimension[],
    maxOutOfOrderMs: ms('--max-out-of-order', o.maxOutOfOrder ?? env.AGG_MAX_OUT_OF_ORDER),
    allowedLatenessMs: ms('--allowed-lateness', o.allowedLateness ?? env.AGG_ALLOWED_LATENESS),
    latePolicy: policy,
    idleTimeoutMs: ms('--idle-timeout', o.idleTimeout ?? env.AGG_IDLE_TIMEOUT),
    sessionGapMs: ms('--session-gap', o.sessionGap ?? env.AGG_SESSION_GAP),
    retentionMs: ms('--retention', o.retention ?? env.AGG_RETENTION),
    maxStateEntries,
  };
}
