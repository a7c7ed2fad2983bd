import {
  ApplicationFailure,
  log,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { planForEvent } from '../domain/event-plans.js';
import { planOrFail, postingFailed } from './failures.js';
import {
  DEFAULT_MISSING_ACCOUNT_RETRY_HOURS,
  eventRecordActivity,
  postingActivity,
  postingLocalActivity,
} from './presets.js';
import { VOUCHER_NUMBER } from './search-attributes.js';
import { financeMetrics } from './sinks.js';
import { type PostEventInput, type PostEventResult, type VoucherRef } from './types.js';

/**
 * One business event → its vouchers (docs/reference/events.md). Started by ingest with the ID
 * `finance-event-<event id>` and the reuse policy ALLOW_DUPLICATE_FAILED_ONLY,
 * so a completed event never runs twice and a failed one may run again once
 * its cause is fixed; the ledger's unique (merchant, source) is the second
 * line of defence.
 *
 * The event's record ends with the run: POSTED commits with the last voucher
 * (the posting statement), SKIPPED and FAILED are written by the last step.
 */
export async function postEventWorkflow(input: PostEventInput): Promise<PostEventResult> {
  const retryHours = input.missingAccountRetryHours ?? DEFAULT_MISSING_ACCOUNT_RETRY_HOURS;
  const { recordEventOutcome } = proxyActivities<Activities>(eventRecordActivity(retryHours));
  const { event } = input;
  try {
    const result = await postEvent(input, retryHours);
    if (result.outcome === 'skipped')
      await recordEventOutcome({ id: event.id, status: 'SKIPPED', code: null, message: result.reason });
    return result;
  } catch (err) {
    if (err instanceof ApplicationFailure)
      await recordEventOutcome({
        id: event.id,
        status: 'FAILED',
        code: err.type ?? null,
        message: err.message,
      });
    throw err;
  }
}

async function postEvent(input: PostEventInput, retryHours: number): Promise<PostEventResult> {
  const { event } = input;
  const { postVoucher } = input.localActivities
    ? proxyLocalActivities<Activities>(postingLocalActivity(retryHours))
    : proxyActivities<Activities>(postingActivity(retryHours));
  const fields = {
    eventId: event.id,
    eventType: event.type,
    merchantId: event.merchantId,
    ...(input.requestId ? { requestId: input.requestId } : {}),
    ...input.origin,
  };
  const plan = planOrFail(() => planForEvent(event));
  if (plan.kind === 'skip') {
    financeMetrics.skipped(event.type);
    log.info(`SKIP voucher: ${plan.reason}`, {
      event: 'SKIP voucher',
      ...fields,
      ...presentNulls(plan.fields),
    });
    return {
      outcome: 'skipped',
      summary: `skipped ${event.type} ${event.id}: ${plan.reason}`,
      reason: plan.reason,
    };
  }
  const vouchers: VoucherRef[] = [];
  for (const [i, posting] of plan.plans.entries()) {
    try {
      const v = await postVoucher(posting, {
        completesEvent: i === plan.plans.length - 1,
        ...(input.requestId ? { requestId: input.requestId } : {}),
      });
      vouchers.push({
        voucherId: v.voucherId,
        voucherNumber: v.voucherNumber,
        voucherType: v.voucherType,
        replayed: v.replayed,
      });
    } catch (err) {
      postingFailed(err, `posting ${posting.voucherType} for ${event.type} ${event.id}`, {
        ...fields,
        sourceId: posting.sourceId,
      });
    }
  }
  upsertSearchAttributes([{ key: VOUCHER_NUMBER, value: vouchers[0]!.voucherNumber }]);
  return {
    outcome: 'posted',
    summary: `${event.type} for merchant ${event.merchantId} → ${vouchers.map((v) => v.voucherNumber).join(', ')}`,
    vouchers,
  };
}

/**
 * The SDK's log sink drops null-valued fields, but operators search for the
 * field itself (`finance.source.id`), so an absent value is logged as "(missing)".
 */
function presentNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v ?? '(missing)']));
}
