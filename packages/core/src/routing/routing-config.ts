// The storage routing rules: which stores an enriched event is written to. Validated with zod
// at start-up (a bad file stops the worker with a message naming the key) and on every reload
// (a bad file keeps the rules in force); the default is the specification's table.
import { z } from 'zod';

export const DESTINATIONS = ['timescaledb', 'elasticsearch', 'redis', 's3'] as const;
export type Destination = (typeof DESTINATIONS)[number];

const scalar = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

const ruleSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, underscore or dash'),
    match: z
      .object({
        // `*` matches every type; such a rule does not make an event "matched" (see unmatched).
        type: z.union([z.literal('*'), z.array(z.string().min(1).max(100)).min(1).max(100)]),
        // Dotted paths into the enriched event (`geo.country_code`, `ua.is_bot`) and the values
        // they may equal; every listed field must match.
        where: z
          .record(
            z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a dotted field path'),
            z.array(scalar).min(1).max(1000),
          )
          .optional(),
      })
      .strict(),
    destinations: z.array(z.enum(DESTINATIONS)).max(DESTINATIONS.length),
  })
  .strict();

export const routingConfigSchema = z
  .object({
    rules: z.array(ruleSchema).max(1000),
    // Where an event goes when no rule naming its type matched (in addition to `*` rules).
    unmatched: z.array(z.enum(DESTINATIONS)).max(DESTINATIONS.length),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.rules.forEach((r, i) => {
      if (seen.has(r.name))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: 'duplicate rule name',
        });
      seen.add(r.name);
    });
  });

export type RoutingConfig = z.infer<typeof routingConfigSchema>;
export type RoutingRule = RoutingConfig['rules'][number];

/** The specification's table. */
export const DEFAULT_ROUTING: RoutingConfig = {
  rules: [
    { name: 'behaviour', match: { type: ['pageview', 'click'] }, destinations: ['timescaledb'] },
    { name: 'errors', match: { type: ['error', 'exception'] }, destinations: ['elasticsearch'] },
    { name: 'realtime', match: { type: '*' }, destinations: ['redis'] },
    { name: 'archive', match: { type: '*' }, destinations: ['s3'] },
  ],
  // Custom types are archived and counted (the `*` rules) but stored nowhere else.
  unmatched: [],
};

export type RoutingConfigParse =
  | { readonly ok: true; readonly config: RoutingConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Validates a parsed config file; every error names its key (`rules.2.match.type: ...`). */
export function parseRoutingConfig(input: unknown): RoutingConfigParse {
  const r = routingConfigSchema.safeParse(input);
  if (r.success) return { ok: true, config: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
  };
}
