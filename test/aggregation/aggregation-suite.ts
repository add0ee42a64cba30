// What the aggregation suites share: the topic and group names under a prefix, and aggregation
// workers started through the `sluice` CLI, remembered so that the suite can kill them after.
import { startSluice, type Worker } from '../support/sluice-cli.ts';

export function aggregationNames(prefix: string) {
  return {
    topics: {
      enriched: `${prefix}events.enriched`,
      aggregates: `${prefix}aggregates`,
      sessions: `${prefix}sessions`,
    },
    group: `${prefix}aggregation-workers`,
  };
}

export function aggregationWorkers(env: NodeJS.ProcessEnv) {
  const workers: Worker[] = [];
  return {
    start(id: string): Worker {
      const w = startSluice(
        ['worker', 'aggregation', '--metrics-port', '0', '--worker-id', id],
        env,
      );
      workers.push(w);
      return w;
    },
    killAll(): void {
      for (const w of workers) w.child.kill('SIGKILL');
    },
  };
}
