import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LedgerError } from './errors.js';
import {
  AMOUNT_PATTERN,
  formatMoney,
  money,
  parseMoney,
  parsePositiveMoney,
  sumMoney,
  withinAmountBound,
} from './money.js';

describe('money', () => {
  it('parses decimal strings exactly', () => {
    expect(parseMoney('125000.50').toFixed(4)).toBe('125000.5000');
    expect(parseMoney('0.1').plus(parseMoney('0.2')).toString()).toBe('0.3');
    expect(parseMoney('-3.0001').toFixed(4)).toBe('-3.0001');
    expect(parseMoney('999999999999.9999').toFixed(4)).toBe('999999999999.9999');
    expect(parseMoney('-999999999999.9999').toFixed(4)).toBe('-999999999999.9999');
  });

  it('bounds what enters to 12 integer digits; stored amounts may be read back wider', () => {
    expect(() => parseMoney('1000000000000')).toThrow('at most 12 integer digits');
    expect(() => parseMoney('-1000000000000.00')).toThrow('at most 12 integer digits');
    expect(parseMoney('99999999999999999999.9999', 'amount', 20).toFixed(4)).toBe(
      '99999999999999999999.9999',
    );
    const err = (() => {
      try {
        parseMoney('99999999999999999999');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'amount', problem: 'range' } });
    expect(withinAmountBound(money('999999999999.9999'))).toBe(true);
    expect(withinAmountBound(money('-1000000000000'))).toBe(false);
  });

  it('publishes the same bound as a JSON Schema pattern', () => {
    const pattern = new RegExp(AMOUNT_PATTERN, 'u');
    expect(pattern.test('999999999999.9999')).toBe(true);
    expect(pattern.test('0.0001')).toBe(true);
    for (const bad of ['1000000000000', '1.23456', '-1', '01', '1e3', '1.'])
      expect(pattern.test(bad), bad).toBe(false);
  });

  it.each([
    [125000.5, 'not a JSON number'],
    ['1.23456', 'at most 4 fraction digits'],
    ['1e5', 'decimal string'],
    ['01.5', 'decimal string'],
    [' 1.00', 'decimal string'],
    ['1.', 'decimal string'],
    ['NaN', 'decimal string'],
    ['Infinity', 'decimal string'],
    ['123456789012345678901', 'at most 12 integer digits'],
    ['1'.repeat(65), 'decimal string'],
    [null, 'decimal string'],
  ])('rejects %j', (input, message) => {
    expect(() => parseMoney(input)).toThrow(LedgerError);
    expect(() => parseMoney(input)).toThrow(message);
  });

  it('requires positive amounts where the ledger does', () => {
    expect(() => parsePositiveMoney('0')).toThrow('greater than zero');
    expect(() => parsePositiveMoney('-1.00')).toThrow('greater than zero');
    expect(parsePositiveMoney('0.0001').toFixed(4)).toBe('0.0001');
  });

  it('refuses fractional JavaScript numbers even from trusted code', () => {
    expect(() => money(0.1)).toThrow(TypeError);
    expect(money(3).toFixed(2)).toBe('3.00');
  });

  it('formats with two to four fraction digits, never exponents', () => {
    expect(formatMoney('125000.5')).toBe('125000.50');
    expect(formatMoney('7')).toBe('7.00');
    expect(formatMoney('0.1234')).toBe('0.1234');
    expect(formatMoney('0.1230')).toBe('0.123');
    expect(formatMoney('-40')).toBe('-40.00');
    expect(formatMoney('0.00000001')).toBe('0.00');
    expect(formatMoney('12345678901234567890.5')).toBe('12345678901234567890.50');
  });

  it('round-trips every valid amount through format and parse without loss (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 24n) + 1n, max: 10n ** 24n - 1n }), (units) => {
        const sign = units < 0n ? '-' : '';
        const abs = units < 0n ? -units : units;
        const text = `${sign}${abs / 10000n}.${String(abs % 10000n).padStart(4, '0')}`;
        const parsed = parseMoney(text, 'amount', 20);
        expect(parseMoney(formatMoney(parsed), 'amount', 20).equals(parsed)).toBe(true);
      }),
    );
  });

  it('sums exactly where floats drift (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { maxLength: 200 }), (cents) => {
        const total = sumMoney(cents.map((c) => money(c).div(100)));
        expect(total.times(100).toString()).toBe(String(cents.reduce((a, b) => a + b, 0)));
      }),
    );
  });
});
