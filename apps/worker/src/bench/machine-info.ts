// What a benchmark figure was measured on: the machine, the versions and the load, printed beside
// every result. The Kafka client's librdkafka version is read from its package metadata (this
// module must not load the client: @sluice/kafka is the only code that does); the broker's
// version and pid from its process on this machine, when it runs here.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kafkaClient: string;
  kafka: string;
}

export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg();
  return [Number(a.toFixed(2)), Number(b.toFixed(2)), Number(c.toFixed(2))];
}

/** The Kafka client package and the librdkafka it is built on, from its package.json. */
export function kafkaClientVersion(repoRoot: string): string {
  try {
    const require = createRequire(join(repoRoot, 'packages', 'kafka', 'package.json'));
    const pkg = JSON.parse(
      readFileSync(require.resolve('@confluentinc/kafka-javascript/package.json'), 'utf8'),
    ) as { name: string; version: string; librdkafka?: string };
    return `${pkg.name} ${pkg.version}, librdkafka ${pkg.librdkafka ?? 'unknown'}`;
  } catch {
    return 'unknown';
  }
}

/** The broker's pid and version, when a broker (kafka.Kafka) runs on this machine. */
export function findLocalBroker(): { pid: number; version: string } | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!cmd.includes('kafka.Kafka')) continue;
    return { pid: Number(entry), version: brokerVersion(cmd) };
  }
  return undefined;
}

/** From the broker's class path: kafka-server-<v>.jar or kafka_<scala>-<v>.jar. */
export function brokerVersion(cmd: readonly string[]): string {
  const at = cmd.findIndex((a) => a === '-cp' || a === '-classpath');
  const cp = at >= 0 ? (cmd[at + 1] ?? '') : '';
  const jarVersion = (name: string) =>
    /^kafka(?:-server|_[\d.]+)-(\d[\w.-]*)\.jar$/.exec(name)?.[1];
  for (const part of cp.split(':')) {
    const direct = jarVersion(part.slice(part.lastIndexOf('/') + 1));
    if (direct) return direct;
    if (part.endsWith('/*')) {
      try {
        for (const f of readdirSync(dirname(part))) {
          const v = jarVersion(f);
          if (v) return v;
        }
      } catch {
        // an unreadable class-path entry: try the next
      }
    }
  }
  return 'unknown';
}

export function machineInfo(repoRoot: string): MachineInfo {
  const cpu = cpus();
  const broker = findLocalBroker();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    kafkaClient: kafkaClientVersion(repoRoot),
    kafka: broker ? `${broker.version} (broker pid ${broker.pid} on this machine)` : 'not local',
  };
}
