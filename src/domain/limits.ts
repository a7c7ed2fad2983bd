import { reversalDescription } from './vouchers.js';

/**
 * The character columns that hold what API clients and event producers send,
 * by table and column, as `prisma/schema.prisma` declares them (VARCHAR(n)).
 * Every string limit the API publishes and ingest enforces is derived from
 * here, so nothing is accepted that a column cannot store; a test compares
 * this table with the database, so a new or resized column must be listed.
 */
export const VARCHAR_COLUMNS = {
  FinanceAccount: { code: 64, name: 200 },
  FinanceVoucher: {
    voucher_number: 32,
    source_type: 64,
    source_id: 160,
    event_id: 160,
    reason: 64,
    description: 500,
    created_by: 255,
  },
  FinanceTransaction: { memo: 500 },
  VoucherNumberCounter: { prefix: 4 },
  PaymentIntegration: { provider: 64, name: 200, credential_key_id: 64, credential_last4: 4 },
  CasbinRule: { ptype: 8, v0: 255, v1: 255, v2: 255, v3: 255, v4: 255, v5: 255 },
  ManualVoucherRequest: { idempotency_key: 128, workflow_id: 255, created_by: 255 },
  OutboxEntry: { kind: 16 },
  FinancePeriod: { closed_by: 255, reopened_by: 255, reopen_reason: 500 },
  FinanceEvent: {
    id: 160,
    type: 64,
    topic: 255,
    failure_code: 64,
    failure_message: 2000,
    workflow_id: 255,
    run_id: 64,
    request_id: 128,
  },
} as const;

/**
 * NUMERIC(precision, scale) columns. A line's amount enters bounded to 12
 * integer digits (money.ts); a balance is a sum of at most 2^63 lines (the
 * posting sequence is a bigint), so it stays below 2^63 × 10^12 < 10^31 and
 * 34 integer digits can never overflow.
 */
export const NUMERIC_COLUMNS = {
  FinanceTransaction: { amount: [24, 4], balance_after: [38, 4] },
  FinanceAccount: { balance: [38, 4] },
  FinanceClosingBalance: { balance: [38, 4] },
} as const;

/** Integer digits a stored line amount can have (its column), wider than what may enter. */
export const STORED_AMOUNT_INTEGER_DIGITS =
  NUMERIC_COLUMNS.FinanceTransaction.amount[0] - NUMERIC_COLUMNS.FinanceTransaction.amount[1];

/** The limits of what clients send, each named after the column that stores it. */
export const TEXT_LIMITS = {
  accountCode: VARCHAR_COLUMNS.FinanceAccount.code,
  accountName: VARCHAR_COLUMNS.FinanceAccount.name,
  memo: VARCHAR_COLUMNS.FinanceTransaction.memo,
  voucherDescription: VARCHAR_COLUMNS.FinanceVoucher.description,
  /** A void's reason goes into the REVERSAL's description after "Reversal of <number>: ". */
  voidReason:
    VARCHAR_COLUMNS.FinanceVoucher.description -
    reversalDescription('X'.repeat(VARCHAR_COLUMNS.FinanceVoucher.voucher_number), '').length,
  sourceType: VARCHAR_COLUMNS.FinanceVoucher.source_type,
  sourceId: VARCHAR_COLUMNS.FinanceVoucher.source_id,
  voucherNumber: VARCHAR_COLUMNS.FinanceVoucher.voucher_number,
  idempotencyKey: VARCHAR_COLUMNS.ManualVoucherRequest.idempotency_key,
  integrationProvider: VARCHAR_COLUMNS.PaymentIntegration.provider,
  integrationName: VARCHAR_COLUMNS.PaymentIntegration.name,
  reopenReason: VARCHAR_COLUMNS.FinancePeriod.reopen_reason,
  /** Who did it (a JWT subject): a grant's user column. */
  identity: VARCHAR_COLUMNS.CasbinRule.v0,
} as const;

/**
 * Text fields of business events (docs/reference/events.md). They are not stored in columns of
 * their own but in a voucher's description, source id and metadata; the
 * posting plans' tests check that the longest of them still fit.
 */
export const EVENT_TEXT_LIMITS = {
  /** Event ids and business ids (orderId, paymentId, …): they become source ids and workflow ids. */
  businessId: 128,
  orderNumber: 128,
  paymentMethod: 64,
  adjustmentReason: 256,
} as const;
