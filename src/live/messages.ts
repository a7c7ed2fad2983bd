import { type PostedVoucher } from '../activities/posting.js';
import { type AuthzObject } from '../auth/roles.js';

/**
 * Live updates (`GET /ws`, docs/api.md): what the worker publishes after a posting
 * commits and every API replica relays to its WebSocket clients. The shapes
 * below are the wire format clients parse (docs/reference/http-api.md, "Live updates");
 * money is a decimal string, ids are decimal strings.
 */

/** The Redis pub/sub channel, under the service's key prefix (APP_ENV_REDIS_KEY_PREFIX). */
export const liveChannel = (keyPrefix: string): string => `${keyPrefix}live`;

export interface LiveLine {
  lineNumber: number;
  accountId: string;
  direction: 'DEBIT' | 'CREDIT';
  amount: string;
}

/** A voucher as announced: its header, total and lines. */
export interface LiveVoucher {
  voucherId: string;
  voucherNumber: string;
  voucherType: string;
  merchantId: string;
  /** The accounting date (docs/reference/periods.md). */
  postedAt: string;
  /** The date asked for, when a closed period moved the voucher; else null. */
  requestedAt: string | null;
  /** When the voucher was written; null from a worker older than this field. */
  recordedAt: string | null;
  currency: string;
  /** Sum of the debit lines (= sum of the credit lines). */
  total: string;
  lines: LiveLine[];
}

export interface VoucherPostedMessage extends LiveVoucher {
  type: 'voucher.posted';
}

/** A void: `voucherId` is the voided voucher, `reversal` the REVERSAL voucher that voided it. */
export interface VoucherVoidedMessage {
  type: 'voucher.voided';
  merchantId: string;
  voucherId: string;
  reversal: LiveVoucher;
}

/** One per account a posting touched, with its balance and sequence after the posting. */
export interface AccountBalanceMessage {
  type: 'account.balance';
  merchantId: string;
  accountId: string;
  code: string;
  /** In the account's normal direction, as `GET /accounts/:id` shows it. */
  balance: string;
  /** Lines ever posted to the account: a client that sees it jump by more than the lines it saw missed some. */
  postingSequence: string;
  /** The voucher that moved it. */
  voucherId: string;
  voucherNumber: string;
}

export type LiveMessage = VoucherPostedMessage | VoucherVoidedMessage | AccountBalanceMessage;

/**
 * What one posting publishes: one Redis message per posting, so a replica
 * decides once per subscriber whether it may see the merchant, and relays the
 * messages in order.
 */
export interface LiveBatch {
  merchantId: string;
  messages: LiveMessage[];
}

/** The authorization object a message is about: a reader of vouchers sees vouchers, of accounts balances. */
export const objectOf = (message: LiveMessage): AuthzObject =>
  message.type === 'account.balance' ? 'account' : 'voucher';

/** The messages of a committed posting or void; null for a replay (nothing new was written). */
export function liveBatchOf(v: PostedVoucher, kind: 'posted' | 'voided'): LiveBatch | null {
  if (v.replayed || !v.entry) return null;
  const voucher: LiveVoucher = {
    voucherId: v.voucherId,
    voucherNumber: v.voucherNumber,
    voucherType: v.voucherType,
    merchantId: v.merchantId,
    postedAt: v.entry.postedAt,
    // A posting's result is kept in its workflow's history: one written before these fields lacks them.
    requestedAt: v.entry.requestedAt ?? null,
    recordedAt: v.entry.recordedAt ?? null,
    currency: v.entry.currency,
    total: v.entry.total,
    lines: v.entry.lines,
  };
  const head: LiveMessage =
    kind === 'voided' && v.entry.reversalOfId
      ? {
          type: 'voucher.voided',
          merchantId: v.merchantId,
          voucherId: v.entry.reversalOfId,
          reversal: voucher,
        }
      : { type: 'voucher.posted', ...voucher };
  const balances: AccountBalanceMessage[] = v.balances.map((b) => ({
    type: 'account.balance',
    merchantId: v.merchantId,
    accountId: b.accountId,
    code: b.code,
    balance: b.balance,
    postingSequence: b.postingSequence,
    voucherId: v.voucherId,
    voucherNumber: v.voucherNumber,
  }));
  return { merchantId: v.merchantId, messages: [head, ...balances] };
}

/** A batch read from the channel, or null when it is not one (another publisher, a newer format). */
export function parseLiveBatch(text: string): LiveBatch | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const batch = value as Partial<LiveBatch> | null;
  if (
    !batch ||
    typeof batch.merchantId !== 'string' ||
    !Array.isArray(batch.messages) ||
    !batch.messages.every(
      (m) =>
        m &&
        typeof m === 'object' &&
        (m as { merchantId?: unknown }).merchantId === batch.merchantId &&
        ['voucher.posted', 'voucher.voided', 'account.balance'].includes((m as { type?: string }).type ?? ''),
    )
  )
    return null;
  return batch as LiveBatch;
}
