import { log, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { planForEvent } from '../domain/event-plans.js';
import { postingFailed } from './failures.js';
import { DEFAULT_MISSING_ACCOUNT_RETRY_HOURS, postingActivity } from './presets.js';
import { VOUCHER_NUMBER } from './search-attributes.js';
import { type PostEventInput, type PostEventResult, type VoucherRef } from './types.js';

/**
 * One business event → its vouchers (SPEC §6). Started by ingest with the ID
 * `finance-event-<event id>`, so a redelivered or replayed event never runs
 * twice; the ledger's unique (merchant, source) is the second line of defence.
 */
export async function postEventWorkflow(input: PostEventInput): Promise<PostEventResult> {
  const { event } = input;
  const { postVoucher } = proxyActivities<Activities>(
    postingActivity(input.missingAccountRetryHours ?? DEFAULT_MISSING_ACCOUNT_RETRY_HOURS),
  );
  const fields = { eventId: event.id, eventType: event.type, merchantId: event.merchantId, ...input.origin };
  const plan = planForEvent(event);
  if (plan.kind === 'skip') {
    log.info(`SKIP voucher: ${plan.reason}`, { event: 'SKIP voucher', ...fields, ...plan.fields });
    return { outcome: 'skipped', summary: `skipped ${event.type} ${event.id}: ${plan.reason}`, reason: plan.reason };
  }
  const vouchers: VoucherRef[] = [];
  for (const posting of plan.plans) {
    try {
      const v = await postVoucher(posting);
      vouchers.push({ voucherId: v.voucherId, voucherNumber: v.voucherNumber, voucherType: v.voucherType, replayed: v.replayed });
    } catch (err) {
      postingFailed(err, `posting ${posting.voucherType} for ${event.type} ${event.id}`, { ...fields, sourceId: posting.sourceId });
    }
  }
  upsertSearchAttributes([{ key: VOUCHER_NUMBER, value: vouchers[0]!.voucherNumber }]);
  return {
    outcome: 'posted',
    summary: `${event.type} for merchant ${event.merchantId} → ${vouchers.map((v) => v.voucherNumber).join(', ')}`,
    vouchers,
  };
}
