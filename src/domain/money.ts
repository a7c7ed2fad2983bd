import { Decimal } from 'decimal.js';

/**
 * Money is an exact decimal, never a binary float. Amounts travel as decimal
 * strings ("125000.50"), are computed with decimal.js and stored as NUMERIC.
 */
const Money = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Money = Decimal;

export const MAX_FRACTION_DIGITS = 4;
/** NUMERIC(24,4): 20 integer digits. */
const AMOUNT_PATTERN = /^-?(0|[1-9]\d{0,19})(\.\d{1,4})?$/;

export class InvalidAmountError extends Error {
  override readonly name = 'InvalidAmountError';
}

/**
 * Parses an amount from the edge. Only a decimal string is accepted: a JSON
 * number has already lost precision (or might have), so it is rejected.
 */
export function parseMoney(input: unknown, field = 'amount'): Money {
  if (typeof input !== 'string') {
    throw new InvalidAmountError(
      `${field} must be a decimal string such as "125000.50"${typeof input === 'number' ? ', not a JSON number' : ''}`,
    );
  }
  if (!AMOUNT_PATTERN.test(input)) {
    throw new InvalidAmountError(
      `${field} must be a decimal string with at most ${MAX_FRACTION_DIGITS} fraction digits, got "${truncate(input)}"`,
    );
  }
  return new Money(input);
}

/** Like parseMoney, but the amount must be strictly positive. */
export function parsePositiveMoney(input: unknown, field = 'amount'): Money {
  const value = parseMoney(input, field);
  if (!value.isPositive() || value.isZero())
    throw new InvalidAmountError(`${field} must be greater than zero`);
  return value;
}

/** Trusted values (from NUMERIC columns or our own arithmetic). */
export function money(value: string | number | Decimal): Money {
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw new InvalidAmountError('refusing to build money from a fractional JavaScript number');
  }
  return new Money(value);
}

export const ZERO: Money = new Money(0);

/**
 * Canonical string: at least two and at most four fraction digits
 * ("125000.50", "0.1234", "-3.00"), never exponent notation.
 */
export function formatMoney(value: Money | string): string {
  const fixed = new Money(value).toFixed(MAX_FRACTION_DIGITS);
  return fixed.replace(/(\.\d\d\d?)0+$/, '$1').replace(/(\.\d\d[1-9]?)0$/, '$1');
}

export function sumMoney(values: Iterable<Money>): Money {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
