import { type Admin } from 'kafkajs';
import { type Logger } from '../lib/logger.js';

/**
 * Creates the topics ingest reads and writes when they are missing (docs/reference/events.md),
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
    await admin
      .createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true })
      .catch((err: unknown) => {
        // Created, but the metadata is not visible yet: metadataOnceVisible below waits for it.
        if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
      });
    logger.info({ topics: missing, numPartitions }, 'created missing Kafka topics');
  }
  const { topics: described } = await metadataOnceVisible(admin, wanted);
  for (const t of described) {
    if (t.partitions.length < numPartitions) {
      logger.warn(
        { topic: t.name, partitions: t.partitions.length, wanted: numPartitions },
        `topic ${t.name} has ${t.partitions.length} partitions, fewer than the configured ${numPartitions}; left as is`,
      );
    }
  }
}

/**
 * Right after createTopics, a broker can still answer UNKNOWN_TOPIC_OR_PARTITION
 * for a moment (seen on a freshly started KRaft node); kafkajs only retries
 * LEADER_NOT_AVAILABLE here, so wait for the metadata to propagate.
 */
async function metadataOnceVisible(admin: Admin, topics: string[]) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await admin.fetchTopicMetadata({ topics });
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (attempt >= 20 || (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE'))
        throw err;
      await new Promise((resolve) => setTimeout(resolve, 250 * Math.min(attempt, 8)));
    }
  }
}
