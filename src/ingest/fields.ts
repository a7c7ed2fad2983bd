import { z } from 'zod';
import { isId } from '../lib/ids.js';
import { isLedgerError } from '../domain/errors.js';
import { EVENT_TEXT_LIMITS } from '../domain/limits.js';
import { parseMoney } from '../domain/money.js';
import { isSingleLineText, SINGLE_LINE_TEXT_RULE } from '../domain/text.js';
import { type DlqReason } from './results.js';

/**
 * Field schemas shared by the event and CDC decoders (docs/reference/events.md). An issue
 * may carry `params.reason` to pick a more specific dead-letter reason than
 * the decoder's default.
 */

/** Event ids and business ids (orderId, paymentId, …): they end up in workflow IDs and source ids. */
const ID_MAX = EVENT_TEXT_LIMITS.businessId;
export const ID_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{1,${ID_MAX}}$`);
export const businessId = z
  .string({ message: `must be a string of 1-${ID_MAX} characters [A-Za-z0-9._:-]` })
  .regex(ID_PATTERN, `must be 1-${ID_MAX} characters of [A-Za-z0-9._:-]`);

/** Merchant and finance account ids are decimal strings of a positive 64-bit integer. */
export const decimalId = z
  .string({ message: 'must be a decimal id string (a JSON number would lose precision)' })
  .refine(isId, 'must be the decimal string of a positive 64-bit integer');

export const currency = z
  .string({ message: 'must be an ISO 4217 code' })
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"');

export const timestamp = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 timestamp with a zone, e.g. 2026-11-25T10:00:00Z',
});

/** Free text that ends up in a voucher's description or metadata: one printable line (domain/text.ts). */
export const text = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(isSingleLineText, SINGLE_LINE_TEXT_RULE);

/**
 * An amount: a decimal string with at most 12 integer and 4 fraction digits.
 * A JSON number is rejected with its own reason: it may already have lost
 * precision in the producer's or our JSON parser, and money is never guessed.
 * An amount beyond the bound has its own reason too.
 */
export const amount = (sign: 'positive' | 'nonNegative' | 'signed') =>
  z.unknown().transform((value, ctx) => {
    let parsed;
    try {
      parsed = parseMoney(value, 'amount');
    } catch (err) {
      if (!isLedgerError(err)) throw err;
      const reason = REASON_OF_PROBLEM[err.details.problem as string];
      const message =
        value === undefined ? 'is required (a decimal string)' : err.message.replace(/^amount /, '');
      ctx.addIssue({ code: 'custom', message, ...(reason ? { params: { reason } } : {}) });
      return z.NEVER;
    }
    if (sign === 'positive' && (parsed.isNegative() || parsed.isZero())) {
      ctx.addIssue({ code: 'custom', message: 'must be greater than zero' });
      return z.NEVER;
    }
    if (sign === 'nonNegative' && parsed.isNegative()) {
      ctx.addIssue({ code: 'custom', message: 'must not be negative' });
      return z.NEVER;
    }
    return value as string;
  });

const REASON_OF_PROBLEM: Record<string, DlqReason | undefined> = {
  type: 'AMOUNT_NOT_A_DECIMAL_STRING',
  range: 'AMOUNT_OUT_OF_RANGE',
};

/** `data.total: must be …; data.currency: …` — what an operator reads in the dead letter. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string {
  return issues
    .slice(0, 10)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** The most specific reason any issue asks for, else the fallback. */
export function reasonOf(issues: readonly z.core.$ZodIssue[], fallback: DlqReason): DlqReason {
  for (const issue of issues) {
    const reason = (issue as { params?: { reason?: DlqReason } }).params?.reason;
    if (reason) return reason;
  }
  return fallback;
}
