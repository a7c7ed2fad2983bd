import { insertDefaultAccounts } from '../db/accounts.js';
import { type Db } from '../db/executor.js';
import { findMerchant } from '../db/merchants.js';
import { DEFAULT_ACCOUNTS } from '../domain/accounts.js';
import { type IdGenerator, isId } from '../lib/ids.js';
import { type Out, printable } from './output.js';

/**
 * `finance provision --merchant <id>`: creates whatever default accounts the
 * merchant lacks — the repair for a missed or failed CDC record. Only a
 * merchant the ledger knows (its CDC record was applied) is provisioned: the
 * currency and status come from commerce, never from this command.
 */
export async function runProvision(db: Db, ids: IdGenerator, out: Out, merchantId?: string): Promise<number> {
  if (!merchantId || !isId(merchantId)) {
    out.line('Usage: npm run finance -- provision --merchant <merchant id>');
    return 2;
  }
  const merchant = await findMerchant(db, merchantId);
  if (!merchant) {
    out.line(
      `Merchant ${printable(merchantId)} is unknown to the ledger: no CDC record of it was applied. ` +
        'Re-send its CDC record (or re-drive its failed one); nothing was created.',
    );
    return 1;
  }
  const created = await insertDefaultAccounts(
    db,
    merchantId,
    DEFAULT_ACCOUNTS.map(() => ids.nextString()),
  );
  out.line(
    created.length === 0
      ? `Merchant ${merchantId} already has every default account; nothing was created.`
      : `Merchant ${merchantId}: created ${created.join(', ')}.`,
  );
  return 0;
}
