// DLQ index entries for the browser tests, written as the indexer writes them
// (writeDlqEntries) into the schema of the console under test: two signatures, one with JSON
// payloads on pageviews, one with bytes that are not text.
import { createDb, type DlqEntryRow, writeDlqEntries } from '@sluice/db';
import { e2eEnv } from './env.ts';

export const DLQ_SEED = {
  schemaError: {
    signature: 'c'.repeat(32),
    text: 'enrichment SchemaError field "<s>" is not a time',
    count: 3,
  },
  binary: {
    signature: 'd'.repeat(32),
    text: 'enrichment DecodeError payload is not UTF-8',
    count: 1,
  },
} as const;

function row(i: number, over: Partial<DlqEntryRow> = {}): DlqEntryRow {
  const payload = JSON.stringify({ event_id: `e2e-dlq-${i}`, type: 'pageview', ts: 'yesterday' });
  return {
    topic: 'e2e.events.dlq',
    partition: 0,
    offset: BigInt(i),
    envelopeValid: true,
    stage: 'enrichment',
    errorClass: 'SchemaError',
    errorMessage: 'field "ts" is not a time',
    errorStack: 'SchemaError: field "ts" is not a time\n    at validateEvent (event-schema.ts:42)',
    retryable: false,
    attempts: 1,
    sourceTopic: 'events.raw',
    sourcePartition: 2,
    sourceOffset: BigInt(500 + i),
    failedAt: new Date(Date.now() - (10 - i) * 60_000),
    signature: DLQ_SEED.schemaError.signature,
    signatureText: DLQ_SEED.schemaError.text,
    eventId: `e2e-dlq-${i}`,
    eventType: 'pageview',
    headers: {
      'sluice.stage': 'enrichment',
      'sluice.error.class': 'SchemaError',
      'x-e2e-origin': `shop-${i}`,
    },
    originalKey: Buffer.from(`user-${i}`),
    originalValue: Buffer.from(payload),
    payloadText: payload,
    ...over,
  };
}

export async function seedDlq(): Promise<void> {
  const db = createDb({ url: e2eEnv.databaseUrl, searchPath: e2eEnv.schema, maxConnections: 1 });
  try {
    await writeDlqEntries(db, [
      row(1),
      row(2),
      row(3),
      row(4, {
        errorClass: 'DecodeError',
        errorMessage: 'payload is not UTF-8',
        signature: DLQ_SEED.binary.signature,
        signatureText: DLQ_SEED.binary.text,
        eventId: null,
        eventType: null,
        originalValue: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
        payloadText: null,
      }),
    ]);
  } finally {
    await db.$client.end();
  }
}
