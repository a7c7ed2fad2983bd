/**
 * Every Temporal Worker a test starts, while it runs. Kept apart from the
 * helpers that start workers so the per-file setup (test/support/setup.ts)
 * can check it without loading the Temporal SDK into every test file.
 */
export interface RegisteredWorker {
  readonly taskQueue: string;
  stop(): Promise<void>;
}

const running = new Set<RegisteredWorker>();

export function registerWorker(worker: RegisteredWorker): () => void {
  running.add(worker);
  return () => running.delete(worker);
}

/** Stops whatever is still running and names it: a test that leaves a worker polling is a defect. */
export async function stopLeftoverWorkers(): Promise<string[]> {
  const leftovers = [...running];
  await Promise.allSettled(leftovers.map((w) => w.stop()));
  running.clear();
  return leftovers.map((w) => w.taskQueue);
}
