import { closePrisma, createPrisma } from '../db/client.js';
import { dbOf } from '../db/executor.js';
import { createIngest } from '../ingest/index.js';
import { databaseAnswers, kafkaAnswers, temporalAnswers } from './boot-probes.js';
import { type RoleDefinition } from './types.js';

/**
 * The Kafka consumer: one Temporal workflow per event (docs/reference/events.md). Starting
 * needs Kafka; Temporal is connected lazily, and while it does not answer
 * the consumer pauses its partitions and retries, as during any outage.
 * Each chunk's event records are written to PostgreSQL before its starts, so
 * while the database is away the partitions pause the same way.
 */
export const ingestRole: RoleDefinition = {
  name: 'ingest',
  bootProbes: (config) => ({
    kafka: () => kafkaAnswers(config.kafka!),
    temporal: () => temporalAnswers(config.temporal!),
    database: () => databaseAnswers(config.db!.url),
  }),
  async start({ config, logger }) {
    const db = config.db!;
    const prisma = createPrisma({
      url: db.url,
      poolSize: db.poolSize,
      applicationName: 'seller-finance-ingest',
    });
    try {
      const ingest = await createIngest({
        kafka: config.kafka!,
        temporal: config.temporal!,
        db: dbOf(prisma),
        logger: logger.child({ role: 'ingest' }),
      });
      const done = ingest.done.finally(() => closePrisma(prisma));
      return {
        name: 'ingest',
        done,
        stop: async () => {
          await ingest.stop();
          await done;
        },
        checks: ingest.checks,
      };
    } catch (err) {
      await closePrisma(prisma);
      throw err;
    }
  },
};
