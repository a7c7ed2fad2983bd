import { z } from 'zod';
import { commaList, type Env, intInRange, parseEnv } from './parse.js';

export type KafkaConfig = ReturnType<typeof parseKafkaConfig>;

const brokers = z
  .string({ message: 'is required: a comma-separated list of host:port Kafka brokers' })
  .pipe(commaList)
  .refine((list) => list.length > 0, 'must name at least one broker')
  .refine((list) => list.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)), 'each broker must be host:port');

export function parseKafkaConfig(env: Env) {
  const parsed = parseEnv(
    {
      APP_ENV_KAFKA_BROKERS: brokers,
      APP_ENV_KAFKA_CLIENT_ID: z.string().default('seller-finance'),
      APP_ENV_KAFKA_GROUP_ID: z.string().default('SVC-00040-FINANCE_CONSUMER_GROUP'),
      APP_ENV_KAFKA_TOPIC_SALE: z.string().default('sale.events'),
      APP_ENV_KAFKA_TOPIC_INVENTORY: z.string().default('inventory.events'),
      APP_ENV_KAFKA_TOPIC_MERCHANT_CDC: z.string().default('commerce.public.Merchant'),
      APP_ENV_KAFKA_TOPIC_DLQ: z.string().default('finance.dlq'),
      APP_ENV_KAFKA_TOPIC_VOUCHERS: z.string().default('finance.vouchers'),
      APP_ENV_KAFKA_TOPIC_PARTITIONS: intInRange(1, 256, 6),
      APP_ENV_KAFKA_MAX_MESSAGE_BYTES: intInRange(1024, 10 * 1024 * 1024, 256 * 1024),
      /** Kafka brokers refuse sessions outside group.min/max.session.timeout.ms (6 s and 30 min by default). */
      APP_ENV_KAFKA_SESSION_TIMEOUT_MS: intInRange(6_000, 300_000, 8_000),
      /**
       * About 1.5 s of work at the dev server's quiet ceiling (~64 workflows/s): more than the
       * 48 starts in flight and the worker's 40 workflow-task slots keep busy, few enough that an
       * overloaded server's queue stays short (BENCHMARKS.md).
       */
      APP_ENV_INGEST_MAX_OPEN_WORKFLOWS: intInRange(1, 100_000, 100),
      APP_ENV_KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
      APP_ENV_KAFKA_SASL_USERNAME: z.string().optional(),
      APP_ENV_KAFKA_SASL_PASSWORD: z.string().optional(),
      APP_ENV_KAFKA_SSL: z.enum(['true', 'false']).default('false'),
    },
    env,
  );
  const sasl =
    parsed.APP_ENV_KAFKA_SASL_MECHANISM && parsed.APP_ENV_KAFKA_SASL_USERNAME
      ? {
          mechanism: parsed.APP_ENV_KAFKA_SASL_MECHANISM,
          username: parsed.APP_ENV_KAFKA_SASL_USERNAME,
          password: parsed.APP_ENV_KAFKA_SASL_PASSWORD ?? '',
        }
      : undefined;
  return {
    brokers: parsed.APP_ENV_KAFKA_BROKERS,
    clientId: parsed.APP_ENV_KAFKA_CLIENT_ID,
    groupId: parsed.APP_ENV_KAFKA_GROUP_ID,
    topics: {
      sale: parsed.APP_ENV_KAFKA_TOPIC_SALE,
      inventory: parsed.APP_ENV_KAFKA_TOPIC_INVENTORY,
      merchantCdc: parsed.APP_ENV_KAFKA_TOPIC_MERCHANT_CDC,
      dlq: parsed.APP_ENV_KAFKA_TOPIC_DLQ,
      vouchers: parsed.APP_ENV_KAFKA_TOPIC_VOUCHERS,
    },
    topicPartitions: parsed.APP_ENV_KAFKA_TOPIC_PARTITIONS,
    maxMessageBytes: parsed.APP_ENV_KAFKA_MAX_MESSAGE_BYTES,
    sessionTimeoutMs: parsed.APP_ENV_KAFKA_SESSION_TIMEOUT_MS,
    maxOpenWorkflows: parsed.APP_ENV_INGEST_MAX_OPEN_WORKFLOWS,
    ssl: parsed.APP_ENV_KAFKA_SSL === 'true',
    sasl,
  };
}
