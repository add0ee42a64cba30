// Runs in every suite's test process: closes the shared Kafka admin client of kafka-reader.ts
// after each file, so no librdkafka client outlives its suite; and says why a test process ends
// with an error code, which vitest reports only as "Worker exited unexpectedly".
import { afterAll } from 'vitest';
import { closeKafkaReader } from './kafka-reader.ts';

process.on('exit', (code) => {
  if (code !== 0) process.stderr.write(`test process ${process.pid} exiting with code ${code}\n`);
});

afterAll(async () => {
  await closeKafkaReader();
});
