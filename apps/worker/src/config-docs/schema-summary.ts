// Turns one zod field into the "Default" and "Allowed" cells of the configuration reference. The
// bounds come from zod's own JSON Schema (z.toJSONSchema), which is stable public API; what JSON
// Schema cannot say (a URL's schemes, a refinement's or a pattern's message) is read from the
// field's zod definition.
import { z } from 'zod';

/** The subset of JSON Schema that zod emits for Sluice's config fields. */
export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  description?: string;
}

export function toJson(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** `|` would end a Markdown table cell, even inside a code span. */
export const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** A Markdown table with padded columns, as Biome formats it (so `biome ci` leaves it alone). */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export const code = (text: string): string => (text === '' ? '`""` (empty)' : `\`${text}\``);

export function defaultCell(json: JsonSchema): string {
  if (!('default' in json)) return 'unset';
  const d = json.default;
  return code(typeof d === 'string' ? d : JSON.stringify(d));
}

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      innerType?: z.ZodType;
      options?: z.ZodType[];
      checks?: { _zod: { def: { error?: (issue: unknown) => unknown } } }[];
      protocol?: RegExp;
    };
  };
}
const def = (s: z.ZodType) => (s as unknown as ZodInternals)._zod.def;

/** The field under its default/optional wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  let inner = s;
  while (['default', 'optional'].includes(def(inner).type)) {
    const next = def(inner).innerType;
    if (!next) break;
    inner = next;
  }
  return inner;
}

/** The messages a field's checks were given (`.regex(re, msg)`, `.refine(fn, msg)`). */
function checkMessages(s: z.ZodType): string[] {
  return (def(s).checks ?? [])
    .map((c) => c._zod.def.error?.({}))
    .filter((m): m is string => typeof m === 'string');
}

const SCHEMES = ['http', 'https', 'postgres', 'postgresql', 'redis', 'rediss', 's3', 'file'];

function range(lo: number | undefined, hi: number | undefined, unit: string): string {
  if (lo !== undefined && hi !== undefined) return `${lo}–${hi}${unit}`;
  if (lo !== undefined) return `≥ ${lo}${unit}`;
  if (hi !== undefined) return `≤ ${hi}${unit}`;
  return '';
}

/** What values a JSON Schema node admits, in words; `field` adds what only zod knows. */
export function allowedText(json: JsonSchema, field?: z.ZodType): string {
  const inner = field ? unwrap(field) : undefined;
  if (json.enum) return `one of ${json.enum.map((v) => code(String(v))).join(', ')}`;
  if ('const' in json) return code(String(json.const));
  if (json.anyOf) {
    const options = inner ? def(inner).options : undefined;
    return json.anyOf.map((o, i) => allowedText(o, options?.[i])).join(', or ');
  }
  switch (json.type) {
    case 'integer': {
      const lo = json.minimum ?? (json.exclusiveMinimum ?? Number.NaN) + 1;
      // zod bounds every integer by the largest safe one: no bound a reader needs to know.
      const hi = json.maximum === Number.MAX_SAFE_INTEGER ? undefined : json.maximum;
      return `integer ${range(Number.isNaN(lo) ? undefined : lo, hi, '')}`.trim();
    }
    case 'number':
      return `number ${range(json.minimum, json.maximum, '')}`.trim();
    case 'boolean':
      return '`true` or `false`';
    case 'null':
      return '`null`';
    case 'array': {
      const items = json.items ? allowedText(json.items) : 'anything';
      const count = range(json.minItems, json.maxItems, ' items');
      return `list of (${items})${count ? `, ${count}` : ''}`;
    }
    case 'object':
      return 'object';
    case 'string': {
      const protocol = inner ? def(inner).protocol : undefined;
      if (json.format === 'uri') {
        const schemes = protocol ? SCHEMES.filter((s) => protocol.test(s)) : [];
        return schemes.length > 0
          ? `URL: ${schemes.map((s) => `\`${s}://\``).join(' or ')}`
          : 'URL';
      }
      const parts = inner ? checkMessages(inner) : [];
      if (parts.length === 0 && json.pattern) parts.push(`matching \`${json.pattern}\``);
      const length =
        json.minLength === 1 && json.maxLength === undefined
          ? 'not empty'
          : range(json.minLength, json.maxLength, ' characters');
      if (length) parts.push(length);
      return parts.length > 0 ? parts.join('; ') : 'text';
    }
    default:
      return 'any value';
  }
}
