/**
 * The outbound voucher stream's outbox (docs/reference/voucher-stream.md).
 * The posting statement writes an entry per voucher (posting-statement.ts);
 * the relay (outbox/relay.ts) claims merchants, reads their entries in
 * sequence order, publishes them, marks them, and prunes old marked ones.
 */

/** The message kinds: a voucher posted, and a REVERSAL posted by a void. */
export const VOUCHER_POSTED = 'voucher.posted';
export const VOUCHER_VOIDED = 'voucher.voided';
