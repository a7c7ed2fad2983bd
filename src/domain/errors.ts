/**
 * The ledger's failure contract. Each code is stable: API error bodies carry
 * it, and Temporal sees it as the ApplicationFailure type, so workflows'
 * retry policies match on these strings. Renaming one is a behaviour change.
 */
export const LEDGER_ERRORS = {
  // Input that can never post: fail at once, no retry. Amounts and grants are validated into these too.
  VALIDATION_FAILED: { retryable: false, status: 400 },
  UNBALANCED_VOUCHER: { retryable: false, status: 422 },
  CURRENCY_MISMATCH: { retryable: false, status: 422 },
  /** Also for an account of another merchant: the two must be indistinguishable. */
  ACCOUNT_NOT_FOUND: { retryable: false, status: 422 },
  ACCOUNT_INACTIVE: { retryable: false, status: 422 },
  /**
   * The database refused a value (SQLSTATE class 22, or an integrity rule
   * other than uniqueness): no retry can change that. Validation keeps such
   * values out; this is the guard for whatever still gets through.
   */
  UNSTORABLE_VALUE: { retryable: false, status: 400 },
  VOUCHER_NOT_FOUND: { retryable: false, status: 404 },
  VOUCHER_NOT_VOIDABLE: { retryable: false, status: 409 },
  /** An earlier month with vouchers is still open, or the month is not over (docs/reference/periods.md). */
  PERIOD_NOT_CLOSABLE: { retryable: false, status: 409 },
  /** Only the latest closed period can be reopened. */
  PERIOD_NOT_REOPENABLE: { retryable: false, status: 409 },
  // The world may still catch up (events can arrive before the merchant CDC): retry with backoff.
  MERCHANT_NOT_FOUND: { retryable: true, status: 409 },
  CONTROL_ACCOUNT_MISSING: { retryable: true, status: 409 },
  // Infrastructure hiccups: lock timeout, serialization failure, lost connection.
  TRANSIENT_DATABASE_ERROR: { retryable: true, status: 503 },
} as const;

export type LedgerErrorCode = keyof typeof LEDGER_ERRORS;

export const NON_RETRYABLE_LEDGER_ERRORS = (Object.keys(LEDGER_ERRORS) as LedgerErrorCode[]).filter(
  (code) => !LEDGER_ERRORS[code].retryable,
);

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly retryable: boolean;
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.retryable = LEDGER_ERRORS[code].retryable;
  }
}

export const isLedgerError = (err: unknown): err is LedgerError => err instanceof LedgerError;
