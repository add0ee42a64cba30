import { describe, expect, it } from 'vitest';
import { parseProcStat, parseProcStatus, readUsage } from './proc-usage.ts';

// A real line's shape, with a command name holding a space and parentheses.
const stat =
  '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 35123 0 12 0 1234 567 0 0 20 0 11 0 98765 1234567890 45678 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0';

describe('/proc parsing', () => {
  it('takes utime + stime and the start time from stat, counting past the command name', () => {
    expect(parseProcStat(stat)).toEqual({ cpuTicks: 1234 + 567, startTicks: 98765 });
  });

  it('refuses text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/stat/);
    expect(() => parseProcStat('1 (x) S 1 2')).toThrow(/field 14/);
  });

  it('reads peak and current RSS from status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
    expect(parseProcStatus(status)).toEqual({ peakRssKb: 204800, rssKb: 102400 });
    expect(() => parseProcStatus('Name:\tkthreadd\n')).toThrow(/VmHWM/);
  });

  it('reads this very process', () => {
    const u = readUsage(process.pid);
    expect(u.cpuMs).toBeGreaterThan(0);
    expect(u.peakRssMb).toBeGreaterThan(10);
  });
});
