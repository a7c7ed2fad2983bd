import { createHash } from 'node:crypto';
import {
  type Client,
  type WorkflowHandleWithStartDetails,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import { type MerchantChange, type PostingEvent } from '../domain/events.js';
import { EVENT_WORKFLOW_PREFIX } from '../workflows/ids.js';
import type {
  manualVoucherWorkflow,
  postEventWorkflow,
  provisionMerchantWorkflow,
  voidVoucherWorkflow,
} from '../workflows/index.js';
import { EVENT_TYPE, MERCHANT_ID } from '../workflows/search-attributes.js';
import {
  type ManualVoucherInput,
  type PostEventInput,
  type ProvisionMerchantInput,
  type VoidVoucherInput,
} from '../workflows/types.js';

/**
 * Every workflow this service starts is started here: its ID, its ID
 * policies, its search attributes, memo and UI summary. Ingest, the API, the
 * CLI and the tests build a start with one of the `…Start` functions and
 * hand it to `startWorkflow`; none of them names a policy.
 */

/** Where a message came from: carried into the workflow input so an operator can follow it back to Kafka. */
export interface MessageOrigin {
  topic: string;
  partition: number;
  offset: string;
}

/** Everything needed to start one workflow; computed without I/O. */
export type WorkflowStart =
  | (StartCommon & { workflowType: 'postEventWorkflow'; input: PostEventInput })
  | (StartCommon & { workflowType: 'provisionMerchantWorkflow'; input: ProvisionMerchantInput })
  | (StartCommon & { workflowType: 'manualVoucherWorkflow'; input: ManualVoucherInput })
  | (StartCommon & { workflowType: 'voidVoucherWorkflow'; input: VoidVoucherInput });

type StartOf<T extends WorkflowStart['workflowType']> = Extract<WorkflowStart, { workflowType: T }>;

/** A start of one of ingest's two workflows (an event or a merchant CDC record). */
export type IngestStart = StartOf<'postEventWorkflow' | 'provisionMerchantWorkflow'>;

interface Workflows {
  postEventWorkflow: typeof postEventWorkflow;
  provisionMerchantWorkflow: typeof provisionMerchantWorkflow;
  manualVoucherWorkflow: typeof manualVoucherWorkflow;
  voidVoucherWorkflow: typeof voidVoucherWorkflow;
}

interface StartCommon {
  /** Deterministic: the same event or request always maps to the same ID, which is what makes a replay harmless. */
  workflowId: string;
  merchantId: string;
  /** `sale.order.completed`, …, `merchant.created`, …, or `manual.transfer`, …, `manual.void`. */
  eventType: string;
  /** One line for the Temporal UI (static summary) and the logs. */
  summary: string;
  /** The correlation id the work carries (memo, input, activity logs, the event record). */
  requestId: string;
  /** The ingested event's id, when there is one. */
  eventId?: string;
  /** The Kafka message it came from, when it came from Kafka. */
  origin?: MessageOrigin;
  /** Who asked, for an API request (the token's subject). */
  requestedBy?: string;
}

interface IdPolicies {
  workflowIdReusePolicy: WorkflowIdReusePolicy;
  workflowIdConflictPolicy: WorkflowIdConflictPolicy;
}

/**
 * Ingested work (an event, a CDC record; also `redrive`):
 * - reuse `ALLOW_DUPLICATE_FAILED_ONLY`: a *closed* workflow with this ID
 *   that completed (posted or skipped) is never run again, so a replay from
 *   offset 0 posts nothing new; one that failed (or was terminated, cancelled
 *   or timed out) may run again, so a redelivery, a replay or `redrive` posts
 *   it once its cause is fixed. `REJECT_DUPLICATE` would leave a failed event
 *   unpostable forever; the default `ALLOW_DUPLICATE` would re-run every
 *   closed event.
 * - conflict `FAIL` on a *running* one: `USE_EXISTING` would also keep
 *   exactly-once, but returns a handle without saying the workflow already
 *   existed; with FAIL every duplicate, open or completed, surfaces the same
 *   way (WorkflowExecutionAlreadyStartedError), which ingest counts and logs
 *   as a duplicate. Two redeliveries of one failed event at once: one starts
 *   the new run, the other meets it running and is a duplicate.
 * Beyond the namespace retention the ID is forgotten; the ledger's unique
 * (merchant, source) still refuses a second posting.
 */
const INGESTED: IdPolicies = {
  workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
  workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
};

/**
 * An API request (a manual voucher, a void) waits for its workflow's result:
 * - reuse `ALLOW_DUPLICATE_FAILED_ONLY`: a completed one is not re-run (the
 *   start is refused and the caller reads its result: the same voucher for
 *   the same Idempotency-Key or voucher); a failed one may run again, so a
 *   client can retry after a transient failure with the same key.
 * - conflict `USE_EXISTING`: a retry while the first request's workflow is
 *   still running joins it and waits for the same result, instead of an
 *   error the client could do nothing with.
 */
const REQUESTED: IdPolicies = {
  workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
  workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
};

/** The policy table (docs/architecture.md, "Workflow starts"). */
const POLICIES: Record<WorkflowStart['workflowType'], IdPolicies> = {
  postEventWorkflow: INGESTED,
  provisionMerchantWorkflow: INGESTED,
  manualVoucherWorkflow: REQUESTED,
  voidVoucherWorkflow: REQUESTED,
};

/**
 * Starts the workflow with its policies. Throws what the client throws:
 * WorkflowExecutionAlreadyStartedError when the ID policies refuse the start
 * (a completed workflow, or a running ingested one), anything else when
 * Temporal did not accept it.
 */
export async function startWorkflow<S extends WorkflowStart>(
  client: Client,
  taskQueue: string,
  start: S,
  { eager = false }: { eager?: boolean } = {},
): Promise<WorkflowHandleWithStartDetails<Workflows[S['workflowType']]>> {
  return client.workflow.start<Workflows[S['workflowType']]>(start.workflowType, {
    taskQueue,
    workflowId: start.workflowId,
    ...POLICIES[start.workflowType],
    typedSearchAttributes: [
      { key: MERCHANT_ID, value: start.merchantId },
      { key: EVENT_TYPE, value: start.eventType },
    ],
    memo: memoOf(start),
    staticSummary: start.summary,
    staticDetails: detailsOf(start),
    args: [start.input] as Parameters<Workflows[S['workflowType']]>,
    // Only on the worker's own connection (temporal/local-worker.ts); the server may still decline.
    ...(eager ? { requestEagerStart: true } : {}),
  });
}

/** Shown in the Temporal UI next to the search attributes: what started it and where it came from. */
function memoOf({ eventType, requestId, eventId, origin }: WorkflowStart): Record<string, unknown> {
  return {
    eventType,
    requestId,
    ...(eventId ? { eventId } : {}),
    ...(origin ? { kafka: `${origin.topic}/${origin.partition}@${origin.offset}` } : {}),
  };
}

function detailsOf({ eventType, merchantId, origin, requestedBy, requestId }: WorkflowStart): string {
  const lines = [`**${eventType}** for merchant \`${merchantId}\``];
  if (origin) lines.push(`Kafka: \`${origin.topic}\` partition ${origin.partition}, offset ${origin.offset}`);
  if (requestedBy) lines.push(`Requested by \`${requestedBy}\`, X-Request-Id \`${requestId}\``);
  return lines.join('\n\n');
}

/** Workflow IDs (docs/reference/events.md, workflows). */
const eventWorkflowId = (eventId: string): string => `${EVENT_WORKFLOW_PREFIX}${eventId}`;
const manualWorkflowId = (merchantId: string, idempotencyKey: string): string =>
  `finance-manual-${merchantId}-${idempotencyKey}`;
const voidWorkflowId = (voucherId: string): string => `finance-void-${voucherId}`;

/**
 * A CDC record's workflow ID must be the same every time Debezium (re)delivers
 * the record and different for every real change. A WAL LSN is unique per
 * change of a row, so merchant id + LSN is enough. Without an LSN only a
 * millisecond timestamp orders changes, and two changes in one millisecond
 * would collide; the op and a hash of the row data tell those apart (the
 * envelope's own ts_ms is not used: it changes on re-delivery).
 */
export function merchantWorkflowId({
  change,
  positionKind,
  rowFingerprint,
}: {
  change: MerchantChange;
  positionKind: 'lsn' | 'ts_ms';
  rowFingerprint: string;
}): string {
  const base = `${EVENT_WORKFLOW_PREFIX}merchant-${change.merchant.id}-${change.position}`;
  if (positionKind === 'lsn') return base;
  const digest = createHash('sha256').update(`${change.op}\n${rowFingerprint}`).digest('hex').slice(0, 16);
  return `${base}-${change.op}-${digest}`;
}

/** What ingest (and `redrive`) pass along with an ingested event. */
interface IngestedFrom {
  origin?: MessageOrigin | undefined;
  /** The producer's request id or trace id; the event id (or the record id) when it gave none. */
  requestId?: string | null | undefined;
}

export function postEventStart(event: PostingEvent, from: IngestedFrom): StartOf<'postEventWorkflow'> {
  const { origin } = from;
  const requestId = from.requestId ?? event.id;
  return {
    workflowType: 'postEventWorkflow',
    workflowId: eventWorkflowId(event.id),
    merchantId: event.merchantId,
    eventType: event.type,
    eventId: event.id,
    summary: `${event.type} ${event.id} for merchant ${event.merchantId}`,
    requestId,
    ...(origin ? { origin } : {}),
    input: {
      event,
      ...(origin ? { origin } : {}),
      requestId,
    },
  };
}

const CDC_EVENT_TYPES = {
  c: 'merchant.created',
  r: 'merchant.snapshot',
  u: 'merchant.updated',
  d: 'merchant.deleted',
} as const;

/** A merchant CDC record's start under `workflowId` (from `merchantWorkflowId`, or stored on its record). */
export function provisionMerchantStart(
  change: MerchantChange,
  workflowId: string,
  from: IngestedFrom,
): StartOf<'provisionMerchantWorkflow'> {
  const eventType = CDC_EVENT_TYPES[change.op];
  const { origin } = from;
  return {
    workflowType: 'provisionMerchantWorkflow',
    workflowId,
    requestId: from.requestId ?? workflowId.slice(EVENT_WORKFLOW_PREFIX.length),
    merchantId: change.merchant.id,
    eventType,
    summary: `${eventType} merchant ${change.merchant.id} at position ${change.position}`,
    ...(origin ? { origin } : {}),
    input: { change, ...(origin ? { origin } : {}) },
  };
}

/** `POST /vouchers`: ID from the merchant and the Idempotency-Key; `requestId` is the API's X-Request-Id. */
export function manualVoucherStart(
  input: Omit<ManualVoucherInput, 'requestId'>,
  requestId: string,
): StartOf<'manualVoucherWorkflow'> {
  const { request, context } = input;
  return {
    workflowType: 'manualVoucherWorkflow',
    workflowId: manualWorkflowId(context.merchantId, context.idempotencyKey),
    merchantId: context.merchantId,
    eventType: `manual.${request.type.toLowerCase()}`,
    summary: `manual ${request.type} for merchant ${context.merchantId} by ${context.createdBy}`,
    requestId,
    requestedBy: context.createdBy,
    input: { ...input, requestId },
  };
}

/** `POST /vouchers/:id/void`: one workflow ID per voucher, so two voids of one voucher are one run. */
export function voidVoucherStart(
  input: Omit<VoidVoucherInput, 'requestId'> & { merchantId: string },
  voucherNumber: string,
  requestId: string,
): StartOf<'voidVoucherWorkflow'> {
  return {
    workflowType: 'voidVoucherWorkflow',
    workflowId: voidWorkflowId(input.voucherId),
    merchantId: input.merchantId,
    eventType: 'manual.void',
    summary: `void ${voucherNumber} by ${input.requestedBy}`,
    requestId,
    requestedBy: input.requestedBy,
    input: { ...input, requestId },
  };
}
