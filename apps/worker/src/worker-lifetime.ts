// How a long-running worker ends: `done` resolves when it was stopped on purpose and rejects
// when it failed in a way it cannot recover from (a fenced producer), so the process exits and
// its orchestrator restarts it.
export interface WorkerLifetime {
  done: Promise<void>;
  finish(): void;
  fail(err: Error): void;
}

export function workerLifetime(): WorkerLifetime {
  let finish: () => void = () => {};
  let fail: (err: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { done, finish: () => finish(), fail: (err) => fail(err) };
}
