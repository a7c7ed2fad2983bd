import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { type KafkaConfig } from '../config/index.js';
import { type Out, table } from './output.js';

export interface ReplayOptions {
  /** Topics to rewind; default: the three event topics. */
  topics?: string[];
  /** ISO time: rewind to the first offset at or after it; default: the beginning. */
  from?: string;
  /** Without it, only shows what would change. */
  yes: boolean;
}

/**
 * `finance replay`: rewinds the consumer group so ingest re-reads the topics.
 * Safe by design — every event's workflow ID is derived from the event ID and
 * the ledger's (merchant, source) is unique — so a replay posts nothing new;
 * it exists to recover events that were never consumed (e.g. after a DLQ fix).
 * Kafka only moves a group's offsets while the group has no members, so stop
 * the ingest role first.
 */
export async function runReplay(config: KafkaConfig, out: Out, opts: ReplayOptions): Promise<number> {
  const topics = opts.topics?.length
    ? opts.topics
    : [config.topics.sale, config.topics.inventory, config.topics.merchantCdc];
  const at = opts.from ? new Date(opts.from) : undefined;
  if (at && Number.isNaN(at.getTime())) {
    out.line(`--from "${opts.from}" is not a date (use ISO 8601, e.g. 2026-11-25T00:00:00Z)`);
    return 2;
  }
  const kafka = new Kafka({
    clientId: `${config.clientId}-cli`,
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
    ssl: config.ssl,
    ...(config.sasl ? { sasl: config.sasl as SASLOptions } : {}),
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([config.groupId]);
    const state = groups[0]?.state ?? 'Dead';
    if (!['Empty', 'Dead'].includes(state)) {
      out.line(
        `Consumer group ${config.groupId} is ${state} with ${groups[0]?.members.length ?? 0} member(s): stop the ingest role first (Kafka refuses to move a live group's offsets).`,
      );
      return 1;
    }
    const rows: string[][] = [['topic', 'partition', 'committed', 'rewind to', 'messages to re-read']];
    const plans: { topic: string; partitions: { partition: number; offset: string }[] }[] = [];
    for (const topic of topics) {
      const [committed] = await admin.fetchOffsets({ groupId: config.groupId, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      const targets = at
        ? await admin.fetchTopicOffsetsByTimestamp(topic, at.getTime())
        : ends.map((e) => ({ partition: e.partition, offset: e.low }));
      const partitions = targets.map((t) => {
        const current = committed?.partitions.find((p) => p.partition === t.partition)?.offset ?? '-1';
        const high = ends.find((e) => e.partition === t.partition)?.high ?? t.offset;
        const from = current === '-1' ? high : current;
        rows.push([
          topic,
          String(t.partition),
          current === '-1' ? '(none)' : current,
          t.offset,
          String(Math.max(0, Number(BigInt(from) - BigInt(t.offset)))),
        ]);
        return { partition: t.partition, offset: t.offset };
      });
      plans.push({ topic, partitions });
    }
    for (const row of table(rows)) out.line(row);
    if (!opts.yes) {
      out.line('');
      out.line(
        'Nothing changed. Re-run with --yes to rewind the group as shown; events already posted are recognised and post nothing new.',
      );
      return 0;
    }
    for (const plan of plans)
      await admin.setOffsets({ groupId: config.groupId, topic: plan.topic, partitions: plan.partitions });
    out.line('');
    out.line(
      `Rewound ${config.groupId} on ${plans.length} topic(s)${at ? ` to ${at.toISOString()}` : ' to the beginning'}. Start the ingest role to re-read.`,
    );
    return 0;
  } finally {
    await admin.disconnect();
  }
}
