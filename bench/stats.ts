/** Small helpers shared by the benchmarks: percentiles and a fixed-width report. */
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[i]!;
}

export interface Measurement {
  count: number;
  seconds: number;
  errors: number;
  latenciesMs: number[];
}

export function summarize(m: Measurement) {
  const sorted = [...m.latenciesMs].sort((a, b) => a - b);
  return {
    perSecond: m.count / m.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors: m.errors,
  };
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Runs `callers` loops of `op` for `seconds`, recording each call's latency. */
export async function closedLoop(
  callers: number,
  seconds: number,
  op: (caller: number, i: number) => Promise<unknown>,
): Promise<Measurement> {
  const latenciesMs: number[] = [];
  let count = 0;
  let errors = 0;
  let firstError: unknown;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let i = 0; performance.now() < deadline; i += 1) {
        const t0 = performance.now();
        try {
          await op(caller, i);
          count += 1;
          latenciesMs.push(performance.now() - t0);
        } catch (err) {
          errors += 1;
          firstError ??= err;
        }
      }
    }),
  );
  if (firstError) console.error('first error:', firstError);
  return { count, seconds: (performance.now() - started) / 1000, errors, latenciesMs };
}
