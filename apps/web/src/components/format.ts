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

export const time = (iso: string) =>
  `${new Date(iso).toLocaleString('en-GB', { hour12: false, timeZone: 'UTC' })} UTC`;

export const clock = (ms: number) =>
  new Date(ms).toLocaleTimeString('en-GB', { hour12: false, timeZone: 'UTC' });
