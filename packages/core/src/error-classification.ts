// Which thrown errors a retry may cure. Core only classifies; the worker owns the retry policy
// (3 attempts, exponential backoff with jitter, then the DLQ). Expected failures such as invalid
// events are outcome values and never reach this code.

/** Thrown by lookup adapters for faults that a retry may cure (a database being reloaded). */
export class TransientLookupError extends Error {
  override name = 'TransientLookupError';
}

/** Node system error codes for faults that are transient by nature. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'EAGAIN',
  'EAI_AGAIN',
  'EBUSY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EMFILE',
  'ENFILE',
  'EPIPE',
  'ETIMEDOUT',
]);

export function isRetryableError(error: unknown): boolean {
  if (error instanceof TransientLookupError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; retriable?: unknown; retryable?: unknown; name?: unknown };
  // Kafka clients mark their own errors `retriable`; other libraries use `retryable`.
  if (e.retriable === true || e.retryable === true) return true;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  return typeof e.code === 'string' && RETRYABLE_CODES.has(e.code);
}

/** A short, stable class name for the DLQ and for grouping errors in the console. */
export function errorClassOf(error: unknown): string {
  if (error instanceof Error) return error.name || error.constructor.name || 'Error';
  return error === null ? 'null' : `NonError(${typeof error})`;
}
