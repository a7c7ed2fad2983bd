import { type Direction } from './accounts.js';
import { LedgerError } from './errors.js';
import { type PlannedLine, type PostingPlan, line } from './posting-plan.js';
import { formatMoney, type Money, withinAmountBound } from './money.js';

/** Manual vouchers posted through the API (docs/reference/http-api.md). */
export type ManualVoucherRequest =
  | {
      kind: 'lines';
      type: 'ADJUSTMENT' | 'TRANSFER' | 'EXPENSE';
      reason?: 'correction';
      lines: { accountId: string; direction: Direction; amount: string; memo?: string }[];
    }
  | {
      kind: 'cash_count';
      type: 'ADJUSTMENT';
      reason: 'cash_count';
      accountId: string;
      countedBalance: string;
    };

export interface ManualContext {
  merchantId: string;
  idempotencyKey: string;
  createdBy: string;
  description?: string;
  postedAt: string;
}

export const MANUAL_SOURCE_TYPE = 'manual';

export function planManualVoucher(
  req: Extract<ManualVoucherRequest, { kind: 'lines' }>,
  ctx: ManualContext,
): PostingPlan {
  if (req.type === 'ADJUSTMENT' && req.reason !== 'correction') {
    throw new LedgerError('VALIDATION_FAILED', 'an ADJUSTMENT with explicit lines needs reason "correction"');
  }
  return {
    merchantId: ctx.merchantId,
    voucherType: req.type,
    sourceType: MANUAL_SOURCE_TYPE,
    sourceId: ctx.idempotencyKey,
    postedAt: ctx.postedAt,
    description: ctx.description ?? `Manual ${req.type.toLowerCase()}`,
    ...(req.type === 'ADJUSTMENT' ? { reason: 'correction' } : {}),
    createdBy: ctx.createdBy,
    lines: req.lines.map((l) => line({ id: l.accountId }, l.direction, l.amount, l.memo)),
  };
}

/**
 * A cash count posts the difference between what was counted and what the
 * books say, against CASH_OVER_SHORT. The caller reads the book balance
 * without a lock and posts with an optimistic check that the account has not
 * moved since (activities/cash-count.ts), so the difference is never stale.
 * Returns no lines when the count agrees with the books.
 */
export function cashCountLines(accountId: string, bookBalance: Money, counted: Money): PlannedLine[] {
  const difference = counted.minus(bookBalance);
  if (difference.isZero()) return [];
  if (!withinAmountBound(difference)) {
    throw new LedgerError(
      'VALIDATION_FAILED',
      `the difference between the counted balance and the book balance (${formatMoney(difference)}) is larger than a line may carry; correct the books first`,
    );
  }
  const cash = { id: accountId };
  const overShort = { code: 'CASH_OVER_SHORT' };
  const amount = difference.abs();
  return difference.isPositive()
    ? [line(cash, 'DEBIT', amount, 'cash over'), line(overShort, 'CREDIT', amount, 'cash over')]
    : [line(overShort, 'DEBIT', amount, 'cash short'), line(cash, 'CREDIT', amount, 'cash short')];
}
