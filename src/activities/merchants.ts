import type { Prisma } from '../db/client.js';
import { DEFAULT_ACCOUNTS } from '../domain/accounts.js';
import { type MerchantChange } from '../domain/events.js';
import { type LedgerDeps } from './posting.js';

export interface MerchantProvisioned {
  merchantId: string;
  applied: boolean;
  status: 'ACTIVE' | 'INACTIVE';
  accountsCreated: string[];
}

/**
 * Applies a merchant CDC change (docs/reference/events.md): create/read → upsert the merchant
 * and create any missing default account; update → name and status; delete →
 * INACTIVE (the ledger is kept). Changes older than the last applied position
 * are ignored, so redelivered or reordered CDC records cannot roll a merchant
 * back. Safe to run concurrently and repeatedly: every write is an upsert.
 * The currency is set once: re-denominating a ledger is not a CDC update.
 */
export async function applyMerchantChange(
  deps: LedgerDeps,
  change: MerchantChange,
): Promise<MerchantProvisioned> {
  const { merchant, op, position } = change;
  if (op === 'd') return deactivateMerchant(deps, change);
  const status = merchant.status;
  return deps.prisma.$transaction(async (tx) => {
    const upserted = await tx.$queryRaw<{ status: 'ACTIVE' | 'INACTIVE' }[]>`
      INSERT INTO finance."Merchant" AS m (id, name, currency, status, cdc_lsn, created_at, updated_at)
      VALUES (${merchant.id}::bigint, ${merchant.name}, ${merchant.currency}, ${status}::finance."MerchantStatus",
              ${position}::bigint, now(), now())
      ON CONFLICT (id) DO UPDATE
         SET name = excluded.name, status = excluded.status, cdc_lsn = excluded.cdc_lsn, updated_at = now()
       WHERE m.cdc_lsn IS NULL OR m.cdc_lsn <= excluded.cdc_lsn
      RETURNING status::text AS status`;
    const applied = upserted.length > 0;
    const accountsCreated = await ensureControlAccounts(deps, tx, merchant.id);
    const current = applied
      ? upserted[0]!.status
      : (
          await tx.merchant.findUniqueOrThrow({
            where: { id: BigInt(merchant.id) },
            select: { status: true },
          })
        ).status;
    deps.logger.info(
      {
        event: 'finance.merchant.provisioned',
        merchantId: merchant.id,
        op,
        position,
        applied,
        accountsCreated,
      },
      applied
        ? `merchant ${merchant.id} provisioned${accountsCreated.length ? `, created ${accountsCreated.join(', ')}` : ''}`
        : `merchant ${merchant.id}: stale CDC record at ${position} ignored`,
    );
    return { merchantId: merchant.id, applied, status: current, accountsCreated };
  });
}

/**
 * A delete only marks the merchant INACTIVE. Debezium's delete record often
 * carries just the key (default replica identity), so name and currency are
 * not used, and a delete for a merchant never seen creates nothing.
 */
async function deactivateMerchant(
  deps: LedgerDeps,
  { merchant, op, position }: MerchantChange,
): Promise<MerchantProvisioned> {
  const updated = await deps.prisma.$queryRaw<{ status: 'ACTIVE' | 'INACTIVE' }[]>`
    UPDATE finance."Merchant" AS m
       SET status = 'INACTIVE'::finance."MerchantStatus", cdc_lsn = ${position}::bigint, updated_at = now()
     WHERE m.id = ${merchant.id}::bigint AND (m.cdc_lsn IS NULL OR m.cdc_lsn <= ${position}::bigint)
    RETURNING status::text AS status`;
  const applied = updated.length > 0;
  deps.logger.info(
    {
      event: 'finance.merchant.provisioned',
      merchantId: merchant.id,
      op,
      position,
      applied,
      accountsCreated: [],
    },
    applied
      ? `merchant ${merchant.id} deactivated`
      : `merchant ${merchant.id}: delete at ${position} ignored (unknown merchant or stale record)`,
  );
  return { merchantId: merchant.id, applied, status: 'INACTIVE', accountsCreated: [] };
}

/** Creates any default account the merchant lacks; concurrent callers never duplicate one. */
export async function ensureControlAccounts(
  deps: LedgerDeps,
  tx: Prisma.TransactionClient,
  merchantId: string,
): Promise<string[]> {
  const ids = DEFAULT_ACCOUNTS.map(() => deps.ids.nextString());
  const rows = await tx.$queryRaw<{ code: string }[]>`
    INSERT INTO finance."FinanceAccount" (id, merchant_id, code, name, type, normal_balance, is_control, created_at, updated_at)
    SELECT d.id, ${merchantId}::bigint, d.code, d.name, d.type::finance."AccountType", d.normal::finance."Direction", d.is_control, now(), now()
      FROM unnest(${ids}::bigint[], ${DEFAULT_ACCOUNTS.map((a) => a.code)}::text[], ${DEFAULT_ACCOUNTS.map((a) => a.name)}::text[],
                  ${DEFAULT_ACCOUNTS.map((a) => a.type)}::text[], ${DEFAULT_ACCOUNTS.map((a) => a.normalBalance)}::text[],
                  ${DEFAULT_ACCOUNTS.map((a) => a.isControl)}::boolean[]) AS d(id, code, name, type, normal, is_control)
    ON CONFLICT (merchant_id, code) WHERE deleted_at IS NULL DO NOTHING
    RETURNING code`;
  return rows.map((r) => r.code);
}
