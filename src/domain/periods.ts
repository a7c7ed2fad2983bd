import { LedgerError } from './errors.js';

/**
 * Accounting periods (docs/reference/periods.md): calendar months in UTC,
 * named `YYYY-MM`. A merchant's closed periods form a prefix of its months,
 * so its whole period state is one instant, `closedUntil`: every moment before
 * it lies in a closed period. A voucher dated before it is moved to it.
 */
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The first and the last period the service accepts: years of four digits, after the Unix epoch. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 9998;

export interface Period {
  /** `YYYY-MM` */
  name: string;
  /** First instant of the month (UTC). */
  start: Date;
  /** First instant of the next month (UTC): the period is [start, end). */
  end: Date;
}

export function parsePeriod(name: string, field = 'period'): Period {
  const m = PERIOD.exec(name);
  const year = m ? Number(m[1]) : NaN;
  if (!m || year < FIRST_YEAR || year > LAST_YEAR)
    throw new LedgerError(
      'VALIDATION_FAILED',
      `${field} must be a month YYYY-MM between 1970-01 and 9998-12`,
    );
  return periodOf(new Date(Date.UTC(year, Number(m[2]) - 1, 1)));
}

/** The period an instant falls in. */
export function periodOf(at: Date): Period {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  const name = `${String(start.getUTCFullYear()).padStart(4, '0')}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  return { name, start, end };
}

export const previousPeriod = (p: Period): Period => periodOf(new Date(p.start.getTime() - 1));

/** The latest closed period of a merchant whose closed periods end at `closedUntil` (null: none closed). */
export const latestClosed = (closedUntil: Date | null): Period | null =>
  closedUntil ? periodOf(new Date(closedUntil.getTime() - 1)) : null;

/**
 * How far ahead a manual voucher may be dated. A date in the future is an
 * accrual an accountant enters ahead of time; a year covers every such
 * practice, and a typo of the year (2062 for 2026) is refused instead of
 * opening a number series decades away.
 */
export const MAX_DAYS_AHEAD = 366;

/** A manual voucher's `postedAt`: a real instant, no earlier than 1970 and at most MAX_DAYS_AHEAD after now. */
export function checkManualPostedAt(postedAt: string, now: Date): Date {
  const at = new Date(postedAt);
  if (Number.isNaN(at.getTime()))
    throw new LedgerError('VALIDATION_FAILED', `postedAt "${postedAt}" is not a date`);
  if (at.getUTCFullYear() < FIRST_YEAR)
    throw new LedgerError('VALIDATION_FAILED', `postedAt must not be before ${FIRST_YEAR}`);
  if (at.getTime() > now.getTime() + MAX_DAYS_AHEAD * 86_400_000)
    throw new LedgerError('VALIDATION_FAILED', `postedAt must be at most ${MAX_DAYS_AHEAD} days ahead`);
  return at;
}

/**
 * Whether `period` may be closed now, given where the merchant's closed
 * periods end and the first open month before it that holds vouchers.
 * Closing a closed period is a no-op (`already`); a month must be over.
 */
export type CloseDecision =
  | { kind: 'already' }
  /** Close every month from `from` to the period: those before it are empty (recorded CLOSED all the same). */
  | { kind: 'close'; from: Period }
  | { kind: 'refuse'; message: string };

export function decideClose(
  period: Period,
  closedUntil: Date | null,
  firstOpenWithVouchers: Period | null,
  now: Date,
): CloseDecision {
  if (closedUntil && period.end.getTime() <= closedUntil.getTime()) return { kind: 'already' };
  if (period.end.getTime() > now.getTime())
    return {
      kind: 'refuse',
      message: `period ${period.name} is not over yet (it ends ${period.end.toISOString()})`,
    };
  if (firstOpenWithVouchers && firstOpenWithVouchers.start.getTime() < period.start.getTime())
    return {
      kind: 'refuse',
      message: `period ${firstOpenWithVouchers.name} has vouchers and is still open: close it before ${period.name}`,
    };
  return { kind: 'close', from: closedUntil ? periodOf(closedUntil) : period };
}

/** The months from `from` to `to`, both included. */
export function periodsBetween(from: Period, to: Period): Period[] {
  const out: Period[] = [];
  for (let p = from; p.start.getTime() <= to.start.getTime(); p = periodOf(p.end)) out.push(p);
  return out;
}
