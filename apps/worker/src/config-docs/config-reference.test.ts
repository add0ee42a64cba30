import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envSchema } from '../env.ts';
import { CONFIG_DOC_PATH, renderConfigReference } from './config-reference.ts';
import { allowedText, defaultCell, toJson } from './schema-summary.ts';

describe('docs/configuration.md', () => {
  it('is what the schemas generate (run `pnpm docs:config` after changing env.ts or routing)', () => {
    const committed = readFileSync(
      join(import.meta.dirname, '../../../..', CONFIG_DOC_PATH),
      'utf8',
    );
    expect(committed).toBe(renderConfigReference());
  });

  it('lists every environment variable of the env schema with its description', () => {
    const text = renderConfigReference();
    for (const [name, field] of Object.entries(envSchema.shape)) {
      expect(field.description, name).toBeTruthy();
      expect(text).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
    }
  });

  it('is deterministic', () => {
    expect(renderConfigReference()).toBe(renderConfigReference());
  });
});

describe('schema summary', () => {
  const summary = (s: z.ZodType) => {
    const j = toJson(z.object({ x: s })).properties?.x ?? {};
    return { default: defaultCell(j), allowed: allowedText(j, s) };
  };

  it('gives integer ranges, exclusive minimums as the next integer', () => {
    expect(summary(z.coerce.number().int().positive().max(1024).default(12))).toEqual({
      default: '`12`',
      allowed: 'integer 1–1024',
    });
  });

  it("names a URL's schemes and an enum's values", () => {
    expect(summary(z.url({ protocol: /^rediss?$/ })).allowed).toBe(
      'URL: `redis://` or `rediss://`',
    );
    expect(summary(z.enum(['drop', 'reaggregate']).default('drop'))).toEqual({
      default: '`drop`',
      allowed: 'one of `drop`, `reaggregate`',
    });
  });

  it("uses a pattern's or a refinement's message, and says when there is no default", () => {
    expect(
      summary(
        z
          .string()
          .regex(/^[a-z]+$/, 'lower-case letters')
          .optional(),
      ),
    ).toEqual({
      default: 'unset',
      allowed: 'lower-case letters',
    });
    expect(summary(z.string().refine(() => true, 'a duration such as 30s')).allowed).toBe(
      'a duration such as 30s',
    );
    expect(summary(z.string().default('')).default).toBe('`""` (empty)');
  });
});
