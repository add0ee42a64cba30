// The pipeline as the console reads it: the contract's names (@sluice/core pipeline-contract.ts)
// under the configured prefix, the configured window sizes, and the lag monitor's thresholds.
// Built once from env.ts and passed to the routers through the context, so tests can give their
// own.
import {
  DEFAULT_WINDOW_SIZES,
  type PipelineNames,
  parseWindowSizes,
  pipelineNames,
  type StatusThresholds,
  type WindowSize,
} from '@sluice/core';

export interface ConsolePipeline {
  names: PipelineNames;
  /** Smallest first; the sizes the aggregation workers emit. */
  windowSizes: readonly [WindowSize, ...WindowSize[]];
  lagThresholds: StatusThresholds;
}

export interface ConsolePipelineConfig {
  topicPrefix?: string;
  windowSizes?: readonly WindowSize[];
  lagThresholds?: StatusThresholds;
}

/** Unset parts take the contract's defaults (no prefix, 1m,5m,1h, no thresholds). */
export function consolePipeline(config: ConsolePipelineConfig = {}): ConsolePipeline {
  const sizes = config.windowSizes ?? defaultSizes();
  const [smallest, ...rest] = [...sizes].sort((a, b) => a.ms - b.ms);
  if (!smallest) throw new Error('the console needs at least one window size');
  return {
    names: pipelineNames(config.topicPrefix ?? ''),
    windowSizes: [smallest, ...rest],
    lagThresholds: config.lagThresholds ?? {},
  };
}

function defaultSizes(): WindowSize[] {
  const parsed = parseWindowSizes(DEFAULT_WINDOW_SIZES);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.sizes;
}

/** Every consumer group of the pipeline. */
export const pipelineGroups = (p: ConsolePipeline): string[] => Object.values(p.names.groups);
