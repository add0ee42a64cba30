// The `sluice worker …` processes a suite starts, kept in one list so that the suite's teardown
// can kill every one of them, whatever failed.
import { startSluice, type Worker } from './sluice-cli.ts';

export interface WorkerProcesses {
  /** Every worker started so far, in order. */
  readonly all: Worker[];
  /** `sluice worker <stage> --metrics-port 0 --worker-id <id>`, with the suite's environment. */
  start(stage: string, id: string, extraEnv?: NodeJS.ProcessEnv): Worker;
}

export function workerProcesses(env: NodeJS.ProcessEnv): WorkerProcesses {
  const all: Worker[] = [];
  return {
    all,
    start(stage, id, extraEnv = {}) {
      const w = startSluice(['worker', stage, '--metrics-port', '0', '--worker-id', id], {
        ...env,
        ...extraEnv,
      });
      all.push(w);
      return w;
    },
  };
}
