import { createIngest } from '../ingest/index.js';
import { kafkaAnswers, temporalAnswers } from './boot-probes.js';
import { type RoleDefinition } from './types.js';

/**
 * The Kafka consumer: one Temporal workflow per event (docs/reference/events.md). Starting
 * needs Kafka; Temporal is connected lazily, and while it does not answer
 * the consumer pauses its partitions and retries, as during any outage.
 */
export const ingestRole: RoleDefinition = {
  name: 'ingest',
  bootProbes: (config) => ({
    kafka: () => kafkaAnswers(config.kafka!),
    temporal: () => temporalAnswers(config.temporal!),
  }),
  async start({ config, logger }) {
    const ingest = await createIngest({
      kafka: config.kafka!,
      temporal: config.temporal!,
      logger: logger.child({ role: 'ingest' }),
    });
    return { name: 'ingest', done: ingest.done, stop: () => ingest.stop(), checks: ingest.checks };
  },
};
