import { type Admin } from 'kafkajs';
import { type Logger } from '../lib/logger.js';

/**
 * Creates the topics ingest reads and writes when they are missing (SPEC §6),
 * with enough partitions that partitions really are consumed in parallel.
 * Existing topics are never altered: a partition count lower than asked is
 * reported, because adding partitions re-keys merchants onto new partitions.
 */
export async function ensureTopics(
  admin: Admin,
  topics: string[],
  numPartitions: number,
  logger: Logger,
): Promise<void> {
  const wanted = [...new Set(topics)];
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    // Two instances booting together may both try: "already exists" is success (createTopics resolves false).
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions })),
      waitForLeaders: true,
    });
    logger.info({ topics: missing, numPartitions }, 'created missing Kafka topics');
  }
  const { topics: described } = await admin.fetchTopicMetadata({ topics: wanted });
  for (const t of described) {
    if (t.partitions.length < numPartitions) {
      logger.warn(
        { topic: t.name, partitions: t.partitions.length, wanted: numPartitions },
        `topic ${t.name} has ${t.partitions.length} partitions, fewer than the configured ${numPartitions}; left as is`,
      );
    }
  }
}
