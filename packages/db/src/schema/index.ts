export { auditLog } from './audit-log.ts';
export { events } from './events.ts';
export { lagSamples } from './lag-samples.ts';
export { sessions } from './sessions.ts';
export { windowAggregates } from './window-aggregates.ts';
