/** A dependency check behind `/readyz`: resolves when the dependency answers, rejects naming why not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'unready';
  checks: Record<string, CheckResult>;
}

export interface ReadinessOptions {
  /** A report is reused this long after it completes (default 1 s). */
  cacheMs?: number;
  /** A check that has not answered by then fails (default 2 s). */
  timeoutMs?: number;
}

/**
 * Every check of every role in the process, behind one `/readyz` (docs/reference/http-api.md).
 * Each role registers its checks under its name (`api.database`,
 * `worker.running`, `ingest.kafka`, ...), so `RUN_MODE=all` reports all of
 * them and a single-role process its own.
 *
 * Reports are shared: concurrent probes wait for the evaluation in flight,
 * and a finished report is reused for `cacheMs`, so a flood of probes costs
 * the dependencies one round of calls per second, not one per request.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private current: { report: Promise<ReadinessReport>; expiresAt: number } | undefined;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;

  constructor(options: ReadinessOptions = {}) {
    this.cacheMs = options.cacheMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  /** Adds a check, or replaces the one of that name (a role that started swaps its boot probes for its own clients). */
  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
    this.current = undefined;
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  report(): Promise<ReadinessReport> {
    if (this.current && this.current.expiresAt > Date.now()) return this.current.report;
    const entry = { report: this.evaluate(), expiresAt: Number.POSITIVE_INFINITY };
    this.current = entry;
    void entry.report.then(() => (entry.expiresAt = Date.now() + this.cacheMs));
    return entry.report;
  }

  private async evaluate(): Promise<ReadinessReport> {
    const entries = [...this.checks];
    const results = await Promise.all(entries.map(([, check]) => probe(check, this.timeoutMs)));
    const checks = Object.fromEntries(entries.map(([name], i) => [name, results[i]!]));
    // Nothing registered yet is not "nothing wrong": a process is ready once its roles said what they need.
    const ready = results.length > 0 && results.every((r) => r.ok);
    return { status: ready ? 'ready' : 'unready', checks };
  }
}

/** Runs one check with a deadline; the error names the failure, never a secret. */
export async function probe(run: ReadinessCheck, timeoutMs = 2_000): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new NoAnswer(timeoutMs)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: failureName(err) };
  } finally {
    clearTimeout(timer);
  }
}

class NoAnswer extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/**
 * A short, safe name for a failure: a check's own message when it is one of
 * ours (`NotReady`), else the driver's error code or class. Never a driver's
 * full text, which may carry a connection string.
 */
export function failureName(err: unknown): string {
  if (err instanceof NotReady || err instanceof NoAnswer) return err.message;
  const e = err as { code?: unknown; name?: unknown };
  if (typeof e?.code === 'string' && e.code) return e.code;
  if (typeof e?.name === 'string' && e.name && e.name !== 'Error') return e.name;
  return 'unreachable';
}

/** A check's verdict in our own words (shown as is by `/readyz`). */
export class NotReady extends Error {
  override readonly name = 'NotReady';
}
