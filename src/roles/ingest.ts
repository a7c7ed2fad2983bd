import { createIngest } from '../ingest/index.js';
import { type RoleContext, type RunningRole } from './types.js';

/** The Kafka consumer: one Temporal workflow per event (docs/reference/events.md). */
export async function startIngest({ config, logger }: RoleContext): Promise<RunningRole> {
  const ingest = await createIngest({
    kafka: config.kafka!,
    temporal: config.temporal!,
    logger: logger.child({ role: 'ingest' }),
  });
  return { name: 'ingest', done: ingest.done, stop: () => ingest.stop(), checks: ingest.checks };
}
