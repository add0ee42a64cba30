// A stage's desired state, as the control plane sets it and the workers apply it: one record per
// consumer group on the compacted control topic (key: the group name), so the latest survives
// worker restarts and a worker that starts reads the state before it joins its group.
//   running  the stage consumes
//   paused   members stay in the group (their partitions stay assigned), fetching stops
//   stopped  members leave the group but stay alive and ready; its offsets may then be reset
import { z } from 'zod';

export const STAGE_STATES = ['running', 'paused', 'stopped'] as const;
export type StageState = (typeof STAGE_STATES)[number];

export const stageControlSchema = z.object({
  state: z.enum(STAGE_STATES),
  /** Who set it: a console user's email, or the CLI's user. */
  by: z.string().trim().min(1).max(200),
  /** When, ISO 8601. */
  at: z.iso.datetime(),
  reason: z.string().trim().max(500).optional(),
});

export type StageControl = z.infer<typeof stageControlSchema>;

export type StageControlParse = { ok: true; control: StageControl } | { ok: false; error: string };

/**
 * A control record's value. A record that does not parse is reported, never applied: a worker
 * keeps the state it has rather than guess (a bad record must not stop or start a stage).
 */
export function parseStageControl(value: Buffer | string | null | undefined): StageControlParse {
  if (value === null || value === undefined) return { ok: false, error: 'empty control record' };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, error: 'control record is not JSON' };
  }
  const r = stageControlSchema.safeParse(json);
  if (!r.success)
    return {
      ok: false,
      error: `invalid control record: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    };
  return { ok: true, control: r.data };
}

/** The state a stage runs in when no control record names it: running. */
export const DEFAULT_STAGE_CONTROL: StageControl = {
  state: 'running',
  by: 'default',
  at: new Date(0).toISOString(),
};

/** One line for logs and the CLI: "paused by ana@example.com at … (reason)". */
export function describeStageControl(c: StageControl): string {
  if (c === DEFAULT_STAGE_CONTROL) return 'running (never paused or stopped)';
  return `${c.state} by ${c.by} at ${c.at}${c.reason ? ` (${c.reason})` : ''}`;
}
