// What a benchmark figure was measured on: the machine, the versions and the load, printed beside
// every result. The Kafka client's versions come from @sluice/kafka (the only code that knows
// the client); the broker's version and pids from its processes on this machine, when it runs
// here.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { kafkaClientVersion } from '@sluice/kafka';

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

/**
 * Inodes of the sockets listening on `port` in a /proc/net/tcp or tcp6 table (state 0A), for
 * telling which process serves a broker address.
 */
export function listeningInodes(table: string, port: number): Set<string> {
  const out = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local || f[3] !== '0A') continue;
    if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[9])
      out.add(f[9]);
  }
  return out;
}

const readOr = (path: string, fallback = '') => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

/**
 * The broker processes (kafka.Kafka) on this machine that serve the configured broker addresses,
 * found by their listening sockets: another cluster on this machine (a test's) is not ours.
 */
export function findLocalBrokers(addresses: readonly string[]): LocalBroker[] {
  const ports = addresses.flatMap((a) => {
    const m = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1):(\d+)$/.exec(a);
    return m ? [Number(m[2])] : [];
  });
  if (ports.length === 0) return [];
  const tables = readOr('/proc/net/tcp') + readOr('/proc/net/tcp6');
  const wanted = new Map<string, number>();
  for (const port of ports)
    for (const inode of listeningInodes(tables, port)) wanted.set(inode, port);
  const found: LocalBroker[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = readOr(`/proc/${entry}/cmdline`).split('\0');
    if (!cmd.includes('kafka.Kafka')) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const port = wanted.get(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '');
      if (port !== undefined) {
        found.push({ pid: Number(entry), version: brokerVersion(cmd), port });
        break;
      }
    }
  }
  return found;
}

export interface LocalBroker {
  pid: number;
  version: string;
  port: number;
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

export function machineInfo(brokers: readonly LocalBroker[]): MachineInfo {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    kafkaClient: kafkaClientVersion(),
    kafka:
      brokers.length > 0
        ? `${brokers[0]?.version} (${brokers.map((b) => `broker pid ${b.pid} on :${b.port}`).join(', ')}, this machine)`
        : 'not on this machine (broker CPU not measured)',
  };
}
