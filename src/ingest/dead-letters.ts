import { type IHeaders, type Message, type Producer } from 'kafkajs';
import { type Dlq } from './results.js';
import { type MessageOrigin } from '../temporal/workflow-starts.js';

/**
 * Headers added to a dead letter; a contract for whoever drains the DLQ.
 * The value, key and original headers are kept byte for byte, so a fixed
 * message can be re-produced to its topic as it was.
 */
export const DLQ_HEADERS = {
  reason: 'x-finance-dlq-reason',
  detail: 'x-finance-dlq-detail',
  topic: 'x-finance-dlq-original-topic',
  partition: 'x-finance-dlq-original-partition',
  offset: 'x-finance-dlq-original-offset',
  timestamp: 'x-finance-dlq-original-timestamp',
  deadLetteredAt: 'x-finance-dlq-dead-lettered-at',
} as const;

export interface OriginalMessage extends MessageOrigin {
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  /** Kafka timestamp of the original, ms since epoch as a string. */
  timestamp: string;
}

export function deadLetterOf(original: OriginalMessage, verdict: Dlq, now = new Date()): Message {
  return {
    key: original.key,
    value: original.value,
    headers: {
      // kafkajs hands absent header values as undefined; a producer refuses those.
      ...Object.fromEntries(Object.entries(original.headers ?? {}).filter(([, v]) => v !== undefined)),
      [DLQ_HEADERS.reason]: verdict.reason,
      [DLQ_HEADERS.detail]: verdict.detail,
      [DLQ_HEADERS.topic]: original.topic,
      [DLQ_HEADERS.partition]: String(original.partition),
      [DLQ_HEADERS.offset]: original.offset,
      [DLQ_HEADERS.timestamp]: original.timestamp,
      [DLQ_HEADERS.deadLetteredAt]: now.toISOString(),
    },
  };
}

/**
 * Sends one dead letter and waits for all in-sync replicas (acks -1) before
 * the caller moves the offset on: a dead letter is the message's only record.
 * At-least-once: a crash between this send and the offset commit sends it
 * again; (original topic, partition, offset) identifies duplicates.
 */
export async function sendDeadLetter(
  producer: Producer,
  dlqTopic: string,
  original: OriginalMessage,
  verdict: Dlq,
): Promise<void> {
  await producer.send({ topic: dlqTopic, acks: -1, messages: [deadLetterOf(original, verdict)] });
}
