// The child of the `enrichment:platformatic` bench stage (`sluice bench enrichment-candidate-child`):
// the enrichment stage as the worker builds it, run by the Kafka package's candidate loop on
// @platformatic/kafka until SIGTERM. It says it runs the way a worker does, so the bench's worker
// handling (readiness, CPU, RSS, stop) applies unchanged.
import { inspect } from 'node:util';
import { runCandidateLoop } from '@sluice/kafka';
import { Registry } from 'prom-client';
import { enrichmentStage } from '../enrichment/enrichment.consumer.ts';
import { createEnrichmentMetrics } from '../enrichment/enrichment-metrics.ts';
import { dedupOptions, setupEnrichment } from '../enrichment/enrichment-setup.ts';
import { brokerList, loadEnv, stageFetch } from '../env.ts';
import { pipelineNames } from '../kafka/topics.ts';

export async function runEnrichmentCandidateChild(workerId: string): Promise<void> {
  const env = loadEnv();
  const { topics, groups } = pipelineNames(env.SLUICE_TOPIC_PREFIX);
  const brokers = brokerList(env);
  const { pipeline, geo } = setupEnrichment(env, { workerId });
  const log = (level: string, message: string) =>
    process.stderr.write(`${JSON.stringify({ level, msg: message })}\n`);
  const stage = enrichmentStage({
    brokers,
    pipeline,
    metrics: createEnrichmentMetrics(new Registry(), pipeline),
    workerId,
    groupId: groups.enrichment,
    outputTopic: topics.enriched,
    dlqTopic: topics.dlq,
    dedup: dedupOptions(env),
    log,
  });
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  process.once('SIGINT', () => controller.abort());
  process.stderr.write(`worker ${workerId} running; metrics on :0; candidate client\n`);
  try {
    const r = await runCandidateLoop({
      brokers,
      groupId: groups.enrichment,
      topic: topics.raw,
      transactionalId: `${groups.enrichment}-${workerId}`,
      maxBatch: env.ENRICH_MAX_BATCH,
      commitIntervalMs: env.STAGE_COMMIT_INTERVAL_MS,
      fetch: stageFetch(env),
      stage,
      signal: controller.signal,
    });
    log(
      'info',
      `stopped: ${r.consumed} consumed, ${r.produced} produced, ${r.transactions} transactions`,
    );
  } catch (err) {
    // The client's AggregateError says only "Producing messages failed": its causes say why.
    log('error', inspect(err, { depth: 8, breakLength: Number.POSITIVE_INFINITY }));
    throw err;
  } finally {
    geo.close();
  }
}
