import { type Admin, type Kafka } from 'kafkajs';
import { type Logger } from '../lib/logger.js';
import { metrics } from '../lib/metrics.js';

export interface LagMonitorOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  logger: Logger;
  /** How often lag is measured (default 15 s, a typical scrape interval). */
  intervalMs?: number;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: bigint;
}

export interface LagMonitor {
  /** Measures now, updates finance_ingest_consumer_lag and returns the figures. */
  measure(): Promise<PartitionLag[]>;
  stop(): Promise<void>;
}

/**
 * Consumer lag per partition: the log end offset minus the group's committed
 * offset (the whole log when nothing is committed yet). It is measured from
 * the broker with an admin client on a timer, not from the batches the
 * consumer sees, so a consumer that is stuck or paused still shows its lag
 * growing: that is exactly when FinanceConsumerLag must fire.
 */
export async function startLagMonitor(options: LagMonitorOptions): Promise<LagMonitor> {
  const { kafka, groupId, topics, logger } = options;
  const admin: Admin = kafka.admin();
  await admin.connect();

  async function measure(): Promise<PartitionLag[]> {
    const committed = await admin.fetchOffsets({ groupId, topics });
    const result: PartitionLag[] = [];
    for (const topic of topics) {
      const ends = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
      const group = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        const at = group.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = BigInt(at) >= 0n ? BigInt(at) : BigInt(end.low);
        const lag = BigInt(end.high) > from ? BigInt(end.high) - from : 0n;
        result.push({ topic, partition: end.partition, lag });
        metrics.consumerLag.set({ topic, partition: String(end.partition) }, Number(lag));
      }
    }
    return result;
  }

  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = measure().catch((err: unknown) =>
      logger.warn({ err, groupId }, 'could not measure consumer lag; will try again'),
    );
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 15_000);
  timer.unref();

  return {
    measure,
    async stop() {
      clearInterval(timer);
      await running;
      await admin.disconnect();
    },
  };
}
