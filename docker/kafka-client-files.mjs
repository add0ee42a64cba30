// What of the Kafka client an image carries: its JavaScript, the compiled binding and the
// librdkafka it links to through RUNPATH $ORIGIN/../deps (the dynamic linker loads it, so no
// JavaScript file tracer finds it); not librdkafka's 200 MB of sources and objects.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const FILES = [
  'package.json',
  'librdkafka.js',
  'lib',
  'LICENSE.txt',
  'LICENSE.kafkajs',
  'LICENSE.node-rdkafka',
];
const BINDING = 'build/Release/confluent-kafka-javascript.node';

/** Copies the run-time files of the Kafka client at `from` (a built install) to `to`, replacing it. */
export function copyKafkaClient(from, to) {
  if (!existsSync(join(from, BINDING))) {
    throw new Error(`${from} has no ${BINDING}: the Kafka client was not built`);
  }
  rmSync(to, { recursive: true, force: true });
  for (const entry of FILES) {
    if (existsSync(join(from, entry)))
      cpSync(join(from, entry), join(to, entry), { recursive: true });
  }
  cpSync(join(from, BINDING), join(to, BINDING));
  for (const lib of readdirSync(join(from, 'build/deps')).filter((f) => /\.so\.\d+$/.test(f))) {
    cpSync(join(from, 'build/deps', lib), join(to, 'build/deps', lib), { dereference: true });
  }
}
