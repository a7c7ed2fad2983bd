/** What the rows of several themes share: the usual answers, request builders, the API's limits. */
import type { HttpAnswer, HttpRequest } from '../attack-table.js';

/** The per-IP limit of the API under attack (requests per minute), small so floods are cheap. */
export const PER_IP_LIMIT = 6;

export const UNAUTHENTICATED: HttpAnswer = {
  status: 401,
  code: 'UNAUTHENTICATED',
  message: 'authentication required',
};
export const NOT_FOUND: HttpAnswer = { status: 404, code: 'NOT_FOUND' };
export const VALIDATION_FAILED: HttpAnswer = { status: 400, code: 'VALIDATION_FAILED' };
export const EMPTY_PAGE: HttpAnswer = { status: 200, bodyIs: { items: [], nextCursor: null } };
export const COUNT_ZERO: HttpAnswer = { status: 200, bodyIs: { count: 0 } };

/** The 404 of a missing entity, message included: another tenant's answers the same. */
export const notFound = (what: string): HttpAnswer => ({
  status: 404,
  code: 'NOT_FOUND',
  message: `${what} not found`,
});

/** A posting that names an account the merchant does not have, as its workflow reports it. */
export const accountNotFound = (what: string): HttpAnswer => ({
  status: 422,
  code: 'ACCOUNT_NOT_FOUND',
  message: `${what} failed (ACCOUNT_NOT_FOUND): finance account {target} does not exist for merchant {mine}. Nothing was posted.`,
});

/** `POST /vouchers` with a fresh Idempotency-Key. */
export const postVoucher = (body: unknown): HttpRequest => ({
  method: 'POST',
  path: '/vouchers',
  body,
  headers: { 'idempotency-key': '{unique}' },
});

/** A manual ADJUSTMENT with reason `correction` on merchant `mine`. */
export const correction = (lines: unknown[], extra: Record<string, unknown> = {}) => ({
  merchantId: '{mine}',
  type: 'ADJUSTMENT',
  reason: 'correction',
  lines,
  ...extra,
});

const line =
  (direction: 'DEBIT' | 'CREDIT') =>
  (accountId: string, amount = '1.00', memo?: string) => ({
    accountId,
    direction,
    amount,
    ...(memo !== undefined ? { memo } : {}),
  });
export const debit = line('DEBIT');
export const credit = line('CREDIT');
