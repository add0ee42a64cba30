// Runs in every suite's test process: closes the shared Kafka admin client of kafka-reader.ts
// after each file, so no librdkafka client outlives its suite.
import { afterAll } from 'vitest';
import { closeKafkaReader } from './kafka-reader.ts';

afterAll(async () => {
  await closeKafkaReader();
});
