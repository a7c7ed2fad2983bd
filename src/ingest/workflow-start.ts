import { createHash } from 'node:crypto';
import { type PostingEvent } from '../domain/events.js';
import { type DecodedMerchantChange } from './merchant-cdc.js';
import { EVENT_WORKFLOW_PREFIX, eventWorkflowId } from '../workflows/ids.js';
import { type WorkflowStartRequest } from './results.js';

/** Where a message came from: carried into the workflow input so an operator can follow it back to Kafka. */
export interface MessageOrigin {
  topic: string;
  partition: number;
  offset: string;
}

export function postEventStart(
  event: PostingEvent,
  origin: MessageOrigin,
  missingAccountRetryHours: number,
  localActivities = false,
  requestId?: string | null,
): WorkflowStartRequest {
  const correlation = requestId ?? event.id;
  return {
    workflowType: 'postEventWorkflow',
    workflowId: eventWorkflowId(event.id),
    merchantId: event.merchantId,
    eventType: event.type,
    summary: `${event.type} ${event.id} for merchant ${event.merchantId}`,
    requestId: correlation,
    input: {
      event,
      origin,
      missingAccountRetryHours,
      requestId: correlation,
      ...(localActivities ? { localActivities } : {}),
    },
  };
}

const CDC_EVENT_TYPES = {
  c: 'merchant.created',
  r: 'merchant.snapshot',
  u: 'merchant.updated',
  d: 'merchant.deleted',
} as const;

/**
 * A CDC record's workflow ID must be the same every time Debezium (re)delivers
 * the record and different for every real change. A WAL LSN is unique per
 * change of a row, so merchant id + LSN is enough. Without an LSN only a
 * millisecond timestamp orders changes, and two changes in one millisecond
 * would collide; the op and a hash of the row data tell those apart (the
 * envelope's own ts_ms is not used: it changes on re-delivery).
 */
export function merchantWorkflowId({ change, positionKind, rowFingerprint }: DecodedMerchantChange): string {
  const base = `${EVENT_WORKFLOW_PREFIX}merchant-${change.merchant.id}-${change.position}`;
  if (positionKind === 'lsn') return base;
  const digest = createHash('sha256').update(`${change.op}\n${rowFingerprint}`).digest('hex').slice(0, 16);
  return `${base}-${change.op}-${digest}`;
}

export function provisionMerchantStart(
  decoded: DecodedMerchantChange,
  origin: MessageOrigin,
  missingAccountRetryHours: number,
  requestId?: string | null,
): WorkflowStartRequest {
  const { change } = decoded;
  const eventType = CDC_EVENT_TYPES[change.op];
  const workflowId = merchantWorkflowId(decoded);
  return {
    workflowType: 'provisionMerchantWorkflow',
    workflowId,
    requestId: requestId ?? workflowId.slice(EVENT_WORKFLOW_PREFIX.length),
    merchantId: change.merchant.id,
    eventType,
    summary: `${eventType} merchant ${change.merchant.id} at ${decoded.positionKind} ${change.position}`,
    input: { change, origin, missingAccountRetryHours },
  };
}
