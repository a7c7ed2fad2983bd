import { findVoucherLines, findVoucherSummary } from '../db/ledger-sql.js';
import { opposite } from '../domain/accounts.js';
import { LedgerError } from '../domain/errors.js';
import { line, type PostingPlan } from '../domain/posting-plan.js';
import { reversalDescription, voidability, type VoucherType } from '../domain/vouchers.js';
import { type LedgerDeps, postPlan, type PostedVoucher } from './posting.js';

export interface VoidRequest {
  voucherId: string;
  reason: string;
  requestedBy: string;
  /** When set, the voucher must belong to this merchant (API callers). */
  merchantId?: string;
}

export const REVERSAL_SOURCE_TYPE = 'reversal';

/**
 * Voids a voucher by posting a REVERSAL with every line's direction swapped
 * and marking the original VOIDED, in one transaction (docs/reference/invariants.md). Voiding
 * twice returns the same reversal: the reversal's source is the original's
 * id, so even a race between two voids posts one reversal.
 */
export async function voidVoucher(deps: LedgerDeps, req: VoidRequest): Promise<PostedVoucher> {
  const original = await findVoucherSummary(deps.prisma, req.voucherId);
  if (!original || (req.merchantId && original.merchantId !== req.merchantId)) {
    throw new LedgerError('VOUCHER_NOT_FOUND', `voucher ${req.voucherId} does not exist`, {
      voucherId: req.voucherId,
    });
  }
  const rule = voidability(original.type as VoucherType);
  if (!rule.voidable) {
    throw new LedgerError('VOUCHER_NOT_VOIDABLE', `voucher ${original.voucherNumber}: ${rule.reason}`, {
      voucherId: original.id,
      voucherType: original.type,
    });
  }
  const lines = await findVoucherLines(deps.prisma, original.id);
  const plan: PostingPlan = {
    merchantId: original.merchantId,
    voucherType: 'REVERSAL',
    sourceType: REVERSAL_SOURCE_TYPE,
    sourceId: original.id,
    postedAt: new Date().toISOString(),
    description: reversalDescription(original.voucherNumber, req.reason),
    reason: 'void',
    createdBy: req.requestedBy,
    metadata: { reversalOf: original.voucherNumber, voidReason: req.reason },
    lines: lines.map((l) => line({ id: l.accountId }, opposite(l.direction), l.amount, l.memo ?? undefined)),
  };
  return postPlan(deps, plan, { reversalOf: original.id });
}
