// Which stages a `sluice bench` run takes, from its --stage list: pure, so it is tested.
import { DESTINATIONS, type Destination } from '@sluice/core';

export const STAGES = [
  'raw-consume',
  'enrichment',
  'aggregation',
  'storage',
  'pipeline',
  'latency',
];

/**
 * Stages run only when named: the enrichment stage on a candidate Kafka client (issue 13's
 * client comparison), right after the enrichment stage.
 */
export const OPT_IN_STAGES = ['enrichment:platformatic'];

/** The storage writer with one sink, or with all of them (the specification's routing). */
export type StorageVariant = Destination | 'all';
export const STORAGE_VARIANTS: readonly StorageVariant[] = [...DESTINATIONS, 'all'];

export const KNOWN_STAGES = [
  ...STAGES,
  ...OPT_IN_STAGES,
  ...STORAGE_VARIANTS.map((v) => `storage:${v}`),
];

/**
 * The stages to run, in pipeline order, and the storage variants: `storage` is every variant
 * (a quick run's default: storage:all alone), `storage:<sink>` one; they make one storage stage.
 */
export function planStages(
  wanted: readonly string[] | undefined,
  quick: boolean,
): { stages: string[]; storage: StorageVariant[] } {
  const all = wanted ?? STAGES;
  const everySink = quick && wanted === undefined ? (['all'] as const) : STORAGE_VARIANTS;
  const storage = [
    ...new Set(
      all.flatMap((s) =>
        s === 'storage'
          ? [...everySink]
          : s.startsWith('storage:')
            ? [s.slice('storage:'.length) as StorageVariant]
            : [],
      ),
    ),
  ];
  const order = STAGES.flatMap((s) => (s === 'enrichment' ? [s, ...OPT_IN_STAGES] : [s]));
  const stages = order.filter((s) => (s === 'storage' ? storage.length > 0 : all.includes(s)));
  return { stages, storage };
}
