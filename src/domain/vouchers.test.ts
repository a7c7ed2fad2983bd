import { describe, expect, it } from 'vitest';
import { cashCountLines } from './manual-plans.js';
import { money } from './money.js';
import { formatVoucherNumber, isVoucherNumber, voucherNumberFormat } from './vouchers.js';
import { voidability, VOUCHER_TYPES } from './vouchers.js';

describe('voucher numbers', () => {
  it('are prefix-year-running number, zero padded to six and growing past it', () => {
    expect(formatVoucherNumber('RECEIPT', 2026, 42)).toBe('RC-2026-000042');
    expect(formatVoucherNumber('REVERSAL', 2027, 1_234_567)).toBe('RV-2027-1234567');
    expect(() => formatVoucherNumber('SALE', 2026, 0)).toThrow(RangeError);
    // What the posting statement formats the counter value with: the same head (year filled in SQL) and width.
    expect(voucherNumberFormat('RECEIPT')).toEqual({ head: 'RC-{year}-', width: 6 });
    expect(isVoucherNumber('RC-2026-000042')).toBe(true);
    expect(isVoucherNumber('XX-2026-000042')).toBe(false);
  });

  it('every voucher type has a distinct prefix', () => {
    const prefixes = VOUCHER_TYPES.map((t) => formatVoucherNumber(t, 2026, 1).slice(0, 2));
    expect(new Set(prefixes).size).toBe(VOUCHER_TYPES.length);
  });
});

describe('voidability', () => {
  it('refuses stock-following vouchers and reversals', () => {
    expect(VOUCHER_TYPES.filter((t) => !voidability(t).voidable).sort()).toEqual([
      'COGS',
      'INVENTORY_ADJUSTMENT',
      'REVERSAL',
    ]);
    expect(voidability('COGS')).toMatchObject({
      voidable: false,
      reason: expect.stringContaining('ADJUSTMENT'),
    });
  });
});

describe('cash count', () => {
  const lines = (book: string, counted: string) =>
    cashCountLines('7', money(book), money(counted)).map(
      (l) => `${l.direction} ${'id' in l.account ? l.account.id : l.account.code} ${l.amount}`,
    );
  it('posts the difference against CASH_OVER_SHORT, nothing when equal', () => {
    expect(lines('100.00', '103.50')).toEqual(['DEBIT 7 3.50', 'CREDIT CASH_OVER_SHORT 3.50']);
    expect(lines('100.00', '90')).toEqual(['DEBIT CASH_OVER_SHORT 10.00', 'CREDIT 7 10.00']);
    expect(lines('100.00', '100')).toEqual([]);
    expect(lines('-5', '0')).toEqual(['DEBIT 7 5.00', 'CREDIT CASH_OVER_SHORT 5.00']);
  });
});
