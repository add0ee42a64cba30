// Bounds on the free-form `properties` object. Walking the parsed value is cheaper than
// serialising it again to measure it, and it can name the offending path for the DLQ.
import type { EventLimits } from './event-limits.ts';

export interface BoundsViolation {
  readonly message: string;
  /** Path relative to the properties object, as segments. */
  readonly path: readonly (string | number)[];
}

type PropertyLimits = Pick<
  EventLimits,
  'maxPropertyEntries' | 'maxPropertyDepth' | 'maxPropertyKeyLength' | 'maxPropertyStringLength'
>;

export function checkPropertyBounds(
  properties: Readonly<Record<string, unknown>>,
  limits: PropertyLimits,
): BoundsViolation | undefined {
  let entries = 0;
  const path: (string | number)[] = [];

  const visit = (value: unknown, depth: number): string | undefined => {
    if (typeof value === 'string') {
      return value.length > limits.maxPropertyStringLength
        ? `string longer than ${limits.maxPropertyStringLength} characters`
        : undefined;
    }
    if (value === null || typeof value !== 'object') return undefined;
    if (depth >= limits.maxPropertyDepth) {
      return `nested deeper than ${limits.maxPropertyDepth} levels`;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        if (++entries > limits.maxPropertyEntries) {
          return `more than ${limits.maxPropertyEntries} entries`;
        }
        const problem = visit(value[i], depth + 1);
        if (problem !== undefined) return problem;
        path.pop();
      }
      return undefined;
    }
    for (const key in value) {
      path.push(key);
      if (++entries > limits.maxPropertyEntries) {
        return `more than ${limits.maxPropertyEntries} entries`;
      }
      if (key.length > limits.maxPropertyKeyLength) {
        return `key longer than ${limits.maxPropertyKeyLength} characters`;
      }
      const problem = visit((value as Record<string, unknown>)[key], depth + 1);
      if (problem !== undefined) return problem;
      path.pop();
    }
    return undefined;
  };

  const message = visit(properties, 0);
  return message === undefined ? undefined : { message, path };
}
