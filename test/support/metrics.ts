/** A prom-client metric as tests read it. */
interface Readable {
  get(): Promise<{ values: { value: number; labels: object }[] }>;
}

/** The sum of a metric's series whose labels include `labels` (all series when none are given). */
export async function metricValue(metric: Readable, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) =>
      Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want),
    )
    .reduce((sum, v) => sum + v.value, 0);
}
