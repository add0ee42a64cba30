// What a DLQ replay job would do, decided without I/O: for each selected entry, either the exact
// record to send (topic, key, bytes, headers) or why it is skipped. The CLI and the console both
// plan through here, and a dry run shows this plan as it is. An edited payload is validated
// against the event schema (the same parser enrichment uses) before anything is sent, and its
// error names the field.
import { Buffer } from 'node:buffer';
import type { EventParser } from '../event-parser.ts';
import type { DlqStatus } from './dlq-filter.ts';

/** Headers on every replayed record, so that a send can be recognised downstream and on resume. */
export const REPLAY_HEADERS = {
  job: 'sluice-replay-job',
  entry: 'sluice-replay-entry',
  /** Comma-separated sink names: a storage-stage failure goes only to the sinks that lack it. */
  sinks: 'sluice-replay-sinks',
} as const;

/** The stages a replay may target, and which pipeline topic feeds each. */
export const REPLAY_STAGES = ['enrichment', 'storage'] as const;
export type ReplayStage = (typeof REPLAY_STAGES)[number];

export type ReplayTarget =
  | { readonly kind: 'source' }
  | { readonly kind: 'stage'; readonly stage: ReplayStage };

/**
 * An edit of the payload: `replace` sends this event instead of the entry's bytes (one entry);
 * `merge-patch` applies an RFC 7386 JSON merge patch to each entry's payload (a whole signature
 * fixed at once, e.g. a missing user_id set).
 */
export type ReplayEdit =
  | { readonly kind: 'replace'; readonly value: unknown }
  | { readonly kind: 'merge-patch'; readonly value: Record<string, unknown> };

/** An entry as the planner needs it, with what other jobs did to it or to its event. */
export interface ReplayCandidate {
  readonly id: number;
  readonly status: DlqStatus;
  readonly eventId: string | null;
  readonly sourceTopic: string | null;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** Another job holding this entry (pending, sending, sent or succeeded there). */
  readonly heldBy?: { readonly jobId: number; readonly state: string } | undefined;
  /** Another entry of the same event already replayed (sent or succeeded) by a job. */
  readonly eventReplayedBy?: { readonly jobId: number; readonly entryId: number } | undefined;
  /**
   * The dead letter's `sluice.value.truncated` header (its original length), when its value was
   * cut to keep the record under its size bound: the stored bytes are not the event.
   */
  readonly valueTruncated?: string | null | undefined;
}

export type SkipReason =
  | 'already-replayed'
  | 'in-another-job'
  | 'discarded'
  | 'payload-invalid'
  | 'no-payload'
  | 'no-source-topic'
  | 'payload-truncated'
  | 'duplicate-event';

export type ReplayPlanItem =
  | {
      readonly entryId: number;
      readonly action: 'send';
      readonly eventId: string | null;
      readonly topic: string;
      readonly key: Uint8Array | null;
      readonly payload: Uint8Array;
      readonly edited: boolean;
    }
  | {
      readonly entryId: number;
      readonly action: 'skip';
      readonly eventId: string | null;
      readonly reason: SkipReason;
      /** For people: which job, which field and why. */
      readonly detail: string;
      readonly byJobId?: number;
    };

export interface ReplayPlanOptions {
  readonly target: ReplayTarget;
  /** The input topic of each stage under this deployment's prefix. */
  readonly stageTopics: Readonly<Record<ReplayStage, string>>;
  readonly edit?: ReplayEdit | undefined;
  /** The event schema's parser: edited payloads must pass it. */
  readonly parse: EventParser;
}

/** RFC 7386: null removes a member, an object merges, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

export type EditValidation =
  | { readonly ok: true; readonly payload: Uint8Array; readonly eventId: string | null }
  | {
      readonly ok: false;
      /** Dotted path of the offending field; absent when the whole event is at fault. */
      readonly field: string | undefined;
      readonly reason: string;
      readonly message: string;
    };

/** An edited event as the bytes to send, or the schema's objection naming the field. */
export function validateEditedEvent(value: unknown, parse: EventParser): EditValidation {
  const text = JSON.stringify(value);
  if (text === undefined)
    return { ok: false, field: undefined, reason: 'not_an_object', message: 'no JSON value' };
  const outcome = parse(text);
  if (outcome.kind === 'invalid')
    return { ok: false, field: outcome.path, reason: outcome.reason, message: outcome.message };
  return { ok: true, payload: Buffer.from(text, 'utf8'), eventId: outcome.event.event_id };
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function truncatedDetail(c: ReplayCandidate, patched: boolean): string {
  const kept = c.value?.byteLength ?? 0;
  const original = /^\d{1,15}$/.test(c.valueTruncated ?? '') ? Number(c.valueTruncated) : null;
  const cut =
    original === null
      ? `the stored payload was cut short (${kept} bytes kept)`
      : `the stored payload was cut to ${kept} of its ${original} bytes`;
  return `${cut} to fit the dead-letter record; ${patched ? 'a patch cannot complete it: ' : ''}replay it with an edited payload`;
}

export function planReplay(
  candidates: readonly ReplayCandidate[],
  o: ReplayPlanOptions,
): ReplayPlanItem[] {
  if (o.edit?.kind === 'replace' && candidates.length > 1)
    throw new Error('a replacement payload replays one entry; use a merge patch for several');
  const seenEvents = new Map<string, number>();
  return candidates.map((c): ReplayPlanItem => {
    const skip = (reason: SkipReason, detail: string, byJobId?: number): ReplayPlanItem => ({
      entryId: c.id,
      action: 'skip',
      eventId: c.eventId,
      reason,
      detail,
      ...(byJobId === undefined ? {} : { byJobId }),
    });
    if (c.status === 'discarded') return skip('discarded', 'the entry was discarded');
    if (c.heldBy) {
      const done = c.heldBy.state === 'succeeded' || c.heldBy.state === 'sent';
      return done
        ? skip(
            'already-replayed',
            `already replayed by job ${c.heldBy.jobId} (${c.heldBy.state})`,
            c.heldBy.jobId,
          )
        : skip('in-another-job', `job ${c.heldBy.jobId} is replaying it`, c.heldBy.jobId);
    }
    if (c.eventReplayedBy)
      return skip(
        'already-replayed',
        `event ${c.eventId} already replayed by job ${c.eventReplayedBy.jobId} (entry ${c.eventReplayedBy.entryId})`,
        c.eventReplayedBy.jobId,
      );
    const topic = o.target.kind === 'source' ? c.sourceTopic : o.stageTopics[o.target.stage];
    if (!topic) return skip('no-source-topic', 'the entry does not say which topic it came from');

    // Cut bytes would reach the pipeline as a broken event; only a whole replacement can go.
    if (c.valueTruncated != null && o.edit?.kind !== 'replace')
      return skip('payload-truncated', truncatedDetail(c, o.edit !== undefined));

    let payload: Uint8Array;
    let eventId = c.eventId;
    let edited = false;
    if (o.edit) {
      let value: unknown = o.edit.value;
      if (o.edit.kind === 'merge-patch') {
        const original = c.value ? parseObject(c.value) : undefined;
        if (!original)
          return skip('payload-invalid', 'the payload is not a JSON object a patch can apply to');
        value = applyMergePatch(original, o.edit.value);
      }
      const v = validateEditedEvent(value, o.parse);
      if (!v.ok)
        return skip(
          'payload-invalid',
          v.field ? `${v.field}: ${v.message}` : `${v.reason}: ${v.message}`,
        );
      payload = v.payload;
      eventId = v.eventId;
      edited = true;
    } else {
      if (!c.value || c.value.byteLength === 0) return skip('no-payload', 'the entry has no bytes');
      payload = c.value;
    }
    if (eventId !== null) {
      const earlier = seenEvents.get(eventId);
      if (earlier !== undefined)
        return skip(
          'duplicate-event',
          `event ${eventId} is replayed by entry ${earlier} of this job`,
        );
      seenEvents.set(eventId, c.id);
    }
    return { entryId: c.id, action: 'send', eventId, topic, key: c.key, payload, edited };
  });
}

/** The headers a replayed record carries. */
export function replayHeaders(
  jobId: number,
  entryId: number,
  sinks?: readonly string[],
): Record<string, string> {
  return {
    [REPLAY_HEADERS.job]: String(jobId),
    [REPLAY_HEADERS.entry]: String(entryId),
    ...(sinks && sinks.length > 0 ? { [REPLAY_HEADERS.sinks]: sinks.join(',') } : {}),
  };
}

/**
 * The sinks a replay sent to the storage stage's input may write: for an entry dead-lettered by
 * one sink (`storage:<sink>`), that sink alone, since the others stored the event when it first
 * came; undefined (every sink the routing picks) for any other entry or target.
 */
export function replaySinksFor(
  stage: string | null,
  topic: string,
  storageTopic: string,
): string[] | undefined {
  const m = stage === null ? null : /^storage:([a-z0-9_-]+)$/.exec(stage);
  return m && topic === storageTopic ? [m[1] as string] : undefined;
}

export interface ReplayMarkHeaders {
  readonly job: string;
  readonly entry: string;
  readonly sinks?: readonly string[] | undefined;
}

type HeaderList = readonly Readonly<Record<string, string | Uint8Array>>[] | undefined;

const headerText = (v: string | Uint8Array | undefined) =>
  v === undefined ? undefined : typeof v === 'string' ? v : Buffer.from(v).toString('utf8');

/** A consumed record's replay headers (Kafka's list of name → value), if it has them. */
export function readReplayHeaders(headers: HeaderList): ReplayMarkHeaders | undefined {
  if (!headers || headers.length === 0) return undefined;
  let job: string | undefined;
  let entry: string | undefined;
  let sinks: string | undefined;
  for (const h of headers) {
    job ??= headerText(h[REPLAY_HEADERS.job]);
    entry ??= headerText(h[REPLAY_HEADERS.entry]);
    sinks ??= headerText(h[REPLAY_HEADERS.sinks]);
  }
  if (job === undefined || entry === undefined) return undefined;
  const list = sinks?.split(',').filter((x) => x !== '');
  return { job, entry, ...(list && list.length > 0 ? { sinks: list } : {}) };
}
