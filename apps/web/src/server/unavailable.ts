// A backing service that did not answer: 503 to the client (which retries, then shows the
// panel's error state), not a fault to log.
import { TRPCError } from '@trpc/server';

export function unavailable(service: string, err: unknown): TRPCError {
  return new TRPCError({
    code: 'SERVICE_UNAVAILABLE',
    message: `${service} unreachable: ${err instanceof Error ? err.message : String(err)}`,
    cause: err,
  });
}
