// The fetch adapter's context: the session from the request's cookie, where the request says it
// comes from (for the CSRF rule) and the process-wide clients, handed to the testable
// createContextInner.
import 'server-only';
import { clientIpFrom } from '@sluice/auth';
import { env } from '../env.ts';
import { requestOriginFrom } from './auth/csrf.ts';
import { createRefusalThrottle } from './auth/refusal-audit.ts';
import { peerAddressOf } from './peer-address.ts';
import {
  getAuth,
  getControls,
  getDb,
  getKafka,
  getOffsetResets,
  getPipeline,
  getRealtime,
  getThroughputSampler,
  getTopicBrowser,
  getTraceStores,
} from './services.ts';
import { getSessionUser } from './session.ts';
import { createContextInner } from './trpc.ts';

// One per process: it bounds the audit rows refused calls write, per actor and minute.
const refusalThrottle = createRefusalThrottle();

/** The client's address by the same rule as sign-in's rate limit and audit (TRUST_PROXY). */
function sourceIpFrom(headers: Headers): string | null {
  return clientIpFrom(headers, { trustedHops: env().trustedProxyHops }, peerAddressOf(headers));
}

export async function createContext(opts: { headers: Headers }) {
  return createContextInner({
    db: getDb(),
    auth: getAuth(),
    kafka: getKafka(),
    controls: getControls(),
    offsets: getOffsetResets(),
    throughput: getThroughputSampler(),
    realtime: getRealtime(),
    topics: getTopicBrowser(),
    traceStores: getTraceStores(),
    pipeline: getPipeline(),
    user: await getSessionUser(opts.headers),
    sourceIp: sourceIpFrom(opts.headers),
    request: requestOriginFrom(opts.headers),
    trustedOrigins: env().trustedOrigins,
    refusalThrottle,
  });
}
