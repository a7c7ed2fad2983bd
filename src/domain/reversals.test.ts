import { describe, expect, it } from 'vitest';
import { planReversal, REVERSAL_SOURCE_TYPE } from './reversals.js';

describe('the reversal that voids a voucher', () => {
  it('mirrors every line on the same account, sourced by the original so a second void is a replay', () => {
    const plan = planReversal(
      {
        id: '501',
        merchantId: '9',
        voucherNumber: 'SL-2026-000007',
        lines: [
          { accountId: '1', direction: 'DEBIT', amount: '10.5000', memo: null },
          { accountId: '2', direction: 'CREDIT', amount: '10.5000', memo: 'sale' },
        ],
      },
      { reason: 'entered twice', requestedBy: 'alice', postedAt: '2026-11-29T00:00:00.000Z' },
    );
    expect(plan).toMatchObject({
      merchantId: '9',
      voucherType: 'REVERSAL',
      sourceType: REVERSAL_SOURCE_TYPE,
      sourceId: '501',
      reason: 'void',
      createdBy: 'alice',
      description: 'Reversal of SL-2026-000007: entered twice',
      metadata: { reversalOf: 'SL-2026-000007', voidReason: 'entered twice' },
    });
    expect(plan.lines).toEqual([
      { account: { id: '1' }, direction: 'CREDIT', amount: '10.50' },
      { account: { id: '2' }, direction: 'DEBIT', amount: '10.50', memo: 'sale' },
    ]);
  });
});
