// A message consumed from the DLQ topic (the Kafka package's native message) as core's
// DlqTopicRecord: headers as name → value(s), bytes untouched, the offset as a string.
import type { DlqTopicRecord, HeaderValue } from '@sluice/core';
import { type ConsumedMessage, messageKey } from '@sluice/kafka';

export function dlqTopicRecord(m: ConsumedMessage): DlqTopicRecord {
  // A name may occur more than once in a Kafka record; each occurrence is kept, in order.
  const many = new Map<string, (string | Buffer)[]>();
  for (const header of m.headers ?? []) {
    for (const [name, value] of Object.entries(header)) {
      const list = many.get(name);
      if (list) list.push(value);
      else many.set(name, [value]);
    }
  }
  const headers: Record<string, HeaderValue> = {};
  for (const [name, values] of many) headers[name] = values.length === 1 ? values[0] : values;
  return {
    topic: m.topic,
    partition: m.partition,
    offset: String(m.offset),
    timestampMs: m.timestamp,
    key: messageKey(m),
    value: m.value ?? null,
    headers,
  };
}
