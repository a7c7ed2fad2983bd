import { describe, expect, it } from 'vitest';
import {
  checkManualPostedAt,
  decideClose,
  latestClosed,
  parsePeriod,
  periodOf,
  periodsBetween,
  previousPeriod,
} from './periods.js';

describe('accounting periods', () => {
  it('are UTC calendar months named YYYY-MM', () => {
    expect(parsePeriod('2026-12')).toEqual({
      name: '2026-12',
      start: new Date('2026-12-01T00:00:00Z'),
      end: new Date('2027-01-01T00:00:00Z'),
    });
    // UTC decides the month, not the offset the instant was written with.
    expect(periodOf(new Date('2026-12-31T23:30:00-05:00')).name).toBe('2027-01');
    expect(previousPeriod(parsePeriod('2026-01')).name).toBe('2025-12');
    expect(periodsBetween(parsePeriod('2025-11'), parsePeriod('2026-02')).map((p) => p.name)).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
    ]);
    for (const bad of ['2026-13', '2026-00', '26-01', '1969-12', '9999-01', '2026-1', ' 2026-01'])
      expect(() => parsePeriod(bad), bad).toThrow(/YYYY-MM/);
  });

  it('the latest closed period is the month before closedUntil', () => {
    expect(latestClosed(null)).toBeNull();
    expect(latestClosed(new Date('2026-11-01T00:00:00Z'))?.name).toBe('2026-10');
  });

  it('decides a close: no-op when closed, refused while not over or an earlier month with vouchers is open', () => {
    const now = new Date('2026-11-29T00:00:00Z');
    const oct = parsePeriod('2026-10');
    expect(decideClose(oct, new Date('2026-11-01T00:00:00Z'), null, now)).toEqual({ kind: 'already' });
    expect(decideClose(parsePeriod('2026-11'), null, null, now)).toMatchObject({
      kind: 'refuse',
      message: expect.stringContaining('not over'),
    });
    expect(decideClose(oct, null, parsePeriod('2026-08'), now)).toMatchObject({
      kind: 'refuse',
      message: 'period 2026-08 has vouchers and is still open: close it before 2026-10',
    });
    expect(decideClose(oct, new Date('2026-08-01T00:00:00Z'), null, now)).toEqual({
      kind: 'close',
      from: parsePeriod('2026-08'),
    });
    expect(decideClose(oct, null, parsePeriod('2026-10'), now)).toEqual({ kind: 'close', from: oct });
  });

  it('bounds a manual postedAt: a real instant, not before 1970, at most 366 days ahead', () => {
    const now = new Date('2026-11-29T00:00:00Z');
    expect(checkManualPostedAt('2026-11-30T10:00:00+02:00', now).toISOString()).toBe(
      '2026-11-30T08:00:00.000Z',
    );
    expect(checkManualPostedAt('2027-11-30T00:00:00Z', now).getUTCFullYear()).toBe(2027);
    for (const bad of ['2027-12-01T00:00:01Z', '1969-12-31T23:59:59Z', 'not a date'])
      expect(() => checkManualPostedAt(bad, now), bad).toThrow();
  });
});
