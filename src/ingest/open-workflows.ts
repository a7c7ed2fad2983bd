import { metrics } from '../lib/metrics.js';

/**
 * The bound on workflows this ingest instance started (or found already
 * running) that have not closed yet. Offered more events than Temporal can
 * finish, ingest would otherwise keep starting workflows, and the server
 * would spend its capacity on starts while the tasks of those already
 * started queue behind them: completed throughput falls exactly when a
 * backlog must drain. Kafka is the better buffer, so at the bound the
 * partitions pause (their messages stay unresolved, nothing is committed
 * past them) and resume once completions bring the count down to the low
 * mark, a quarter below the bound, so that one completion does not wake
 * every partition for one message each.
 *
 * Everything here runs on the one JS thread, so a slot is taken in the same
 * tick as the check.
 */
export class OpenWorkflows {
  private open = 0;
  private readonly paused = new Map<string, () => void>();
  private readonly lowMark: number;

  constructor(readonly limit: number) {
    this.lowMark = limit - Math.max(1, Math.floor(limit / 4));
  }

  get count(): number {
    return this.open;
  }

  /** Takes a slot for one workflow start; false at the bound. */
  tryTake(): boolean {
    if (this.open >= this.limit) return false;
    this.open += 1;
    metrics.ingestOpenWorkflows.set(this.open);
    return true;
  }

  /** The workflow closed, or its start was refused: its slot is free again. */
  release(): void {
    this.open -= 1;
    metrics.ingestOpenWorkflows.set(this.open);
    if (this.open <= this.lowMark) this.resumeAll();
  }

  /**
   * Pauses a partition until slots free up, via the kafkajs `pause` handed to
   * its batch (which returns the matching `resume`). A partition is never
   * paused here and by the Temporal-outage backoff at once: a paused
   * partition receives no batch that could pause it again. Completions may
   * have freed the slots while the batch waited for its last starts: then it
   * resumes at once, as no later completion would wake it.
   */
  pauseUntilFree(topic: string, partition: number, pause: () => () => void): void {
    this.paused.set(`${topic}/${partition}`, pause());
    if (this.open <= this.lowMark) this.resumeAll();
  }

  private resumeAll(): void {
    for (const resume of this.paused.values()) {
      try {
        resume();
      } catch {
        // The consumer stopped or restarted meanwhile: a new run starts unpaused.
      }
    }
    this.paused.clear();
  }

  clear(): void {
    this.paused.clear();
  }
}
