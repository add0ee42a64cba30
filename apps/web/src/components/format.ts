// Number and time formatting for the console; "—" marks a value that is unknown.
const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export const num = (n: number | null | undefined) =>
  n === null || n === undefined ? '—' : nf.format(n);

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${nf.format(seconds)} s`;
  if (seconds < 3600) return `${nf.format(seconds / 60)} min`;
  return `${nf.format(seconds / 3600)} h`;
}

/** Bytes in binary units: 512 B, 3.4 MiB. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${nf.format(v)} ${units[i]}`;
}

/** A Kafka retention: -1 is no limit. */
export function retention(ms: number | null, limitBytes: number | null): string {
  if (ms === null) return '—';
  const time =
    ms < 0 ? 'forever' : ms >= 86_400_000 ? `${nf.format(ms / 86_400_000)} d` : duration(ms / 1000);
  return limitBytes !== null && limitBytes >= 0 ? `${time}, ${bytes(limitBytes)}/partition` : time;
}

export const time = (iso: string) =>
  `${new Date(iso).toLocaleString('en-GB', { hour12: false, timeZone: 'UTC' })} UTC`;

export const clock = (ms: number) =>
  new Date(ms).toLocaleTimeString('en-GB', { hour12: false, timeZone: 'UTC' });
