/**
 * Whatever gets past the API (a workflow started by another client of the
 * namespace, an event from a producer that skipped validation, a limit that
 * drifted) fails its workflow at once with a code: one activity attempt, no
 * retry, nothing posted.
 */
import type { Attack, WorkflowStart } from '../attack-table.js';

const voidWith = (what: string, reason: string, message: RegExp): Attack => ({
  name: `voiding with ${what}: UNSTORABLE_VALUE, one attempt, nothing voided`,
  who: { temporalClient: true },
  request: {
    workflow: 'voidVoucherWorkflow',
    workflowId: 'finance-void-{mine.voucher}',
    input: { voucherId: '{mine.voucher}', merchantId: '{mine}', reason, requestedBy: '{accountant}' },
  },
  expect: { failure: 'UNSTORABLE_VALUE', message, attempts: 1 },
  needsWorker: true,
  leaves: { voucher: '{mine.voucher}', status: 'POSTED' },
});

/** A manual voucher's workflow, started as the API would start it for `{unique}` as the Idempotency-Key. */
const manual = (request: Record<string, unknown>, createdBy = '{accountant}'): WorkflowStart => ({
  workflow: 'manualVoucherWorkflow',
  workflowId: 'finance-manual-{mine}-{unique}',
  input: {
    request,
    context: { merchantId: '{mine}', idempotencyKey: '{unique}', createdBy, postedAt: '{now}' },
  },
});
const correction = (lines: unknown[]) => ({
  kind: 'lines',
  type: 'ADJUSTMENT',
  reason: 'correction',
  lines,
});

export const WORKFLOWS: Attack[] = [
  voidWith('a 500-character void reason', 'r'.repeat(500), /text longer than its column \(SQLSTATE 22001\)/),
  voidWith('a void reason with a lone surrogate', 'x\ud800', /\(SQLSTATE 22P02\)/),
  voidWith('a void reason with a NUL', 'a\u0000', /\(NUL\) \(SQLSTATE 22021\)/),
  {
    name: 'a manual voucher with a NUL in a memo: UNSTORABLE_VALUE, one attempt, nothing posted',
    who: { temporalClient: true },
    request: manual(
      correction([
        { accountId: '{mine.CASH}', direction: 'DEBIT', amount: '1.00', memo: 'a\u0000b' },
        { accountId: '{mine.OWNER_EQUITY}', direction: 'CREDIT', amount: '1.00' },
      ]),
    ),
    expect: { failure: 'UNSTORABLE_VALUE', attempts: 1 },
    needsWorker: true,
    leaves: { noVoucherFromSource: '{unique}' },
  },
  {
    name: 'a manual voucher of 20-digit amounts: VALIDATION_FAILED, one attempt',
    who: { temporalClient: true },
    request: manual(
      correction([
        { accountId: '{mine.CASH}', direction: 'DEBIT', amount: '99999999999999999999' },
        { accountId: '{mine.OWNER_EQUITY}', direction: 'CREDIT', amount: '99999999999999999999' },
      ]),
    ),
    expect: { failure: 'VALIDATION_FAILED', message: /at most 12 integer digits/, attempts: 1 },
    needsWorker: true,
  },
  {
    name: 'a cash count of 13 digits: VALIDATION_FAILED, one attempt',
    who: { temporalClient: true },
    request: manual(
      {
        kind: 'cash_count',
        type: 'ADJUSTMENT',
        reason: 'cash_count',
        accountId: '{mine.CASH}',
        countedBalance: '1234567890123',
      },
      'x',
    ),
    expect: { failure: 'VALIDATION_FAILED', attempts: 1 },
    needsWorker: true,
  },
  {
    name: 'an event whose order number holds a NUL: UNSTORABLE_VALUE, one attempt',
    who: { temporalClient: true },
    request: {
      workflow: 'postEventWorkflow',
      workflowId: 'finance-event-{unique}',
      input: {
        event: {
          id: '{unique}',
          type: 'sale.order.completed',
          merchantId: '{mine}',
          occurredAt: '{now}',
          data: {
            orderId: 'o-{unique}',
            orderNumber: 'SO\u0000-1',
            currency: 'USD',
            total: '5.00',
            costTotal: '0',
          },
        },
      },
    },
    expect: { failure: 'UNSTORABLE_VALUE', attempts: 1 },
    needsWorker: true,
  },
];
