import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { postingFailed } from './failures.js';
import { INTERACTIVE_ACTIVITY } from './presets.js';
import { VOUCHER_NUMBER } from './search-attributes.js';
import { type VoidVoucherInput, type VoidVoucherResult } from './types.js';

/** Voids a voucher by posting its REVERSAL; ID `finance-void-<voucher id>`. */
export async function voidVoucherWorkflow({
  requestId,
  ...input
}: VoidVoucherInput): Promise<VoidVoucherResult> {
  const { voidVoucher } = proxyActivities<Activities>(INTERACTIVE_ACTIVITY);
  const correlation = requestId ? { requestId } : {};
  try {
    const v = await voidVoucher(input, correlation);
    upsertSearchAttributes([{ key: VOUCHER_NUMBER, value: v.voucherNumber }]);
    return {
      outcome: 'voided',
      summary: `voucher ${input.voucherId} voided by ${v.voucherNumber}`,
      reversal: {
        voucherId: v.voucherId,
        voucherNumber: v.voucherNumber,
        voucherType: v.voucherType,
        replayed: v.replayed,
      },
    };
  } catch (err) {
    return postingFailed(err, `voiding voucher ${input.voucherId}`, {
      voucherId: input.voucherId,
      merchantId: input.merchantId,
      ...correlation,
    });
  }
}
