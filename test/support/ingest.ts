import {
  type Admin,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { type KafkaConfig, type TemporalConfig } from '../../src/config/index.js';
import { parseKafkaConfig } from '../../src/config/kafka.js';
import { parseTemporalConfig } from '../../src/config/temporal.js';
import { createKafka } from '../../src/ingest/kafka.js';
import { type Logger } from '../../src/lib/logger.js';
import { testEnv, uniqueName } from './env.js';

/**
 * Ingest configuration for one test file: its own topics, consumer group and
 * task queue, so files run in parallel against the one Kafka and Temporal.
 */
export function ingestTestConfig(overrides: Record<string, string> = {}): {
  kafka: KafkaConfig;
  temporal: TemporalConfig;
} {
  const run = uniqueName('t');
  const env = {
    APP_ENV_KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
    APP_ENV_KAFKA_CLIENT_ID: `test-${run}`,
    APP_ENV_KAFKA_GROUP_ID: `group-${run}`,
    APP_ENV_KAFKA_TOPIC_SALE: `${run}.sale.events`,
    APP_ENV_KAFKA_TOPIC_INVENTORY: `${run}.inventory.events`,
    APP_ENV_KAFKA_TOPIC_MERCHANT_CDC: `${run}.commerce.public.Merchant`,
    APP_ENV_KAFKA_TOPIC_DLQ: `${run}.finance.dlq`,
    APP_ENV_KAFKA_TOPIC_VOUCHERS: `${run}.finance.vouchers`,
    APP_ENV_KAFKA_TOPIC_PARTITIONS: '3',
    APP_ENV_TEMPORAL_ADDRESS: testEnv.temporalAddress,
    APP_ENV_TEMPORAL_NAMESPACE: testEnv.temporalNamespace,
    APP_ENV_TEMPORAL_TASK_QUEUE: `finance-posting-${run}`,
    ...overrides,
  };
  return { kafka: parseKafkaConfig(env), temporal: parseTemporalConfig(env) };
}

export async function testProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}

export const testKafka = (config: KafkaConfig, logger: Logger): Kafka => createKafka(config, logger, '-test');

/** An event envelope as the commerce platform produces it (docs/reference/events.md). */
export function envelope(
  type: string,
  merchantId: string,
  data: Record<string, unknown>,
  id = uniqueName('evt'),
) {
  return { id, type, merchantId, occurredAt: '2026-11-25T10:00:00Z', data };
}

/**
 * A bare Debezium create for a merchant, as JSON text: the int8 id is a JSON
 * number literal, as Debezium writes it (ours exceed 2^53, so a JS number
 * could not carry them).
 */
export function merchantCdc(merchantId: string, lsn: number, over: Record<string, unknown> = {}): string {
  const record = {
    op: 'c',
    before: null,
    after: { id: '@ID@', name: `Merchant ${merchantId}`, currency: 'USD', status: 'ACTIVE' },
    source: { connector: 'postgresql', name: 'commerce', lsn, ts_ms: Date.now() },
    ts_ms: Date.now(),
    ...over,
  };
  return JSON.stringify(record).replace('"@ID@"', merchantId);
}

export async function produceJson(
  producer: Producer,
  topic: string,
  key: string,
  value: unknown,
  headers?: IHeaders,
): Promise<void> {
  await producer.send({
    topic,
    messages: [
      {
        key,
        value: typeof value === 'string' ? value : JSON.stringify(value),
        ...(headers ? { headers } : {}),
      },
    ],
  });
}

/** Reads a topic from the beginning with a throwaway group until `count` messages arrived. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${seen.length} of ${count} messages on ${topic} after ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message);
          if (seen.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

/** Every message currently on a topic (duplicates included), read from the beginning. */
export async function readWholeTopic(kafka: Kafka, admin: Admin, topic: string): Promise<KafkaMessage[]> {
  const ends = await admin.fetchTopicOffsets(topic);
  const total = ends.reduce((n, e) => n + Number(BigInt(e.high) - BigInt(e.low)), 0);
  return total === 0 ? [] : readTopic(kafka, topic, total, 60_000);
}

/** True when the group has committed every message of the topics: ingest has handed everything off. */
export async function groupCaughtUp(admin: Admin, groupId: string, topics: string[]): Promise<boolean> {
  for (const topic of topics) {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    for (const end of ends) {
      const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      const done = end.high === '0' ? true : offset !== '-1' && BigInt(offset) >= BigInt(end.high);
      if (!done) return false;
    }
  }
  return true;
}
