// Deletes every topic and consumer group under a prefix (a container test's own), through the
// Kafka client that @sluice/kafka wraps. The groups must be empty (their containers stopped).
// Usage: node scripts/containers/delete-kafka-prefix.mjs <prefix> [brokers]
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [prefix, brokers = '127.0.0.1:9092'] = process.argv.slice(2);
if (!prefix) throw new Error('usage: delete-kafka-prefix.mjs <prefix> [brokers]');
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
  const groups = (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((g) => g.startsWith(prefix));
  if (groups.length > 0) await admin.deleteGroups(groups);
  console.log(`deleted ${topics.length} topics and ${groups.length} groups under ${prefix}`);
} finally {
  await admin.disconnect();
}
