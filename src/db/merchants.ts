import { type MerchantChange } from '../domain/events.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';

/** Merchants as the ledger knows them: mirrored from the commerce database's CDC stream. */
export type MerchantStatus = 'ACTIVE' | 'INACTIVE';

/**
 * Applies a create/read/update record unless the merchant already holds a
 * later CDC position; returns the status it wrote, or null when the record
 * was older (nothing written). The currency is set once: re-denominating a
 * ledger is not a CDC update.
 */
export async function upsertMerchant(
  db: Db,
  { merchant, position }: MerchantChange,
): Promise<MerchantStatus | null> {
  const rows = await db.query<{ status: MerchantStatus }>(Prisma.sql`
    INSERT INTO finance."Merchant" AS m (id, name, currency, status, cdc_lsn, created_at, updated_at)
    VALUES (${merchant.id}::bigint, ${merchant.name}, ${merchant.currency}, ${merchant.status}::finance."MerchantStatus",
            ${position}::bigint, now(), now())
    ON CONFLICT (id) DO UPDATE
       SET name = excluded.name, status = excluded.status, cdc_lsn = excluded.cdc_lsn, updated_at = now()
     WHERE m.cdc_lsn IS NULL OR m.cdc_lsn <= excluded.cdc_lsn
    RETURNING status::text AS status`);
  return rows[0]?.status ?? null;
}

/** Marks a known merchant INACTIVE unless it holds a later CDC position; false when nothing was written. */
export async function deactivateMerchant(db: Db, { merchant, position }: MerchantChange): Promise<boolean> {
  const n = await db.execute(Prisma.sql`
    UPDATE finance."Merchant" AS m
       SET status = 'INACTIVE'::finance."MerchantStatus", cdc_lsn = ${position}::bigint, updated_at = now()
     WHERE m.id = ${merchant.id}::bigint AND (m.cdc_lsn IS NULL OR m.cdc_lsn <= ${position}::bigint)`);
  return n > 0;
}

/** A live merchant's currency and status, or null when the ledger does not know it. */
export async function findMerchant(
  db: Db,
  merchantId: string,
): Promise<{ currency: string; status: MerchantStatus } | null> {
  const rows = await db.query<{ currency: string; status: MerchantStatus }>(Prisma.sql`
    SELECT currency, status::text AS status FROM finance."Merchant" WHERE id = ${merchantId}::bigint AND deleted_at IS NULL`);
  return rows[0] ?? null;
}
