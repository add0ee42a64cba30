// Deletes every topic under a prefix (a container test's own), through the Kafka client that
// @sluice/kafka wraps. Usage: node scripts/containers/delete-topics.mjs <prefix> [brokers]
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [prefix, brokers = '127.0.0.1:9092'] = process.argv.slice(2);
if (!prefix) throw new Error('usage: delete-topics.mjs <prefix> [brokers]');
const require = createRequire(
  fileURLToPath(new URL('../../packages/kafka/package.json', import.meta.url)),
);
const { KafkaJS } = require('@confluentinc/kafka-javascript');
const admin = new KafkaJS.Kafka({
  kafkaJS: { brokers: brokers.split(','), logLevel: KafkaJS.logLevel.NOTHING },
}).admin();
await admin.connect();
try {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  console.log(`deleted ${topics.length} topics under ${prefix}`);
} finally {
  await admin.disconnect();
}
