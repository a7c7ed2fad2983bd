import { Decimal } from 'decimal.js';
import { LedgerError } from './errors.js';

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

/** The money bound (docs/reference/data-model.md): wherever an amount enters (API bodies, events, cash counts), at most 999999999999.9999. */
export const MAX_INTEGER_DIGITS = 12;
export const MAX_FRACTION_DIGITS = 4;

/** An unsigned amount within the bound, as a JSON Schema pattern: the API publishes it. */
export const AMOUNT_PATTERN = `^(0|[1-9][0-9]{0,${MAX_INTEGER_DIGITS - 1}})(\\.[0-9]{1,${MAX_FRACTION_DIGITS}})?$`;
export const AMOUNT_MAX_LENGTH = MAX_INTEGER_DIGITS + 1 + MAX_FRACTION_DIGITS;

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** Why an amount was refused: its JSON type, its shape, or its size. */
export type AmountProblem = 'type' | 'shape' | 'range';

const invalid = (message: string, field: string, problem: AmountProblem) =>
  new LedgerError('VALIDATION_FAILED', message, { field, problem });

/**
 * Parses an amount from the edge. Only a decimal string is accepted: a JSON
 * number has already lost precision (or might have), so it is rejected.
 * `maxIntegerDigits` is wider only for amounts read back from the ledger
 * (a reversal mirrors lines that may predate the bound).
 */
export function parseMoney(
  input: unknown,
  field = 'amount',
  maxIntegerDigits: number = MAX_INTEGER_DIGITS,
): Money {
  if (typeof input !== 'string') {
    throw invalid(
      `${field} must be a decimal string such as "125000.50"${typeof input === 'number' ? ', not a JSON number' : ''}`,
      field,
      'type',
    );
  }
  const shape = input.length <= 64 ? DECIMAL.exec(input) : null;
  if (!shape || (shape[2]?.length ?? 0) > MAX_FRACTION_DIGITS + 1) {
    throw invalid(
      `${field} must be a decimal string with at most ${MAX_FRACTION_DIGITS} fraction digits, got "${truncate(input)}"`,
      field,
      'shape',
    );
  }
  if (shape[1]!.length > maxIntegerDigits) {
    throw invalid(
      `${field} must have at most ${maxIntegerDigits} integer digits, got "${truncate(input)}"`,
      field,
      'range',
    );
  }
  return new Money(input);
}

/** Like parseMoney, but the amount must be strictly positive. */
export function parsePositiveMoney(
  input: unknown,
  field = 'amount',
  maxIntegerDigits: number = MAX_INTEGER_DIGITS,
): Money {
  const value = parseMoney(input, field, maxIntegerDigits);
  if (!value.isPositive() || value.isZero())
    throw invalid(`${field} must be greater than zero`, field, 'range');
  return value;
}

/** Trusted values (from NUMERIC columns or our own arithmetic). */
export function money(value: string | number | Decimal): Money {
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw new TypeError('refusing to build money from a fractional JavaScript number');
  }
  return new Money(value);
}

/** Whether an amount computed by the ledger (not entered) still fits what a line may carry. */
export const withinAmountBound = (value: Money): boolean =>
  value.abs().lessThan(new Money(10).pow(MAX_INTEGER_DIGITS));

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
