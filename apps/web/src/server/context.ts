// The fetch adapter's context: the session from the request's cookie plus the process-wide
// clients, handed to the testable createContextInner.
import 'server-only';
import {
  getAuth,
  getDb,
  getKafka,
  getPipeline,
  getRealtime,
  getThroughputSampler,
} from './services.ts';
import { getSessionUser } from './session.ts';
import { createContextInner } from './trpc.ts';

export async function createContext(opts: { headers: Headers }) {
  return createContextInner({
    db: getDb(),
    auth: getAuth(),
    kafka: getKafka(),
    throughput: getThroughputSampler(),
    realtime: getRealtime(),
    pipeline: getPipeline(),
    user: await getSessionUser(opts.headers),
    sourceIp: opts.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? null,
  });
}
