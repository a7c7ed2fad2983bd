/**
 * A relay process for the crash test: runs the real outbox relay against the
 * database and topic given in the environment. When a published batch holds
 * an entry of RELAY_CHILD_PAUSE_MERCHANT, it prints `PUBLISHED <seqs>` and
 * waits forever, between the publish and the mark: the parent SIGKILLs it
 * there, deterministically. The pause is this file's hook, not the service's.
 */
import { createPrisma } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { createKafka } from '../../src/ingest/kafka.js';
import { parseKafkaConfig } from '../../src/config/kafka.js';
import { createLogger } from '../../src/lib/logger.js';
import { startOutboxRelay } from '../../src/outbox/relay.js';

const env = process.env;
const pauseMerchant = env.RELAY_CHILD_PAUSE_MERCHANT!;
const logger = createLogger({ level: 'error' });
const kafka = parseKafkaConfig(env);
const prisma = createPrisma({ url: env.APP_ENV_DB_URL!, poolSize: 2, applicationName: 'sf-relay-child' });
startOutboxRelay({
  db: dbOf(prisma),
  kafka: createKafka(kafka, logger, '-relay-child'),
  topic: kafka.topics.vouchers,
  topicPartitions: kafka.topicPartitions,
  logger,
  pollMs: 50,
  retentionMs: 3_600_000,
  afterPublish: async (entries) => {
    const mine = entries.filter((e) => e.merchantId === pauseMerchant);
    if (mine.length === 0) return;
    process.stdout.write(`PUBLISHED ${mine.map((e) => e.seq).join(',')}\n`);
    await new Promise(() => {});
  },
});
