import { findVoucher } from '../db/vouchers.js';
import { EVERY_MERCHANT } from '../db/tenancy.js';
import { LedgerError } from '../domain/errors.js';
import { planReversal } from '../domain/reversals.js';
import { voidability } from '../domain/vouchers.js';
import { type LedgerDeps, postPlan, type PostedVoucher } from './posting.js';

export interface VoidRequest {
  voucherId: string;
  reason: string;
  requestedBy: string;
  /** Date the REVERSAL at the original's posted_at (default) or now; a closed period moves either. */
  date?: 'original' | 'now';
  /** When set, the voucher must belong to this merchant (API callers). */
  merchantId?: string;
}

/**
 * Voids a voucher by posting its REVERSAL (domain/reversals.ts), which marks
 * the original VOIDED in the same statement. Voiding twice returns the same
 * reversal: the reversal's source is the original's id, so even a race
 * between two voids posts one reversal.
 */
export async function voidVoucher(deps: LedgerDeps, req: VoidRequest): Promise<PostedVoucher> {
  const scope = req.merchantId ? { all: false as const, merchantIds: [req.merchantId] } : EVERY_MERCHANT;
  const original = await findVoucher(deps.db, scope, req.voucherId);
  if (!original) {
    throw new LedgerError('VOUCHER_NOT_FOUND', `voucher ${req.voucherId} does not exist`, {
      voucherId: req.voucherId,
    });
  }
  const rule = voidability(original.type);
  if (!rule.voidable) {
    throw new LedgerError('VOUCHER_NOT_VOIDABLE', `voucher ${original.voucherNumber}: ${rule.reason}`, {
      voucherId: original.id,
      voucherType: original.type,
    });
  }
  const plan = planReversal(original, {
    reason: req.reason,
    requestedBy: req.requestedBy,
    postedAt: req.date === 'now' ? new Date().toISOString() : original.postedAt,
  });
  return postPlan(deps, plan, { reversalOf: original.id });
}
