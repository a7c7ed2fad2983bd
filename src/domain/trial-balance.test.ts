import { describe, expect, it } from 'vitest';
import { balanceOf, trialBalance } from './trial-balance.js';

describe('balances and the trial balance', () => {
  it('a balance is the net of the lines in the account’s normal direction', () => {
    expect(balanceOf('DEBIT', { debit: '100.00', credit: '30.25' })).toBe('69.75');
    expect(balanceOf('CREDIT', { debit: '100.00', credit: '30.25' })).toBe('-69.75');
    expect(balanceOf('CREDIT', { debit: '0', credit: '0' })).toBe('0.00');
  });

  it('puts each net in the debit or the credit column, and the totals of a balanced ledger agree', () => {
    const account = (code: string, normalBalance: 'DEBIT' | 'CREDIT', debit: string, credit: string) => ({
      accountId: code,
      code,
      name: code,
      type: normalBalance === 'DEBIT' ? ('ASSET' as const) : ('REVENUE' as const),
      normalBalance,
      debit,
      credit,
    });
    const report = trialBalance([
      account('CASH', 'DEBIT', '120.00', '20.00'),
      account('SALES_REVENUE', 'CREDIT', '0', '120.00'),
      account('SALES_RETURNS', 'DEBIT', '20.00', '0'),
    ]);
    expect(report.accounts.map((a) => [a.code, a.debit, a.credit, a.balance])).toEqual([
      ['CASH', '100.00', '0.00', '100.00'],
      ['SALES_REVENUE', '0.00', '120.00', '120.00'],
      ['SALES_RETURNS', '20.00', '0.00', '20.00'],
    ]);
    expect(report.totals).toEqual({ debit: '120.00', credit: '120.00' });
    expect(report.balanced).toBe(true);
    expect(trialBalance([account('CASH', 'DEBIT', '1', '0')]).balanced).toBe(false);
  });
});
