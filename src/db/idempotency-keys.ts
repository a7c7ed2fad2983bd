import { Prisma } from './client.js';
import { type Db } from './executor.js';

/**
 * The Idempotency-Keys of manual vouchers (`ManualVoucherRequest`): a key is
 * recorded with the hash of its first request, so a retry with the same key
 * is recognised and a different body under the same key refused.
 */
export interface IdempotencyClaim {
  merchantId: string;
  key: string;
  requestHash: string;
  workflowId: string;
  createdBy: string;
}

/** Records the key unless it exists; returns whether this call recorded it, and the hash recorded first. */
export async function claimIdempotencyKey(
  db: Db,
  r: IdempotencyClaim,
): Promise<{ first: boolean; requestHash: string }> {
  const inserted = await db.query<{ request_hash: string }>(Prisma.sql`
    INSERT INTO finance."ManualVoucherRequest" (merchant_id, idempotency_key, request_hash, workflow_id, created_by, created_at, updated_at)
    VALUES (${r.merchantId}::bigint, ${r.key}, ${r.requestHash}, ${r.workflowId}, ${r.createdBy}, now(), now())
    ON CONFLICT (merchant_id, idempotency_key) DO NOTHING
    RETURNING request_hash`);
  if (inserted.length > 0) return { first: true, requestHash: r.requestHash };
  const existing = await db.query<{ request_hash: string }>(Prisma.sql`
    SELECT request_hash FROM finance."ManualVoucherRequest"
     WHERE merchant_id = ${r.merchantId}::bigint AND idempotency_key = ${r.key}`);
  return { first: false, requestHash: existing[0]?.request_hash ?? '' };
}
