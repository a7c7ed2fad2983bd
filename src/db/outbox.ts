import { Prisma } from './client.js';
import { type Db } from './executor.js';

/**
 * The outbound voucher stream's outbox (docs/reference/voucher-stream.md).
 * The posting statement writes an entry per voucher (posting-statement.ts);
 * the relay (outbox/relay.ts) claims merchants, reads their entries in
 * sequence order, publishes them, marks them, and prunes old marked ones.
 */

/** The message kinds: a voucher posted, and a REVERSAL posted by a void. */
export const VOUCHER_POSTED = 'voucher.posted';
export const VOUCHER_VOIDED = 'voucher.voided';

export interface OutboxEntry {
  merchantId: string;
  seq: string;
  voucherId: string;
  kind: string;
  /** The message value, as rendered when the voucher was posted. */
  value: string;
}

/**
 * Claims up to `merchants` merchants with unpublished entries for the
 * calling transaction (a transaction-scoped advisory lock per merchant,
 * skipped when another relay holds it) and returns their oldest unpublished
 * entries, at most `perMerchant` each, in sequence order. Must run inside a
 * transaction: the claim lasts until it commits. The entries are read by a
 * second statement, after the locks are held, so marks another relay
 * committed just before are seen.
 */
export async function claimOutboxEntries(
  tx: Db,
  limits: { merchants: number; perMerchant: number },
): Promise<OutboxEntry[]> {
  const claimed = await tx.query<{ merchantId: string }>(Prisma.sql`
    SELECT p.merchant_id::text AS "merchantId"
      FROM (SELECT DISTINCT merchant_id FROM finance."OutboxEntry" WHERE published_at IS NULL) p
     WHERE pg_try_advisory_xact_lock(${CLAIM_LOCK_SPACE}::int, hashtext(p.merchant_id::text))
     LIMIT ${limits.merchants}`);
  if (claimed.length === 0) return [];
  return tx.query<OutboxEntry>(Prisma.sql`
    SELECT "merchantId", seq, "voucherId", kind, value
      FROM (SELECT e.merchant_id::text AS "merchantId", e.seq::text AS seq, e.voucher_id::text AS "voucherId",
                   e.kind, e.value, e.merchant_id, e.seq AS n,
                   row_number() OVER (PARTITION BY e.merchant_id ORDER BY e.seq) AS rank
              FROM finance."OutboxEntry" e
             WHERE e.published_at IS NULL AND e.merchant_id = ANY(${claimed.map((c) => c.merchantId)}::bigint[])) x
     WHERE rank <= ${limits.perMerchant}
     ORDER BY merchant_id, n`);
}

/** The advisory lock space of relay claims (the first key of the two-key form; the merchant's hash is the second). */
const CLAIM_LOCK_SPACE = 0x0b0c;

export async function markOutboxPublished(tx: Db, entries: OutboxEntry[]): Promise<void> {
  await tx.execute(Prisma.sql`
    UPDATE finance."OutboxEntry" SET published_at = now()
     WHERE (merchant_id, seq) IN (SELECT * FROM unnest(${entries.map((e) => e.merchantId)}::bigint[],
                                                       ${entries.map((e) => e.seq)}::bigint[]))`);
}

/** Deletes up to `limit` entries published before `before`; returns how many. */
export function pruneOutbox(db: Db, before: Date, limit: number): Promise<number> {
  return db.execute(Prisma.sql`
    DELETE FROM finance."OutboxEntry"
     WHERE (merchant_id, seq) IN (SELECT merchant_id, seq FROM finance."OutboxEntry"
                                   WHERE published_at < ${before} LIMIT ${limit})`);
}

/** How long the oldest unpublished entry has waited, in seconds (0 when none waits). */
export async function oldestUnpublishedSeconds(db: Db): Promise<number> {
  const [row] = await db.query<{ seconds: string }>(Prisma.sql`
    SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::text AS seconds
      FROM finance."OutboxEntry" WHERE published_at IS NULL`);
  return Math.max(0, Number(row!.seconds));
}
