// Topics and their records: the cluster's topics (the pipeline's first) with partitions,
// replication, in-sync replicas, retention, cleanup policy and size, for viewers; one partition's records,
// newest first, by offset or by time, for operators. Reads are bounded (at most 200 records,
// a few seconds) and read_committed, outside any consumer group (see @sluice/kafka
// topic-reader.ts). A broker that does not answer is a 503.
import { viewPayload } from '@sluice/core';
import type { PartitionPage, ReadRecord, TopicBrowser, TopicInfo } from '@sluice/kafka';
import { MAX_PAGE_RECORDS } from '@sluice/kafka';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, operatorProcedure, viewerProcedure } from '../trpc.ts';
import { unavailable } from '../unavailable.ts';

/** Kafka's own rule for topic names. */
export const topicName = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only');

const READ_BUDGET_MS = 5000;

function browser(topics: TopicBrowser | null): TopicBrowser {
  if (!topics)
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: 'the topic browser is not configured on this console',
    });
  return topics;
}

function summary(t: TopicInfo, pipelineTopics: ReadonlySet<string>) {
  const replication = Math.max(0, ...t.partitions.map((p) => p.replicas.length));
  return {
    name: t.name,
    pipeline: pipelineTopics.has(t.name),
    internal: t.internal,
    partitions: t.partitions.length,
    replication,
    /** Partitions whose in-sync replicas are fewer than their replicas. */
    underReplicated: t.partitions.filter((p) => p.isr.length < p.replicas.length).length,
    minIsr: t.partitions.length === 0 ? 0 : Math.min(...t.partitions.map((p) => p.isr.length)),
    /** Offsets held (log end minus log start): records plus transaction markers. */
    offsets: t.partitions.reduce((n, p) => n + (p.high - p.low), 0),
    /** Sum of the log end offsets: its change over time is the topic's write rate. */
    end: t.partitions.reduce((n, p) => n + p.high, 0),
    /** From the topic's configs and the brokers' log directories; null when unknown. */
    retentionMs: t.settings.retentionMs,
    retentionBytes: t.settings.retentionBytes,
    cleanupPolicy: t.settings.cleanupPolicy,
    sizeBytes: t.settings.sizeBytes,
  };
}

/** Bytes as people read them: UTF-8 text when they are, else hex. */
function bytesView(b: Buffer | null) {
  if (b === null) return null;
  const view = viewPayload(b);
  if (view.kind === 'hex') return { kind: 'hex' as const, text: view.hex };
  if (view.kind === 'empty') return { kind: 'text' as const, text: '' };
  return {
    kind: 'text' as const,
    text: view.kind === 'json' ? JSON.stringify(view.json) : view.text,
  };
}

function recordView(r: ReadRecord) {
  return {
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestampMs === null ? null : new Date(r.timestampMs).toISOString(),
    key: bytesView(r.key),
    headers: r.headers.map((h) => ({ name: h.name, value: bytesView(h.value) })),
    value: viewPayload(r.value),
  };
}

const pageInput = z.object({
  topic: topicName,
  partition: z.number().int().min(0).max(100_000),
  /** latest: the newest records; before/from: by offset; time: from an ISO 8601 time on. */
  mode: z.enum(['latest', 'before', 'from', 'time']).default('latest'),
  offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  time: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE_RECORDS).default(50),
});

export const topicsRouter = createTRPCRouter({
  list: viewerProcedure.query(async ({ ctx }) => {
    const all = await browser(ctx.topics)
      .listTopics()
      .catch((err: unknown) => {
        throw unavailable('Kafka', err);
      });
    const pipelineTopics = new Set<string>(Object.values(ctx.pipeline.names.topics));
    return all
      .map((t) => summary(t, pipelineTopics))
      .sort(
        (a, b) =>
          Number(b.pipeline) - Number(a.pipeline) ||
          Number(a.internal) - Number(b.internal) ||
          a.name.localeCompare(b.name),
      );
  }),

  describe: viewerProcedure.input(z.object({ topic: topicName })).query(async ({ ctx, input }) => {
    const t = await browser(ctx.topics)
      .describeTopic(input.topic)
      .catch((err: unknown) => {
        throw unavailable('Kafka', err);
      });
    if (!t) throw new TRPCError({ code: 'NOT_FOUND', message: `no topic ${input.topic}` });
    return {
      ...summary(t, new Set<string>(Object.values(ctx.pipeline.names.topics))),
      partitionDetails: t.partitions,
      // The client has no DescribeConfigs (see @sluice/kafka topic-browser.ts).
      configs: null,
    };
  }),

  messages: operatorProcedure.input(pageInput).query(async ({ ctx, input }) => {
    const b = browser(ctx.topics);
    if ((input.mode === 'before' || input.mode === 'from') && input.offset === undefined)
      throw new TRPCError({ code: 'BAD_REQUEST', message: `mode ${input.mode} needs an offset` });
    if (input.mode === 'time' && input.time === undefined)
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'mode time needs a time' });
    const topic = await b.describeTopic(input.topic).catch((err: unknown) => {
      throw unavailable('Kafka', err);
    });
    if (!topic) throw new TRPCError({ code: 'NOT_FOUND', message: `no topic ${input.topic}` });
    const partition = topic.partitions.find((p) => p.partition === input.partition);
    if (!partition)
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `${input.topic} has no partition ${input.partition} (it has ${topic.partitions.length})`,
      });
    const start =
      input.mode === 'latest'
        ? { kind: 'before' as const }
        : input.mode === 'time'
          ? { kind: 'time' as const, ms: Date.parse(input.time as string) }
          : { kind: input.mode, offset: input.offset as number };
    const page: PartitionPage = await b
      .readPage({
        topic: input.topic,
        partition: input.partition,
        start,
        limit: input.limit,
        timeoutMs: READ_BUDGET_MS,
      })
      .catch((err: unknown) => {
        throw unavailable('Kafka', err);
      });
    return {
      topic: input.topic,
      partition: input.partition,
      low: page.low,
      lastStable: page.lastStable,
      high: partition.high,
      from: page.from,
      until: page.until,
      partial: page.partial,
      records: page.records.map(recordView),
    };
  }),
});
