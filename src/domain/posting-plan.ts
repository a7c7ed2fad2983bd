import { type Direction } from './accounts.js';
import { LedgerError } from './errors.js';
import {
  formatMoney,
  MAX_INTEGER_DIGITS,
  type Money,
  parseMoney,
  parsePositiveMoney,
  sumMoney,
  ZERO,
} from './money.js';
import { type VoucherType } from './vouchers.js';

/** A line names its account by code (the merchant's control accounts) or by id. */
export type AccountRef = { code: string } | { id: string };

export interface PlannedLine {
  account: AccountRef;
  direction: Direction;
  /** Positive decimal string. */
  amount: string;
  memo?: string;
}

/** Everything needed to post one voucher; computed without I/O. */
export interface PostingPlan {
  merchantId: string;
  voucherType: VoucherType;
  /** (merchantId, sourceType, sourceId) posts at most once, ever. */
  sourceType: string;
  sourceId: string;
  eventId?: string;
  /** The event's currency, checked against the merchant's. */
  currency?: string;
  /** ISO timestamp; selects the numbering year. */
  postedAt: string;
  description: string;
  reason?: string;
  createdBy: string;
  metadata?: Record<string, unknown>;
  lines: PlannedLine[];
}

export const line = (
  account: AccountRef,
  direction: Direction,
  amount: Money | string,
  memo?: string,
): PlannedLine => ({
  account,
  direction,
  // Only the shape here (bad input must be a LedgerError even inside a workflow); assertPostable bounds it.
  amount: formatMoney(typeof amount === 'string' ? parseMoney(amount, 'amount', Infinity) : amount),
  ...(memo ? { memo } : {}),
});

/** Dr `debit` / Cr `credit` for one amount: the shape of every event posting. */
export const twoLines = (debit: AccountRef, credit: AccountRef, amount: Money | string): PlannedLine[] => [
  line(debit, 'DEBIT', amount),
  line(credit, 'CREDIT', amount),
];

/**
 * The rules a voucher must satisfy before it touches the database:
 * at least two lines, every amount positive and within the bound, debits
 * equal credits. A reversal mirrors stored lines, which may predate the
 * bound: it passes `STORED_AMOUNT_INTEGER_DIGITS` (what the column holds).
 */
export function assertPostable(
  lines: readonly PlannedLine[],
  maxIntegerDigits: number = MAX_INTEGER_DIGITS,
): void {
  if (lines.length < 2) {
    throw new LedgerError('UNBALANCED_VOUCHER', `a voucher needs at least 2 lines, got ${lines.length}`);
  }
  const debits: Money[] = [];
  const credits: Money[] = [];
  lines.forEach((l, i) => {
    const amount = parsePositiveMoney(l.amount, `lines[${i}].amount`, maxIntegerDigits);
    (l.direction === 'DEBIT' ? debits : credits).push(amount);
  });
  const debit = sumMoney(debits);
  const credit = sumMoney(credits);
  if (!debit.equals(credit) || debit.equals(ZERO)) {
    throw new LedgerError(
      'UNBALANCED_VOUCHER',
      `debits (${formatMoney(debit)}) must equal credits (${formatMoney(credit)})`,
      { debit: formatMoney(debit), credit: formatMoney(credit) },
    );
  }
}
