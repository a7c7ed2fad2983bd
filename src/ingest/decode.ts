import { decodePostingEvent } from './events.js';
import { parseJsonMessage } from './json.js';
import { decodeMerchantChange } from './merchant-cdc.js';
import { dlq, type IngestDecision, skip } from './results.js';
import { changeIdentity, eventIdentity } from './event-identity.js';
import { EVENT_WORKFLOW_PREFIX } from '../workflows/ids.js';
import {
  merchantWorkflowId,
  type MessageOrigin,
  postEventStart,
  provisionMerchantStart,
} from '../temporal/workflow-starts.js';

export type TopicRole = 'events' | 'merchantCdc';

export interface DecodeOptions {
  /** Topic name → what it carries. */
  topicRoles: ReadonlyMap<string, TopicRole>;
  maxMessageBytes: number;
}

export interface RawMessage extends MessageOrigin {
  value: Buffer | null;
  /** From the message's `x-request-id` / `traceparent` header (event-identity.ts); the event id otherwise. */
  requestId?: string | null;
}

/**
 * One Kafka message → the decision for it: start a workflow, skip it, or
 * dead-letter it. Pure and total: it never throws, whatever the bytes are,
 * so a poison message can never stop the consumer (a throw of a TypeError
 * from a kafkajs handler would stop it for good).
 */
export function decideMessage(message: RawMessage, options: DecodeOptions): IngestDecision {
  try {
    return decide(message, options);
  } catch (err) {
    return dlq('DECODER_ERROR', `decoder failed unexpectedly: ${(err as Error).message}`);
  }
}

function decide(message: RawMessage, options: DecodeOptions): IngestDecision {
  const origin: MessageOrigin = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
  };
  const role = options.topicRoles.get(message.topic);
  if (!role) return dlq('UNKNOWN_TOPIC', `no decoder for topic ${message.topic}`);

  if (role === 'merchantCdc') {
    if (message.value === null) return skip('CDC tombstone');
    const json = parseJsonMessage(message.value, options.maxMessageBytes, { exactIntegers: true });
    if (json.kind !== 'ok') return json;
    const change = decodeMerchantChange(json.value);
    if (change.kind !== 'ok') return change;
    const start = provisionMerchantStart(change.value.change, merchantWorkflowId(change.value), {
      origin,
      requestId: message.requestId,
    });
    const recordId = start.workflowId.slice(EVENT_WORKFLOW_PREFIX.length);
    return {
      kind: 'start',
      start,
      identity: changeIdentity(recordId, start.merchantId, start.eventType, change.value.change),
    };
  }

  if (message.value === null || message.value.length === 0)
    return dlq('EMPTY_MESSAGE', 'an event message has no value');
  const json = parseJsonMessage(message.value, options.maxMessageBytes);
  if (json.kind !== 'ok') return json;
  const identity = eventIdentity(json.value);
  const event = decodePostingEvent(json.value);
  if (event.kind === 'dlq') return identity ? { ...event, identity } : event;
  if (event.kind === 'skip') return event;
  return {
    kind: 'start',
    start: postEventStart(event.value, {
      origin,
      requestId: message.requestId,
    }),
    identity: identity!,
  };
}
