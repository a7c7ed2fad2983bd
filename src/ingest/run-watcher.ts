import { type Db } from '../db/executor.js';
import { finishedRuns } from '../db/events.js';

/** Resolves once the run is done, or at the latest after the lease. Never rejects. */
export type WhenDone = (recordId: string, runId?: string) => Promise<void>;

export interface RunWatcherOptions {
  /** A run still open after this is waiting (a missing merchant, retry backoff), not working: it stops counting. */
  leaseMs: number;
  /** How often the open runs' records are read, all in one query. */
  pollMs: number;
}

/**
 * How ingest learns that a run it holds a slot for is done: the event's
 * record reaches a final status with that run's id (POSTED commits with the
 * last voucher; SKIPPED and FAILED are the run's last write). One query
 * every `pollMs` answers for every open run at once, on ingest's own
 * database connection; asking Temporal instead (a long poll of each
 * workflow's history for its close event) cost the orchestration server,
 * the bottleneck, one more call per event, and this process one more gRPC
 * call (BENCHMARKS.md). The slot frees as the ledger work commits, a
 * workflow task before the workflow closes.
 *
 * The lease matters: events waiting for their merchant must not hold the
 * bound, or they could stall the very ingest that would provision it. A
 * database error leaves the runs waiting for the next tick (or the lease).
 */
export function createRunWatcher(db: Db, { leaseMs, pollMs }: RunWatcherOptions): WhenDone {
  const waiting = new Map<string, { runId: string | null; deadline: number; done: () => void }[]>();
  let polling = false;

  const settle = (id: string, finished: boolean, now: number) => {
    const left = (waiting.get(id) ?? []).filter((w) => {
      if (finished || w.deadline <= now) w.done();
      return !finished && w.deadline > now;
    });
    if (left.length > 0) waiting.set(id, left);
    else waiting.delete(id);
  };

  const poll = async () => {
    polling = true;
    while (waiting.size > 0) {
      await new Promise((r) => setTimeout(r, pollMs).unref());
      const runs = [...waiting].flatMap(([id, ws]) => ws.map((w) => ({ id, runId: w.runId })));
      const finished = new Set(await finishedRuns(db, runs).catch(() => []));
      const now = Date.now();
      for (const id of [...waiting.keys()]) settle(id, finished.has(id), now);
    }
    polling = false;
  };

  return (recordId, runId) =>
    new Promise<void>((done) => {
      const ws = waiting.get(recordId) ?? [];
      ws.push({ runId: runId ?? null, deadline: Date.now() + leaseMs, done });
      waiting.set(recordId, ws);
      if (!polling) void poll();
    });
}
