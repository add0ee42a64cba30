// The event trace's pure part: what to read to find an event's records, and the trace assembled.

export * from './archive-lookup.ts';
export * from './event-trace.ts';
