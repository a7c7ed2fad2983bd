import { describe, expect, it } from 'vitest';
import { EVENT_TEXT_LIMITS, TEXT_LIMITS, VARCHAR_COLUMNS } from './limits.js';
import { reversalDescription } from './vouchers.js';

describe('limits derived from the columns', () => {
  it('the longest void reason makes a REVERSAL description that just fits', () => {
    const longestNumber = 'X'.repeat(VARCHAR_COLUMNS.FinanceVoucher.voucher_number);
    const description = reversalDescription(longestNumber, 'r'.repeat(TEXT_LIMITS.voidReason));
    expect(description.length).toBe(VARCHAR_COLUMNS.FinanceVoucher.description);
  });

  it('an Idempotency-Key fits the voucher source id and the manual workflow id', () => {
    expect(TEXT_LIMITS.idempotencyKey).toBeLessThanOrEqual(VARCHAR_COLUMNS.FinanceVoucher.source_id);
    const longestMerchantId = '9'.repeat(19);
    const workflowId = `finance-manual-${longestMerchantId}-${'k'.repeat(TEXT_LIMITS.idempotencyKey)}`;
    expect(workflowId.length).toBeLessThanOrEqual(VARCHAR_COLUMNS.ManualVoucherRequest.workflow_id);
  });

  it('whoever may hold a grant can be recorded as the creator', () => {
    expect(TEXT_LIMITS.identity).toBeLessThanOrEqual(VARCHAR_COLUMNS.FinanceVoucher.created_by);
    expect(TEXT_LIMITS.identity).toBeLessThanOrEqual(VARCHAR_COLUMNS.ManualVoucherRequest.created_by);
  });

  it('event ids fit where they are stored', () => {
    expect(EVENT_TEXT_LIMITS.businessId).toBeLessThanOrEqual(VARCHAR_COLUMNS.FinanceVoucher.event_id);
    expect(EVENT_TEXT_LIMITS.businessId).toBeLessThanOrEqual(VARCHAR_COLUMNS.FinanceVoucher.source_id);
  });
});
