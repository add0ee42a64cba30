// CPU time and peak memory of a process, from Linux's /proc: utime + stime of /proc/<pid>/stat
// (every thread of the process, librdkafka's included, in clock ticks) and VmHWM / VmRSS of
// /proc/<pid>/status (peak and current resident set). The parsers are pure; `readUsage` reads.
import { readFileSync } from 'node:fs';

export interface ProcStat {
  /** User plus system CPU time, in clock ticks. */
  cpuTicks: number;
  /** Start time after boot, in clock ticks: with the pid, names a process across pid reuse. */
  startTicks: number;
}

/**
 * Fields of /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line');
  // After ") ": field 3 (state) is index 0, so field n is index n - 3.
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (n: number) => {
    const v = Number(f[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`/proc/<pid>/stat field ${n} is not a number`);
    return v;
  };
  return { cpuTicks: field(14) + field(15), startTicks: field(22) };
}

export interface ProcMemory {
  /** Peak resident set size (VmHWM), kB. */
  peakRssKb: number;
  /** Resident set size now (VmRSS), kB. */
  rssKb: number;
}

export function parseProcStatus(text: string): ProcMemory {
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    if (!m) throw new Error(`no ${name} in /proc/<pid>/status`);
    return Number(m[1]);
  };
  return { peakRssKb: kb('VmHWM'), rssKb: kb('VmRSS') };
}

export interface ProcessUsage {
  cpuMs: number;
  peakRssMb: number;
  /** Resident set when read (VmRSS), MB. */
  rssMb: number;
}

/** Clock ticks per second (sysconf(_SC_CLK_TCK)): 100 on Linux for x86 and arm64. */
export const CLOCK_TICKS_PER_SECOND = 100;

export function readUsage(pid: number, ticksPerSecond = CLOCK_TICKS_PER_SECOND): ProcessUsage {
  const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const mem = parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return {
    cpuMs: (stat.cpuTicks * 1000) / ticksPerSecond,
    peakRssMb: mem.peakRssKb / 1024,
    rssMb: mem.rssKb / 1024,
  };
}

/** Like readUsage, or undefined once the process is gone. */
export function tryReadUsage(pid: number): ProcessUsage | undefined {
  try {
    return readUsage(pid);
  } catch {
    return undefined;
  }
}
