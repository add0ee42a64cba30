import { Buffer } from 'node:buffer';
import type { DlqEntryDetail, DlqGroup } from '@sluice/db';
import { describe, expect, it } from 'vitest';
import { detailJson, formatEntry, formatGroups, partitionProgress } from './dlq-format.ts';

const T = new Date('2026-03-01T10:00:00.000Z');

const detail = (over: Partial<DlqEntryDetail> = {}): DlqEntryDetail => ({
  id: 7,
  topic: 'events.dlq',
  partition: 1,
  offset: 42n,
  recordTimestamp: T,
  envelopeVersion: '1',
  envelopeValid: true,
  envelopeProblem: null,
  stage: 'enrichment',
  errorClass: 'InvalidEvent',
  errorMessage: 'user_id is required',
  errorStack: null,
  errorReason: 'missing_field',
  errorPath: 'user_id',
  retryable: false,
  attempts: 1,
  sourceTopic: 'events.raw',
  sourcePartition: 3,
  sourceOffset: 9_007_199_254_740_993n,
  sourceTimestamp: T,
  firstFailureAt: T,
  lastFailureAt: T,
  failedAt: T,
  workerId: 'w1',
  appVersion: '0.1.0',
  geoipBuild: null,
  signature: 'a'.repeat(32),
  signatureText: 'enrichment · InvalidEvent @ user_id: user_id is required',
  eventId: 'e1',
  eventType: 'click',
  headers: { 'sluice.stage': 'enrichment', 'x-bin': { encoding: 'base64', data: 'AP8=' } },
  originalKey: Buffer.from('s1'),
  originalValue: Buffer.from('{"event_id":"e1"}'),
  valueBytes: 17,
  payloadText: '{"event_id":"e1"}',
  partial: null,
  status: 'new',
  statusChangedAt: null,
  statusChangedBy: null,
  indexedAt: T,
  actions: [],
  ...over,
});

describe('detailJson', () => {
  it('keeps 64-bit offsets exact and reads payloads as JSON, text or hex', () => {
    const j = detailJson(detail({ originalKey: Buffer.from([0xff, 0x01]) }));
    expect(j.offset).toBe('42');
    expect(j.source.offset).toBe('9007199254740993');
    expect(j.value).toEqual({ kind: 'json', json: { event_id: 'e1' }, bytes: 17 });
    expect(j.key).toEqual({ kind: 'hex', hex: 'ff01', bytes: 2, cut: false });
    expect(JSON.parse(JSON.stringify(j)).headers['x-bin']).toEqual({
      encoding: 'base64',
      data: 'AP8=',
    });
  });
});

describe('formatEntry', () => {
  it('says when a record is not a valid envelope, and prints every header', () => {
    const text = formatEntry(
      detail({
        envelopeValid: false,
        envelopeProblem: 'missing header sluice.stage',
        originalValue: Buffer.from('oops'),
      }),
    );
    expect(text).toContain('NOT VALID: missing header sluice.stage');
    expect(text).toContain('sluice.stage: enrichment');
    expect(text).toContain('x-bin: {"encoding":"base64","data":"AP8="}');
    expect(text).toContain('value (text, 4 bytes, not JSON):');
  });
});

describe('formatGroups', () => {
  it('prints the signature, the counts by status and a sample', () => {
    const g: DlqGroup = {
      signature: 'b'.repeat(32),
      signatureText: 'storage:s3 · Error: boom',
      stage: 'storage:s3',
      errorClass: 'Error',
      count: 3,
      byStatus: { new: 2, replayed: 0, discarded: 1, 'failed-again': 0 },
      firstFailedAt: T,
      lastFailedAt: T,
      sample: {
        id: 9,
        message: 'boom',
        reason: null,
        path: null,
        eventType: 'click',
        eventId: 'e9',
      },
    };
    expect(formatGroups([g])).toContain('3 × (new 2, discarded 1)');
    expect(formatGroups([g])).toContain('sample #9 event e9 (click): boom');
    expect(formatGroups([])).toBe('No dead letters match.\n');
  });
});

describe('partitionProgress', () => {
  it('measures lag from the commit, or from the start of a partition never committed', () => {
    const rows = partitionProgress(
      [{ topic: 'events.dlq', partition: 0, lastOffset: '98', updatedAt: T }],
      [
        { partition: 1, low: 10, high: 50 },
        { partition: 0, low: 0, high: 100 },
      ],
      new Map([[0, 100]]),
    );
    expect(rows).toEqual([
      {
        partition: 0,
        indexedTo: '98',
        indexedAt: T.toISOString(),
        committed: 100,
        end: 100,
        lag: 0,
      },
      { partition: 1, indexedTo: null, indexedAt: null, committed: null, end: 50, lag: 40 },
    ]);
  });
});
