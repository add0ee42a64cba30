// `sluice produce`: demo traffic and load generation into events.raw (or NDJSON on stdout).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createKafka, createProducer } from '@sluice/kafka';
import { type Command, InvalidArgumentError } from 'commander';
import { brokerList, loadEnv } from '../env.ts';
import { pipelineNames } from '../kafka/topics.ts';
import { createEventGenerator, type ProducedRecord } from '../produce/event-generator.ts';
import { stderrProgress } from '../progress.ts';

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

interface ProduceOptions {
  rate?: number;
  count?: number;
  seed: number;
  topic?: string;
  stdout?: boolean;
  input?: string;
  malformedRate: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerProduceCommand(program: Command): void {
  program
    .command('produce')
    .description('generate realistic web-analytics events (about 0.5% malformed) into events.raw')
    .option('--rate <n>', 'events per second (default: as fast as possible)', positive('--rate'))
    .option(
      '--count <n>',
      'stop after n events (default: run until interrupted)',
      positive('--count'),
    )
    .option('--seed <n>', 'random seed; the same seed reproduces the same events', Number, 1)
    .option('--topic <name>', 'target topic (default: events.raw under SLUICE_TOPIC_PREFIX)')
    .option(
      '--input <file>',
      'produce the NDJSON lines of this file as they are (key: their session_id)',
    )
    .option('--malformed-rate <r>', 'share of malformed records', Number, 0.005)
    .option('--stdout', 'write NDJSON to stdout instead of Kafka')
    .action(async (opts: ProduceOptions) => {
      const progress = stderrProgress();
      const next: () => ProducedRecord | undefined = opts.input
        ? await fileRecords(opts.input)
        : createEventGenerator({
            seed: opts.seed,
            startTime: Date.now(),
            malformedRate: opts.malformedRate,
            ...(opts.rate ? { clock: Date.now } : {}),
          });
      let exhausted = false;
      const limit = opts.count ?? Number.POSITIVE_INFINITY;
      let stop = false;
      const onSignal = () => {
        stop = true;
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);

      let topic = 'stdout';
      let send: (batch: { key: string; value: string }[]) => Promise<void>;
      let close = async () => {};
      if (opts.stdout) {
        send = async (batch) => {
          const ok = process.stdout.write(`${batch.map((r) => r.value).join('\n')}\n`);
          if (!ok) await new Promise((r) => process.stdout.once('drain', r));
        };
      } else {
        const env = loadEnv();
        topic = opts.topic ?? pipelineNames(env.SLUICE_TOPIC_PREFIX).topics.raw;
        const producer = createProducer(
          createKafka({ brokers: brokerList(env), clientId: 'sluice-produce' }),
        );
        await producer.connect();
        send = async (batch) => {
          await producer.send({ topic, messages: batch });
        };
        close = () => producer.disconnect();
      }

      // Paced in 100 ms ticks; without --rate, batches of 5,000 as fast as the sink takes them.
      const perTick = opts.rate ? Math.max(1, Math.round(opts.rate / 10)) : 5_000;
      let sent = 0;
      let malformed = 0;
      const t0 = Date.now();
      let lastReport = t0;
      while (!stop && sent < limit) {
        const tickStart = Date.now();
        const n = Math.min(perTick, limit - sent);
        const batch: { key: string; value: string }[] = new Array(n);
        let filled = 0;
        for (; filled < n; filled++) {
          const r = next();
          if (r === undefined) {
            exhausted = true;
            break;
          }
          if (r.malformed) malformed++;
          batch[filled] = { key: r.key, value: r.value };
        }
        batch.length = filled;
        if (filled > 0) await send(batch);
        sent += filled;
        if (exhausted) break;
        if (Date.now() - lastReport >= 5000) {
          lastReport = Date.now();
          const rate = Math.round(sent / ((lastReport - t0) / 1000));
          progress(
            `produced ${sent}${Number.isFinite(limit) ? ` of ${limit}` : ''} (${rate}/s, ${malformed} malformed)`,
          );
        }
        if (opts.rate) await sleep(Math.max(0, 100 - (Date.now() - tickStart)));
      }
      await close();
      const secs = (Date.now() - t0) / 1000;
      progress(
        `produced ${sent} events (${malformed} malformed) to ${topic} in ${secs.toFixed(1)}s`,
      );
    });
}

/** The lines of an NDJSON file as records, keyed by their session_id where they parse. */
async function fileRecords(path: string): Promise<() => ProducedRecord | undefined> {
  const records: ProducedRecord[] = [];
  const lines = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let key = '';
    try {
      const sid = (JSON.parse(line) as { session_id?: unknown }).session_id;
      if (typeof sid === 'string') key = sid;
    } catch {
      // Not JSON: produced as it is, unkeyed; the enrichment stage dead-letters it.
    }
    records.push({ key, value: line, malformed: false });
  }
  let i = 0;
  return () => records[i++];
}
