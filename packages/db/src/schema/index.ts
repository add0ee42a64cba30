export { auditLog } from './audit-log.ts';
export { authAccount, authSession, authUser, authVerification } from './auth.ts';
export { dlqEntries, dlqEntryActions, dlqIndexPositions } from './dlq.ts';
export { dlqReplayJobEntries, dlqReplayJobs } from './dlq-replay.ts';
export { events } from './events.ts';
export { lagSamples } from './lag-samples.ts';
export { routingPublications, routingVersions } from './routing.ts';
export { sessions } from './sessions.ts';
export { windowAggregates } from './window-aggregates.ts';
