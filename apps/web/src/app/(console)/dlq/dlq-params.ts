// The inbox's view as URL search parameters, so that a filtered view, a group and an entry can
// be linked: reading them into the API's filter (invalid values are left out, never sent), and
// writing a changed view back.
import type { DlqStatus } from '@sluice/core';

// Core's list, here as a value: importing core at run time would bring node:buffer to the browser.
export const STATUSES = [
  'new',
  'replayed',
  'discarded',
  'failed-again',
] as const satisfies readonly DlqStatus[];

export interface DlqView {
  stage?: string;
  errorClass?: string;
  eventType?: string;
  status?: DlqStatus;
  /** `YYYY-MM-DDTHH:MM`, UTC (a datetime-local input's value). */
  since?: string;
  until?: string;
  /** Text in the message or payload; three characters at least. */
  q?: string;
  /** The open group's signature and the open entry's id. */
  sig?: string;
  entry?: string;
}

const KEYS = ['stage', 'errorClass', 'eventType', 'status', 'since', 'until', 'q', 'sig', 'entry'];

interface Params {
  get(name: string): string | null;
}

function utcMs(v: string | undefined): number | undefined {
  if (!v || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v)) return undefined;
  const ms = Date.parse(`${v}:00Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

export function readView(params: Params): DlqView {
  const view: Record<string, string> = {};
  for (const k of KEYS) {
    const v = params.get(k)?.trim();
    if (v) view[k] = v.slice(0, 200);
  }
  if (view.status && !(STATUSES as readonly string[]).includes(view.status)) {
    delete view.status;
  }
  return view as DlqView;
}

/** The API filter the view asks for (without the open group or entry). */
export function filterOf(view: DlqView) {
  const sinceMs = utcMs(view.since);
  const untilMs = utcMs(view.until);
  return {
    ...(view.stage ? { stage: view.stage } : {}),
    ...(view.errorClass ? { errorClass: view.errorClass } : {}),
    ...(view.eventType ? { eventType: view.eventType } : {}),
    ...(view.status ? { status: [view.status] } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    ...(view.q && view.q.length >= 3 ? { text: view.q } : {}),
  };
}

/** The open signature, when it is one (32 hex characters). */
export function signatureOf(view: DlqView): string | undefined {
  return view.sig && /^[0-9a-f]{32}$/.test(view.sig) ? view.sig : undefined;
}

/** The open entry's id, when it is one. */
export function entryIdOf(view: DlqView): number | undefined {
  if (!view.entry || !/^\d{1,15}$/.test(view.entry)) return undefined;
  const id = Number(view.entry);
  return id > 0 ? id : undefined;
}

/** `/dlq?…` for the view with `change` applied (an undefined value removes the parameter). */
export function hrefOf(view: DlqView, change: Partial<DlqView> = {}): string {
  const next = { ...view, ...change };
  const params = new URLSearchParams();
  for (const k of KEYS) {
    const v = next[k as keyof DlqView];
    if (v) params.set(k, v);
  }
  const s = params.toString();
  return s ? `/dlq?${s}` : '/dlq';
}
