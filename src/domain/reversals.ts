import { type Direction, opposite } from './accounts.js';
import { line, type PostingPlan } from './posting-plan.js';
import { reversalDescription } from './vouchers.js';

/** A reversal's source is the voucher it voids: a second void of the same voucher is a replay. */
export const REVERSAL_SOURCE_TYPE = 'reversal';

/** What voiding needs to know about the original voucher. */
export interface Reversible {
  id: string;
  merchantId: string;
  voucherNumber: string;
  lines: { accountId: string; direction: Direction; amount: string; memo: string | null }[];
}

/**
 * The REVERSAL that voids a voucher: every line of the original on the same
 * account with its direction swapped, so the two together leave every
 * balance as it was (docs/reference/invariants.md).
 */
export function planReversal(
  original: Reversible,
  req: { reason: string; requestedBy: string; postedAt: string },
): PostingPlan {
  return {
    merchantId: original.merchantId,
    voucherType: 'REVERSAL',
    sourceType: REVERSAL_SOURCE_TYPE,
    sourceId: original.id,
    postedAt: req.postedAt,
    description: reversalDescription(original.voucherNumber, req.reason),
    reason: 'void',
    createdBy: req.requestedBy,
    metadata: { reversalOf: original.voucherNumber, voidReason: req.reason },
    lines: original.lines.map((l) =>
      line({ id: l.accountId }, opposite(l.direction), l.amount, l.memo ?? undefined),
    ),
  };
}
