import { insertDefaultAccounts } from '../db/accounts.js';
import { deactivateMerchant, findMerchant, type MerchantStatus, upsertMerchant } from '../db/merchants.js';
import { DEFAULT_ACCOUNTS } from '../domain/accounts.js';
import { type MerchantChange } from '../domain/events.js';
import { type LedgerDeps } from './posting.js';

export interface MerchantProvisioned {
  merchantId: string;
  applied: boolean;
  status: MerchantStatus;
  accountsCreated: string[];
}

/**
 * Applies a merchant CDC change (docs/reference/events.md): create/read → upsert the merchant
 * and create any missing default account; update → name and status; delete →
 * INACTIVE (the ledger is kept). Changes older than the last applied position
 * are ignored, so redelivered or reordered CDC records cannot roll a merchant
 * back. Safe to run concurrently and repeatedly: every write is an upsert.
 */
export async function applyMerchantChange(
  deps: LedgerDeps,
  change: MerchantChange,
): Promise<MerchantProvisioned> {
  const { merchant, op, position } = change;
  const provisioned = await deps.db.transaction(async (tx): Promise<MerchantProvisioned> => {
    if (op === 'd') {
      // Debezium's delete record often carries just the key (default replica identity): name and
      // currency are not used, and a delete for a merchant never seen creates nothing.
      const applied = await deactivateMerchant(tx, change);
      return { merchantId: merchant.id, applied, status: 'INACTIVE', accountsCreated: [] };
    }
    const written = await upsertMerchant(tx, change);
    const ids = DEFAULT_ACCOUNTS.map(() => deps.ids.nextString());
    const accountsCreated = await insertDefaultAccounts(tx, merchant.id, ids);
    const status = written ?? (await findMerchant(tx, merchant.id))!.status;
    return { merchantId: merchant.id, applied: written !== null, status, accountsCreated };
  });
  const { applied, accountsCreated } = provisioned;
  deps.logger.info(
    {
      event: 'finance.merchant.provisioned',
      merchantId: merchant.id,
      op,
      position,
      applied,
      accountsCreated,
    },
    op === 'd'
      ? applied
        ? `merchant ${merchant.id} deactivated`
        : `merchant ${merchant.id}: delete at ${position} ignored (unknown merchant or stale record)`
      : applied
        ? `merchant ${merchant.id} provisioned${accountsCreated.length ? `, created ${accountsCreated.join(', ')}` : ''}`
        : `merchant ${merchant.id}: stale CDC record at ${position} ignored`,
  );
  return provisioned;
}
