import { type EventStatus } from '../db/events.js';
import { type EventIdentity } from './event-identity.js';
import { type IngestStart } from '../temporal/workflow-starts.js';

/**
 * Ingest steps return a result instead of throwing: a
 * message either continues (`ok`), is deliberately ignored (`skip`), or is
 * dead-lettered with a machine-readable reason (`dlq`). Only infrastructure
 * failures (Temporal or Kafka unreachable) are retried, and those are not
 * decided here: they belong to the consumer.
 */
export type StepResult<T> = Ok<T> | Skip | Dlq;

export interface Ok<T> {
  kind: 'ok';
  value: T;
}
export interface Skip {
  kind: 'skip';
  reason: string;
}
export interface Dlq {
  kind: 'dlq';
  reason: DlqReason;
  /** What exactly is wrong, for the operator reading the dead letter. */
  detail: string;
}

/**
 * The final decision for one Kafka message. A message whose id is readable
 * carries its identity, so it gets an event record (db/events.ts) — also
 * when it is dead-lettered.
 */
export type IngestDecision =
  | {
      kind: 'start';
      start: IngestStart;
      identity: EventIdentity;
      /** The record's status before this message (set once recorded): FAILED means a re-run is due. */
      recorded?: EventStatus;
    }
  | Skip
  | (Dlq & { identity?: EventIdentity });

/**
 * Dead-letter reason codes: a contract for whoever drains `finance.dlq`
 * (they are sent as the `x-finance-dlq-reason` header). Renaming one breaks them.
 */
export const DLQ_REASONS = [
  'MESSAGE_TOO_LARGE',
  'EMPTY_MESSAGE',
  'INVALID_ENCODING',
  'INVALID_JSON',
  'INVALID_ENVELOPE',
  'UNKNOWN_EVENT_TYPE',
  'INVALID_EVENT_DATA',
  'AMOUNT_NOT_A_DECIMAL_STRING',
  'AMOUNT_OUT_OF_RANGE',
  'INVALID_CDC_RECORD',
  'UNKNOWN_TOPIC',
  'DECODER_ERROR',
  'CONFLICTING_DUPLICATE',
] as const;
export type DlqReason = (typeof DLQ_REASONS)[number];

export const ok = <T>(value: T): Ok<T> => ({ kind: 'ok', value });
export const skip = (reason: string): Skip => ({ kind: 'skip', reason });
export const dlq = (reason: DlqReason, detail: string): Dlq => ({
  kind: 'dlq',
  reason,
  detail: clip(detail),
});

/** Dead-letter details travel in a Kafka header: keep them bounded. */
function clip(s: string): string {
  return s.length > 1000 ? `${s.slice(0, 999)}…` : s;
}
