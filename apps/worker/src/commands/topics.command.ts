// `sluice topics create`: create the pipeline's topics (under SLUICE_TOPIC_PREFIX) that do not
// exist yet, with partitions and replication from config (the cluster's default replication
// when TOPIC_REPLICATION_FACTOR is not set). `stack up` runs it for the local stack.

import { createKafka, ensureTopics } from '@sluice/kafka';
import type { Command } from 'commander';
import { brokerList, loadEnv } from '../env.ts';
import { pipelineNames, pipelineTopics } from '../kafka/topics.ts';
import { stderrProgress } from '../progress.ts';

export function registerTopicsCommands(program: Command): void {
  const topics = program.command('topics').description('the pipeline topics');
  topics
    .command('create')
    .description('create missing pipeline topics (TOPIC_PARTITIONS, TOPIC_REPLICATION_FACTOR)')
    .action(async () => {
      const env = loadEnv();
      const progress = stderrProgress();
      const kafka = createKafka({ brokers: brokerList(env), clientId: 'sluice-topics' });
      const specs = pipelineTopics(
        env.TOPIC_PARTITIONS,
        env.TOPIC_REPLICATION_FACTOR,
        pipelineNames(env.SLUICE_TOPIC_PREFIX).topics,
      );
      const created = new Set(await ensureTopics(kafka, specs));
      const replication = env.TOPIC_REPLICATION_FACTOR ?? "the cluster's default";
      progress(
        created.size > 0
          ? `created ${specs
              .filter((s) => created.has(s.topic))
              .map((s) => `${s.topic} (${s.numPartitions})`)
              .join(', ')}; partitions in brackets, replication ${replication}`
          : 'all topics exist',
      );
    });
}
