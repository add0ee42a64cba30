// Apache Kafka 4 in KRaft mode (no ZooKeeper), from Maven Central jars on the installed JDK.
// One combined broker+controller by default; `--brokers 3` runs three combined nodes with a
// fixed voter set, replication factor 3 and min ISR 2, for failover tests. Node i listens on
// base+2(i-1) for clients and the next port for the controller quorum.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka, kafkaReachable } from '@sluice/kafka';
import { brokerList } from '../env.ts';
import { javaBinary, type MavenDependency, mavenLib, mavenLibPath } from './java-runtime.ts';
import { tcpOpen } from './probes.ts';
import type { ServiceContext, StackService } from './service.ts';
import { StackError } from './service.ts';

export const KAFKA_VERSION = '4.4.0';

const deps: MavenDependency[] = [
  { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: KAFKA_VERSION },
  // Kafka logs through SLF4J 1.7, so the bridge is log4j-slf4j-impl (not the slf4j2 one).
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: '2.25.5' },
];

interface Node {
  id: number;
  port: number;
  controllerPort: number;
  dir: string;
}

function nodes(ctx: ServiceContext): Node[] {
  const first = brokerList(ctx.env)[0] ?? '127.0.0.1:9092';
  const base = Number(first.slice(first.lastIndexOf(':') + 1));
  return Array.from({ length: ctx.options.brokers }, (_, i) => ({
    id: i + 1,
    port: base + 2 * i,
    controllerPort: base + 2 * i + 1,
    dir: ctx.paths.data(`kafka-${i + 1}`),
  }));
}

function serverProperties(ctx: ServiceContext, node: Node, all: Node[]): string {
  const rf = all.length;
  const isr = Math.min(2, rf);
  return `${[
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${all.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(node.dir, 'data')}`,
    `num.partitions=${ctx.env.TOPIC_PARTITIONS}`,
    `default.replication.factor=${rf}`,
    `min.insync.replicas=${isr}`,
    `offsets.topic.replication.factor=${rf}`,
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${isr}`,
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${isr}`,
    'group.initial.rebalance.delay.ms=0',
    // Topics are created explicitly with their partitions and replication from config.
    'auto.create.topics.enable=false',
    'num.network.threads=2',
    'num.io.threads=4',
    'num.recovery.threads.per.data.dir=1',
    'broker.heartbeat.interval.ms=1000',
    'broker.session.timeout.ms=4000',
  ].join('\n')}\n`;
}

const log4j2 = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <Console name="OUT" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="OUT"/></Root>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
  </Loggers>
</Configuration>
`;

function clusterId(ctx: ServiceContext): string {
  const file = join(ctx.paths.data('kafka'), 'cluster-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  let id: string;
  // The format tool reads an id starting with '-' as an option.
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  mkdirSync(ctx.paths.data('kafka'), { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

const jvmFlags = (ctx: ServiceContext) => [
  `-Xms${ctx.env.KAFKA_HEAP_MB}m`,
  `-Xmx${ctx.env.KAFKA_HEAP_MB}m`,
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
  '-Djava.net.preferIPv4Stack=true',
  `-Dlog4j2.configurationFile=${join(ctx.paths.data('kafka'), 'log4j2.xml')}`,
];

export const kafkaService: StackService = {
  name: 'kafka',
  startTimeoutMs: 120_000,
  stopGraceMs: 30_000,
  ports: (ctx) => nodes(ctx).flatMap((n) => [n.port, n.controllerPort]),
  endpoint: (ctx) =>
    nodes(ctx)
      .map((n) => `127.0.0.1:${n.port}`)
      .join(','),

  async prepare(ctx) {
    const java = javaBinary(ctx);
    const lib = await mavenLib(ctx, 'kafka', deps);
    mkdirSync(ctx.paths.data('kafka'), { recursive: true });
    writeFileSync(join(ctx.paths.data('kafka'), 'log4j2.xml'), log4j2);
    const all = nodes(ctx);
    const id = clusterId(ctx);
    for (const node of all) {
      mkdirSync(node.dir, { recursive: true });
      const props = join(node.dir, 'server.properties');
      writeFileSync(props, serverProperties(ctx, node, all));
      if (existsSync(join(node.dir, 'data', 'meta.properties'))) continue;
      ctx.progress(`kafka: formatting storage of node ${node.id}`);
      try {
        execFileSync(
          java,
          [
            ...jvmFlags(ctx).slice(2),
            '-Xmx256m',
            '-cp',
            join(lib, '*'),
            'kafka.tools.StorageTool',
            'format',
            '-t',
            id,
            '-c',
            props,
            '--ignore-formatted',
          ],
          { stdio: 'pipe' },
        );
      } catch (err) {
        const out = err as { stdout?: Buffer; stderr?: Buffer };
        throw new StackError(
          `kafka: formatting ${node.dir} failed: ${out.stderr?.toString() ?? ''}${out.stdout?.toString() ?? ''}`,
        );
      }
    }
  },

  processes(ctx) {
    const java = ctx.env.JAVA_HOME ? join(ctx.env.JAVA_HOME, 'bin', 'java') : 'java';
    const lib = mavenLibPath(ctx, 'kafka', deps);
    return nodes(ctx).map((node) => ({
      name: ctx.options.brokers === 1 ? 'kafka' : `kafka-${node.id}`,
      spec: {
        command: java,
        args: [
          ...jvmFlags(ctx),
          '-cp',
          join(lib, '*'),
          'kafka.Kafka',
          join(node.dir, 'server.properties'),
        ],
      },
    }));
  },

  async health(ctx) {
    const all = nodes(ctx);
    const up: number[] = [];
    for (const node of all) {
      // An open port is not enough: it opens before the broker answers requests.
      if (!(await tcpOpen('127.0.0.1', node.port))) continue;
      const kafka = createKafka({
        brokers: [`127.0.0.1:${node.port}`],
        clientId: 'sluice-stack',
        logLevel: 'nothing',
      });
      if (await kafkaReachable(kafka, 2000)) up.push(node.id);
    }
    return {
      healthy: up.length === all.length,
      detail: `Kafka ${KAFKA_VERSION} KRaft, ${up.length}/${all.length} broker(s) answering`,
    };
  },
};
