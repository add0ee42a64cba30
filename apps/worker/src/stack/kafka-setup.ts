// After the stack is up: create the pipeline's topics with partitions and replication from
// config (replication defaults to the number of local brokers).

import { createKafka, ensureTopics } from '@sluice/kafka';
import { brokerList } from '../env.ts';
import { pipelineNames, pipelineTopics } from '../kafka/topics.ts';
import type { ServiceContext } from './service.ts';

export async function prepareKafka(ctx: ServiceContext): Promise<void> {
  const rf = ctx.env.TOPIC_REPLICATION_FACTOR ?? ctx.options.brokers;
  const kafka = createKafka({ brokers: brokerList(ctx.env), clientId: 'sluice-stack' });
  const specs = pipelineTopics(
    ctx.env.TOPIC_PARTITIONS,
    rf,
    pipelineNames(ctx.env.SLUICE_TOPIC_PREFIX).topics,
  );
  const created = new Set(await ensureTopics(kafka, specs));
  ctx.progress(
    created.size > 0
      ? `kafka: created ${specs
          .filter((s) => created.has(s.topic))
          .map((s) => `${s.topic} (${s.numPartitions})`)
          .join(', ')}; partitions in brackets, replication ${rf}`
      : 'kafka: topics already exist',
  );
}
