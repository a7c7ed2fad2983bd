import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { planManualVoucher } from '../domain/manual-plans.js';
import { planOrFail, postingFailed } from './failures.js';
import { INTERACTIVE_ACTIVITY } from './presets.js';
import { VOUCHER_NUMBER } from './search-attributes.js';
import { type ManualVoucherInput, type ManualVoucherResult } from './types.js';

/** A manual voucher from the API, ID `finance-manual-<merchant>-<Idempotency-Key>`. */
export async function manualVoucherWorkflow({
  request,
  context,
  requestId,
}: ManualVoucherInput): Promise<ManualVoucherResult> {
  const { postVoucher, postCashCount } = proxyActivities<Activities>(INTERACTIVE_ACTIVITY);
  const correlation = requestId ? { requestId } : {};
  const fields = { merchantId: context.merchantId, idempotencyKey: context.idempotencyKey, ...correlation };
  try {
    const base = {
      merchantId: context.merchantId,
      sourceType: 'manual',
      sourceId: context.idempotencyKey,
      postedAt: context.postedAt,
      createdBy: context.createdBy,
    };
    const v =
      request.kind === 'cash_count'
        ? await postCashCount(
            {
              plan: {
                ...base,
                voucherType: 'ADJUSTMENT',
                reason: 'cash_count',
                description: context.description ?? `Cash count of account ${request.accountId}`,
                metadata: { countedBalance: request.countedBalance, accountId: request.accountId },
              },
              accountId: request.accountId,
              countedBalance: request.countedBalance,
            },
            correlation,
          )
        : await postVoucher(
            planOrFail(() => planManualVoucher(request, context)),
            correlation,
          );
    if (!v) return { outcome: 'nothing_to_post', summary: 'the counted balance equals the book balance' };
    upsertSearchAttributes([{ key: VOUCHER_NUMBER, value: v.voucherNumber }]);
    return {
      outcome: 'posted',
      summary: `${v.voucherType} ${v.voucherNumber}`,
      voucher: {
        voucherId: v.voucherId,
        voucherNumber: v.voucherNumber,
        voucherType: v.voucherType,
        replayed: v.replayed,
      },
    };
  } catch (err) {
    return postingFailed(err, `manual ${request.type} voucher`, fields);
  }
}
