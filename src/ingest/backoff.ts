/**
 * Per-partition pause/resume with exponential backoff. A partition whose
 * message could not be handed to Temporal (or to the DLQ) is paused and
 * resumed after a growing delay; kafkajs then fetches again from the first
 * unresolved offset, so nothing is skipped and nothing is committed past it.
 * Jitter keeps many paused partitions from hammering a recovering server in
 * the same millisecond.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export class PartitionBackoff {
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: BackoffOptions) {}

  /** Pauses via the given kafkajs `pause` (which returns its `resume`) and schedules the resume; returns the delay. */
  pause(topic: string, partition: number, pause: () => () => void): { delayMs: number; attempt: number } {
    const key = `${topic}/${partition}`;
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(attempt - 1, 20));
    const delayMs = Math.round(base * (0.8 + Math.random() * 0.4));
    const resume = pause();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        try {
          resume();
        } catch {
          // The consumer stopped or restarted meanwhile: a new run starts unpaused.
        }
      }, delayMs),
    );
    return { delayMs, attempt };
  }

  /** The partition made progress: the next failure starts from the initial delay again. */
  succeeded(topic: string, partition: number): void {
    this.failures.delete(`${topic}/${partition}`);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.failures.clear();
  }
}
