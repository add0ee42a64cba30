// The seam between a chaos scenario and what goes wrong in it. A scenario runs the pipeline,
// produces its traffic and checks every store afterwards; a Disruption is what it does to the
// pipeline meanwhile (kill workers here; a broker failover or a sink outage is another
// implementation of the same interface). It runs until traffic stops, then reports its figures
// and the recovery times the scenario asserts on.
import type { ChaosRun } from './chaos-run.ts';
import type { Fleet, Role, RoleSpec } from './worker-fleet.ts';

export interface DisruptionContext {
  run: ChaosRun;
  fleet: Fleet;
  roles: Record<Role, RoleSpec>;
  random: () => number;
  /** Wall-clock start of the traffic, for the timeline. */
  startedAt: number;
}

export interface Recovery {
  /** What was disrupted, for the report: `kill enrichment-1`, say. */
  what: string;
  /** Seconds since traffic started. */
  atS: number;
  /** Milliseconds until the pipeline moved again; null when it never did. */
  recoveredMs: number | null;
  detail?: string;
}

export interface DisruptionOutcome {
  figures: Record<string, string | number>;
  recoveries: Recovery[];
}

export interface Disruption {
  name: string;
  /** Disrupts until `signal` aborts, then waits for the last recovery and reports. */
  run(ctx: DisruptionContext, signal: AbortSignal): Promise<DisruptionOutcome>;
}
