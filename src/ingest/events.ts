import { z } from 'zod';
import { POSTING_EVENT_TYPES, type PostingEvent, type PostingEventType } from '../domain/events.js';
import { EVENT_TEXT_LIMITS } from '../domain/limits.js';
import {
  amount,
  businessId,
  currency,
  decimalId,
  describeIssues,
  reasonOf,
  text,
  timestamp,
} from './fields.js';
import { isPlainObject } from './json.js';
import { dlq, ok, type StepResult } from './results.js';

/** The envelope of every non-CDC event (docs/reference/events.md). Extra fields are tolerated and dropped. */
const envelope = z.object({
  id: businessId,
  type: z.string({ message: 'must be a string' }),
  merchantId: decimalId,
  occurredAt: timestamp,
  data: z.record(z.string(), z.unknown(), { message: 'must be a JSON object' }),
});

/**
 * `attempt.finance.source.id`: the finance account that received (or paid
 * out) the money. Absent, null or "" means "no finance account", which the
 * posting plan turns into a skip by design; anything else must be an id.
 * Producers send it nested (`attempt: { finance: { source: { id } } }`);
 * the flattened key `"attempt.finance.source.id"` is accepted too.
 */
const FLAT_SOURCE_KEY = 'attempt.finance.source.id';
const financeSourceFields = {
  attempt: z
    .object(
      {
        finance: z
          .object(
            { source: z.object({ id: z.unknown().optional() }).nullish() },
            { message: 'must be an object' },
          )
          .nullish(),
      },
      { message: 'must be an object' },
    )
    .nullish(),
  [FLAT_SOURCE_KEY]: z.unknown().optional(),
};

function withFinanceSource<
  T extends {
    attempt?: { finance?: { source?: { id?: unknown } | null } | null } | null;
    [FLAT_SOURCE_KEY]?: unknown;
  },
>(
  d: T,
  ctx: z.core.$RefinementCtx,
): Omit<T, 'attempt' | typeof FLAT_SOURCE_KEY> & { financeSourceId: string | null } {
  const { attempt, [FLAT_SOURCE_KEY]: flat, ...rest } = d;
  const given = [attempt?.finance?.source?.id, flat].filter((v) => v !== undefined && v !== null && v !== '');
  if (given.length === 2 && given[0] !== given[1]) {
    ctx.addIssue({
      code: 'custom',
      path: [FLAT_SOURCE_KEY],
      message: 'disagrees with attempt.finance.source.id',
    });
    return z.NEVER;
  }
  if (given.length === 0) return { ...rest, financeSourceId: null };
  const id = decimalId.safeParse(given[0]);
  if (!id.success) {
    ctx.addIssue({
      code: 'custom',
      path: ['attempt', 'finance', 'source', 'id'],
      message: id.error.issues[0]!.message,
    });
    return z.NEVER;
  }
  return { ...rest, financeSourceId: id.data };
}

const dataSchemas = {
  'sale.order.completed': z.object({
    orderId: businessId,
    orderNumber: text(EVENT_TEXT_LIMITS.orderNumber),
    currency,
    total: amount('positive'),
    costTotal: amount('nonNegative'),
  }),
  'sale.payment.captured': z
    .object({
      paymentId: businessId,
      orderId: businessId,
      amount: amount('positive'),
      currency,
      method: text(EVENT_TEXT_LIMITS.paymentMethod),
      ...financeSourceFields,
    })
    .transform(withFinanceSource),
  'sale.payment.refunded': z
    .object({
      refundId: businessId,
      paymentId: businessId,
      orderId: businessId,
      amount: amount('positive'),
      currency,
      ...financeSourceFields,
    })
    .transform(withFinanceSource),
  'inventory.received': z.object({ receiptId: businessId, currency, total: amount('positive') }),
  'inventory.adjusted': z.object({
    adjustmentId: businessId,
    currency,
    valueDelta: amount('signed'),
    reason: text(EVENT_TEXT_LIMITS.adjustmentReason),
  }),
} satisfies { [T in PostingEventType]: z.ZodType<Extract<PostingEvent, { type: T }>['data']> };

const isPostingEventType = (t: string): t is PostingEventType =>
  (POSTING_EVENT_TYPES as readonly string[]).includes(t);

/** A parsed JSON value → a typed, validated business event, or the reason it is dead-lettered. */
export function decodePostingEvent(json: unknown): StepResult<PostingEvent> {
  if (!isPlainObject(json)) return dlq('INVALID_ENVELOPE', 'an event must be a JSON object');
  const env = envelope.safeParse(json);
  if (!env.success)
    return dlq(reasonOf(env.error.issues, 'INVALID_ENVELOPE'), describeIssues(env.error.issues));
  const { id, type, merchantId, occurredAt } = env.data;
  if (!isPostingEventType(type)) {
    return dlq(
      'UNKNOWN_EVENT_TYPE',
      `event ${id} has unknown type "${type.slice(0, 100)}"; known: ${POSTING_EVENT_TYPES.join(', ')}`,
    );
  }
  const data = dataSchemas[type].safeParse(env.data.data);
  if (!data.success) {
    return dlq(
      reasonOf(data.error.issues, 'INVALID_EVENT_DATA'),
      `event ${id} (${type}): ${describeIssues(data.error.issues, 'data')}`,
    );
  }
  // The schemas mirror domain/events.ts field for field; the cast only joins the discriminant to its data.
  return ok({ id, type, merchantId, occurredAt, data: data.data } as PostingEvent);
}
