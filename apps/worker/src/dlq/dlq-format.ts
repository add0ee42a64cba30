// How `sluice dlq` prints the index: JSON records (stable field names, ISO times, offsets as
// strings, payloads read as JSON, text or hex) and the same as lines for a terminal.
import { type PayloadView, viewPayload } from '@sluice/core';
import type { DlqEntriesPage, DlqEntryDetail, DlqGroup, DlqIndexPosition } from '@sluice/db';

type EntrySummary = DlqEntriesPage['entries'][number];

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const str = (n: bigint | null | undefined) => (n === null || n === undefined ? null : n.toString());

export function groupJson(g: DlqGroup) {
  return {
    signature: g.signature,
    signature_text: g.signatureText,
    stage: g.stage,
    error_class: g.errorClass,
    count: g.count,
    by_status: g.byStatus,
    first_failed_at: iso(g.firstFailedAt),
    last_failed_at: iso(g.lastFailedAt),
    sample: {
      id: g.sample.id,
      message: g.sample.message,
      reason: g.sample.reason,
      path: g.sample.path,
      event_type: g.sample.eventType,
      event_id: g.sample.eventId,
    },
  };
}

export function entryJson(e: EntrySummary) {
  return {
    id: e.id,
    topic: e.topic,
    partition: e.partition,
    offset: str(e.offset),
    stage: e.stage,
    error_class: e.errorClass,
    error_message: e.errorMessage,
    error_reason: e.errorReason,
    error_path: e.errorPath,
    retryable: e.retryable,
    attempts: e.attempts,
    source_topic: e.sourceTopic,
    source_partition: e.sourcePartition,
    source_offset: str(e.sourceOffset),
    first_failure_at: iso(e.firstFailureAt),
    last_failure_at: iso(e.lastFailureAt),
    failed_at: iso(e.failedAt),
    signature: e.signature,
    event_id: e.eventId,
    event_type: e.eventType,
    envelope_valid: e.envelopeValid,
    status: e.status,
  };
}

export function detailJson(d: DlqEntryDetail) {
  return {
    id: d.id,
    topic: d.topic,
    partition: d.partition,
    offset: str(d.offset),
    record_timestamp: iso(d.recordTimestamp),
    status: d.status,
    status_changed_at: iso(d.statusChangedAt),
    status_changed_by: d.statusChangedBy,
    indexed_at: iso(d.indexedAt),
    envelope: { version: d.envelopeVersion, valid: d.envelopeValid, problem: d.envelopeProblem },
    signature: { id: d.signature, text: d.signatureText },
    error: {
      stage: d.stage,
      class: d.errorClass,
      message: d.errorMessage,
      reason: d.errorReason,
      path: d.errorPath,
      stack: d.errorStack,
      retryable: d.retryable,
      attempts: d.attempts,
    },
    source: {
      topic: d.sourceTopic,
      partition: d.sourcePartition,
      offset: str(d.sourceOffset),
      timestamp: iso(d.sourceTimestamp),
    },
    failure: {
      first: iso(d.firstFailureAt),
      last: iso(d.lastFailureAt),
      failed_at: iso(d.failedAt),
    },
    worker: { id: d.workerId, app_version: d.appVersion, geoip_build: d.geoipBuild },
    event: { id: d.eventId, type: d.eventType },
    headers: d.headers,
    key: viewPayload(d.originalKey),
    value: viewPayload(d.originalValue),
    partial: d.partial,
    history: d.actions.map((a) => ({
      at: iso(a.at),
      actor: a.actor,
      action: a.action,
      status_before: a.statusBefore,
      status_after: a.statusAfter,
      job_id: a.jobId,
      related_entry_id: a.relatedEntryId,
      reason: a.reason,
      details: a.details,
    })),
  };
}

const when = (d: Date) =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

export function formatGroups(groups: readonly DlqGroup[]): string {
  if (groups.length === 0) return 'No dead letters match.\n';
  const lines: string[] = [];
  for (const g of groups) {
    const statuses = Object.entries(g.byStatus)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ');
    const event = g.sample.eventId
      ? ` event ${g.sample.eventId}${g.sample.eventType ? ` (${g.sample.eventType})` : ''}`
      : '';
    lines.push(
      g.signatureText,
      `  ${g.count} × (${statuses})   first ${when(g.firstFailedAt)}   last ${when(g.lastFailedAt)}   signature ${g.signature}`,
      `  sample #${g.sample.id}${event}: ${oneLine(g.sample.message, 160)}`,
      '',
    );
  }
  return `${lines.join('\n')}`;
}

export function formatEntries(entries: readonly EntrySummary[]): string {
  if (entries.length === 0) return 'No dead letters match.\n';
  return `${entries
    .map((e) => {
      const source = e.sourceTopic
        ? `${e.sourceTopic}[${e.sourcePartition ?? '?'}]@${str(e.sourceOffset) ?? '?'}`
        : '(no source)';
      const event = e.eventId ? ` ${e.eventId}` : '';
      return `#${e.id}  ${when(e.failedAt)}  ${e.status.padEnd(12)} ${e.stage} ${e.errorClass}  ${source}${event}  ${oneLine(e.errorMessage, 100)}`;
    })
    .join('\n')}\n`;
}

function payloadLines(label: string, v: PayloadView): string[] {
  switch (v.kind) {
    case 'empty':
      return [`${label}: (none)`];
    case 'json':
      return [`${label} (JSON, ${v.bytes} bytes):`, indent(JSON.stringify(v.json, null, 2))];
    case 'text':
      return [`${label} (text, ${v.bytes} bytes, not JSON):`, indent(v.text)];
    case 'hex':
      return [
        `${label} (binary, ${v.bytes} bytes, hex${v.cut ? `, first ${v.hex.length / 2} bytes` : ''}):`,
        indent(v.hex.replace(/(.{64})/g, '$1\n').trimEnd()),
      ];
  }
}

export function formatEntry(d: DlqEntryDetail): string {
  const j = detailJson(d);
  const lines = [
    `DLQ entry #${d.id}  ${d.topic}[${d.partition}]@${j.offset}  status ${d.status}${d.statusChangedBy ? ` (by ${d.statusChangedBy} at ${j.status_changed_at})` : ''}`,
    `signature   ${d.signatureText}  (${d.signature})`,
    `envelope    ${d.envelopeValid ? `valid, version ${d.envelopeVersion}` : `NOT VALID: ${d.envelopeProblem}`}`,
    `error       ${d.stage} ${d.errorClass}${d.errorReason ? ` [${d.errorReason}]` : ''}${d.errorPath ? ` at ${d.errorPath}` : ''}: ${d.errorMessage}`,
    `retryable   ${d.retryable ?? '?'}, attempts ${d.attempts ?? '?'}`,
    `source      ${j.source.topic ?? '?'}[${j.source.partition ?? '?'}]@${j.source.offset ?? '?'} at ${j.source.timestamp ?? '?'}`,
    `failed      first ${j.failure.first ?? '?'}, last ${j.failure.last ?? '?'}`,
    `worker      ${d.workerId ?? '?'}, version ${d.appVersion ?? '?'}${d.geoipBuild ? `, GeoIP build ${d.geoipBuild}` : ''}`,
    `event       ${d.eventId ?? '?'} (${d.eventType ?? '?'})`,
    `indexed     ${j.indexed_at}`,
  ];
  if (d.errorStack) lines.push('stack:', indent(d.errorStack));
  lines.push('headers:');
  for (const [name, value] of Object.entries(d.headers))
    lines.push(
      `  ${name}: ${typeof value === 'string' ? oneLine(value, 300) : JSON.stringify(value)}`,
    );
  lines.push(...payloadLines('key', j.key), ...payloadLines('value', j.value));
  if (d.partial !== null && d.partial !== undefined)
    lines.push('partly enriched:', indent(JSON.stringify(d.partial, null, 2)));
  lines.push(d.actions.length === 0 ? 'history: (none)' : 'history:');
  for (const a of j.history)
    lines.push(
      `  ${a.at} ${a.actor} ${a.action}${a.status_after ? ` → ${a.status_after}` : ''}${a.reason ? `: ${a.reason}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

export interface PartitionProgress {
  partition: number;
  /** The last offset the index holds (PostgreSQL), if any. */
  indexedTo: string | null;
  indexedAt: string | null;
  /** The group's committed offset (Kafka), if any. */
  committed: number | null;
  /** The partition's end as a read_committed reader sees it. */
  end: number;
  /** Offsets between the group's commit (or the partition's start) and the end. */
  lag: number;
}

export function partitionProgress(
  positions: readonly DlqIndexPosition[],
  ends: readonly { partition: number; low: number; high: number }[],
  committed: ReadonlyMap<number, number>,
): PartitionProgress[] {
  const indexed = new Map(positions.map((p) => [p.partition, p]));
  return [...ends]
    .sort((a, b) => a.partition - b.partition)
    .map((e) => {
      const c = committed.get(e.partition);
      const p = indexed.get(e.partition);
      return {
        partition: e.partition,
        indexedTo: p?.lastOffset ?? null,
        indexedAt: p ? p.updatedAt.toISOString() : null,
        committed: c ?? null,
        end: e.high,
        lag: Math.max(0, e.high - (c ?? e.low)),
      };
    });
}

export function formatProgress(
  topic: string,
  group: string,
  rows: readonly PartitionProgress[],
): string {
  const lines = [`${topic} as read by ${group}:`];
  for (const r of rows)
    lines.push(
      `  [${r.partition}] end ${r.end}  committed ${r.committed ?? '-'}  lag ${r.lag}  indexed to ${r.indexedTo ?? '-'}${r.indexedAt ? ` (at ${r.indexedAt})` : ''}`,
    );
  const lag = rows.reduce((s, r) => s + r.lag, 0);
  lines.push(`  total lag ${lag}`);
  return `${lines.join('\n')}\n`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
