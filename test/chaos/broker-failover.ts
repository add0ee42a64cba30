// Disruption: broker failover on a three-broker cluster. Some seconds into the traffic it
// SIGKILLs the broker that leads the most of the run's partitions, restarts it later (as an
// orchestrator restarts a pod), and then does the same to the active KRaft controller. Each kill
// records, from the cluster as the admin API sees it and independent of what the workers log:
// - leaders: until every partition of the run's topics has a live leader again;
// - produce: until a producer (acks=all, idempotent) gets an acknowledgement again;
// - stages: until each stage (enrichment, aggregation, storage) commits output past where it
//   stood at the kill;
// - ISR: from the restart until no partition is under-replicated any more.
// The kill's recovery is the slowest of the first three: the pipeline moves again.
// Meanwhile it restarts any worker that exited by itself, as an orchestrator restarts a crashed
// pod: the fleet still counts the exit (the test says which ones it tolerates and why), and the
// stores must be exact all the same.
import { readFileSync } from 'node:fs';
import {
  type Admin,
  createKafka,
  createProducer,
  IsolationLevel,
  type Producer,
} from '@sluice/kafka';
import type { Disruption, DisruptionContext, Recovery } from './disruption.ts';

export interface BrokerNode {
  id: number;
  port: number;
}

export interface BrokerFailoverOptions {
  nodes: BrokerNode[];
  /** The stack's pid file of a node (`<SLUICE_HOME>/run/kafka-<id>.pid`). */
  pidFile(id: number): string;
  /** The node's server.properties, which holds the cluster's min.insync.replicas. */
  propertiesFile(id: number): string;
  /** The stack's log of a node, where the KRaft leader (the active controller) says so. */
  logFile(id: number): string;
  /** Starts what of the stack is missing (`sluice stack up`); returns its output. */
  restart(): Promise<string>;
  /** Topic the produce probe writes to (created by the scenario, RF 3). */
  probeTopic: string;
  /** The first kill this long after traffic started. */
  firstKillMs: number;
  /** How long a killed broker stays down. */
  downMs: number;
  /** Whether to kill the active controller once the first broker is back. */
  killController: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const sleepUnless = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

interface PartitionState {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

async function partitions(admin: Admin, topics: string[]): Promise<PartitionState[]> {
  const meta = await admin.fetchTopicMetadata({ topics });
  return meta.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionId,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
    })),
  );
}

/** The broker leading the most of these partitions, with the count. */
export function busiestLeader(ps: PartitionState[]): { id: number; leads: number } {
  const counts = new Map<number, number>();
  for (const p of ps) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
  const [id, leads] = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? [-1, 0];
  return { id, leads };
}

/** The active KRaft controller: the node that last became Raft leader, at the highest epoch. */
export function activeController(logs: { id: number; text: string }[]): number | undefined {
  let best: { id: number; epoch: number } | undefined;
  for (const { id, text } of logs)
    for (const m of text.matchAll(/Completed transition to Leader\(.*?\), epoch=(\d+),/g)) {
      const epoch = Number(m[1]);
      if (!best || epoch > best.epoch) best = { id, epoch };
    }
  return best?.id;
}

/** The process's start time in clock ticks since boot, to signal only the process we mean. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function killNode(pidFile: string): number {
  const record = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number; startTime: string };
  if (startTime(record.pid) !== record.startTime)
    throw new Error(`${pidFile}: pid ${record.pid} is not the broker the stack started`);
  process.kill(record.pid, 'SIGKILL');
  return record.pid;
}

/** Sum over partitions of the last stable offset: what a stage has committed to a topic. */
async function committedEnd(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic, {
    isolationLevel: IsolationLevel.READ_COMMITTED,
  });
  return offsets.reduce((n, p) => n + Number(p.high), 0);
}

/** Polls `check` until it holds; resolves with the milliseconds since `from`, or null. */
async function until(
  check: () => Promise<boolean>,
  from: number,
  timeoutMs: number,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return Date.now() - from;
    await sleep(200);
  }
  return null;
}

const fmt = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

export function brokerFailover(o: BrokerFailoverOptions): Disruption {
  return {
    name: 'broker failover',
    async run(ctx: DisruptionContext, signal: AbortSignal) {
      const kafka = createKafka({
        brokers: o.nodes.map((n) => `127.0.0.1:${n.port}`),
        clientId: 'sluice-chaos-failover',
        logLevel: 'nothing',
      });
      const admin = kafka.admin();
      await admin.connect();
      const producer = createProducer(kafka);
      await producer.connect();
      const { topics } = ctx.run.names;
      const runTopics = Object.values(topics);
      // A stage moves when its transactions commit: what it wrote, read as committed. Not the
      // groups' committed offsets: librdkafka 2.15's admin client aborts the process
      // (rd_kafka_enq_once_del_source_return: Assertion `eonce->refcnt > 0') when a group's
      // coordinator dies under an OffsetFetch, which a failover does on purpose.
      const stages: { stage: string; read: () => Promise<number> }[] = [
        { stage: 'enrichment', read: () => committedEnd(admin, topics.enriched) },
        { stage: 'aggregation', read: () => committedEnd(admin, topics.aggregationChangelog) },
        {
          stage: 'storage',
          read: async () =>
            Number(
              (await ctx.run.db.query(`SELECT count(*) AS n FROM "${ctx.run.schema}".events`))
                .rows[0]?.n,
            ),
        },
      ];
      const recoveries: Recovery[] = [];
      const figures: Record<string, string | number> = {};
      const restarts: string[] = [];

      const crashes: string[] = [];
      figures['workers restarted after exiting by themselves'] = 0;
      // Until the fleet is stopped (stopAll marks every slot signalled), beyond this function.
      const supervisor = setInterval(() => {
        if (ctx.fleet.slots.every((s) => s.signalled)) return clearInterval(supervisor);
        for (const slot of ctx.fleet.slots) {
          const c = slot.worker.child;
          if (slot.signalled || (c.exitCode === null && c.signalCode === null)) continue;
          crashes.push(`${slot.id}@${((Date.now() - ctx.startedAt) / 1000).toFixed(0)}s`);
          figures['workers restarted after exiting by themselves'] =
            `${crashes.length}: ${crashes.join(' ')}`;
          ctx.fleet.restart(slot);
        }
      }, 500);
      supervisor.unref();

      const before = await partitions(admin, runTopics);
      figures['replication factor / min ISR'] =
        `${[...new Set(before.map((p) => p.replicas.length))].join(',')} / ${minIsr(o)}`;

      const killOnce = async (label: string, pick: (ps: PartitionState[]) => number) => {
        const ps = await partitions(admin, runTopics);
        const victim = pick(ps);
        const leads = ps.filter((p) => p.leader === victim).length;
        const atS = Math.round((Date.now() - ctx.startedAt) / 100) / 10;
        const at = await Promise.all(stages.map(async (s) => s.read().catch(() => 0)));
        const killedAt = Date.now();
        const pid = killNode(o.pidFile(victim));
        const r: Recovery = { what: `kill broker ${victim} (${label})`, atS, recoveredMs: null };
        recoveries.push(r);
        // Partitions whose only in-sync replica was the victim keep no leader until it is back
        // (no unclean election, by design); their recovery is bounded by the restart.
        const onlyVictim = ps.filter((p) => p.isr.length === 1 && p.isr[0] === victim).length;
        const timeout = o.downMs + 120_000;
        let restartedAt = Number.POSITIVE_INFINITY;
        const measured = Promise.all([
          until(
            async () =>
              (await partitions(admin, runTopics)).every(
                (p) => p.leader >= 0 && (p.leader !== victim || Date.now() > restartedAt),
              ),
            killedAt,
            timeout,
          ),
          produceAgain(producer, o.probeTopic, killedAt, timeout),
          ...stages.map((s, i) =>
            until(async () => (await s.read()) > (at[i] ?? 0), killedAt, timeout),
          ),
        ]);
        // Down for a while, whatever the measurements do: the checks run on the full cluster.
        const restarted = (async () => {
          await sleep(Math.max(0, killedAt + o.downMs - Date.now()));
          restartedAt = Date.now();
          restarts.push((await o.restart()).trim());
          const isr = await until(
            async () =>
              (await partitions(admin, runTopics)).every((p) => p.isr.length === p.replicas.length),
            restartedAt,
            120_000,
          );
          figures[`broker ${victim} restarted`] =
            `at ${((restartedAt - ctx.startedAt) / 1000).toFixed(1)} s; every partition fully in sync ${fmt(isr)} later`;
        })();
        const [[leaders, produce, ...groupMs]] = await Promise.all([measured, restarted]);
        const all = [leaders, produce, ...groupMs];
        r.recoveredMs = all.includes(null) ? null : Math.max(...(all as number[]));
        r.detail = `pid ${pid}, led ${leads} of ${ps.length} partitions (in-sync only on it: ${onlyVictim}); leaders ${fmt(leaders)}, produce ${fmt(produce)}, ${stages.map((s, i) => `${s.stage} ${fmt(groupMs[i] ?? null)}`).join(', ')}`;
        figures[`${r.what}`] = `at ${atS} s; ${r.detail}`;
      };

      try {
        await sleepUnless(o.firstKillMs, signal);
        if (!signal.aborted) {
          await killOnce('led the most partitions', (ps) => busiestLeader(ps).id);
          if (o.killController && !signal.aborted) {
            await sleep(2000);
            await killOnce('active controller', () => {
              const logs = o.nodes.map((n) => ({
                id: n.id,
                text: readFileSync(o.logFile(n.id), 'utf8'),
              }));
              const id = activeController(logs);
              if (id === undefined) throw new Error('no active controller found in the logs');
              return id;
            });
          }
        }
      } finally {
        await producer.disconnect().catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
      }
      figures['stack up on restart'] = restarts
        .map((out) =>
          out
            .split('\n')
            .filter((l) => /kafka|already running/.test(l))
            .map((l) => l.replace(/^\[\s*[\d.]+s\]\s*/, ''))
            .join('; '),
        )
        .join(' | ');
      return { recoveries, figures };
    },
  };
}

function minIsr(o: BrokerFailoverOptions): string {
  return (
    readFileSync(o.propertiesFile(o.nodes[0]?.id ?? 1), 'utf8').match(
      /^min\.insync\.replicas=(\d+)$/m,
    )?.[1] ?? '?'
  );
}

/**
 * Sends one probe record after another (each may wait out the failover inside the client) until
 * one whose send began after the kill is acknowledged.
 */
async function produceAgain(
  producer: Producer,
  topic: string,
  killedAt: number,
  timeoutMs: number,
): Promise<number | null> {
  const deadline = killedAt + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await producer
      .send({ topic, messages: [{ key: String(Date.now()), value: 'probe' }] })
      .then(
        () => true,
        () => false,
      );
    if (ok) return Date.now() - killedAt;
    await sleep(200);
  }
  return null;
}
