import {
  ApplicationFailure,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { planForEvent } from '../domain/event-plans.js';
import { type PostingPlan } from '../domain/posting-plan.js';
import { DEFAULT_RETRY_WINDOW_HOURS } from '../domain/retry-window.js';
import { activityCause, planOrFail, postingFailed } from './failures.js';
import {
  EVENT_POSTING,
  EVENT_POSTING_WAIT,
  EVENT_RECORD_ACTIVITY,
  legacyPostingActivity,
  legacyPostingLocalActivity,
} from './presets.js';
import { VOUCHER_NUMBER } from './search-attributes.js';
import { financeMetrics } from './sinks.js';
import { type PostEventInput, type PostEventResult, type VoucherRef } from './types.js';

/**
 * Marks runs that post all of an event's vouchers in one local activity.
 * Runs started before it replay the way they were written (one activity per
 * voucher), so a deploy never breaks a workflow in flight.
 */
const ONE_POSTING_ACTIVITY = 'event-postings-in-one-local-activity';

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
  const { recordEventOutcome } = proxyActivities<Activities>(EVENT_RECORD_ACTIVITY);
  const { event } = input;
  try {
    const result = await postEvent(input);
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

async function postEvent(input: PostEventInput): Promise<PostEventResult> {
  const { event } = input;
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
  const vouchers = patched(ONE_POSTING_ACTIVITY)
    ? await postAll(input, plan.plans, fields)
    : await postEachLegacy(input, plan.plans, fields);
  upsertSearchAttributes([{ key: VOUCHER_NUMBER, value: vouchers[0]!.voucherNumber }]);
  return {
    outcome: 'posted',
    summary: `${event.type} for merchant ${event.merchantId} → ${vouchers.map((v) => v.voucherNumber).join(', ')}`,
    vouchers,
  };
}

/**
 * All of the event's vouchers, in plan order, by one activity; the last one
 * marks the event POSTED. Local first; if what it needs is still missing
 * after the quick retries, the same call waits as a normal activity
 * (presets.ts). The retry window counts from the first attempt.
 */
async function postAll(
  input: PostEventInput,
  plans: PostingPlan[],
  fields: Record<string, unknown>,
): Promise<VoucherRef[]> {
  const what = `posting ${plans.map((p) => p.voucherType).join(' and ')} for ${input.event.type} ${input.event.id}`;
  fields = { ...fields, sourceId: plans[0]!.sourceId };
  const opts = { waitingSince: Date.now(), ...(input.requestId ? { requestId: input.requestId } : {}) };
  try {
    return await proxyLocalActivities<Activities>(EVENT_POSTING).postEventVouchers(plans, opts);
  } catch (err) {
    if (!stillWaiting(err)) return postingFailed(err, what, fields);
  }
  try {
    return await proxyActivities<Activities>(EVENT_POSTING_WAIT).postEventVouchers(plans, opts);
  } catch (err) {
    return postingFailed(err, what, fields);
  }
}

/** The quick retries ran out on a failure that may still resolve (no final verdict yet). */
function stillWaiting(err: unknown): boolean {
  const cause = activityCause(err);
  return cause instanceof ApplicationFailure && !cause.nonRetryable;
}

/** How runs started before ONE_POSTING_ACTIVITY post: one activity per voucher, policies from their input. */
async function postEachLegacy(
  input: PostEventInput,
  plans: PostingPlan[],
  fields: Record<string, unknown>,
): Promise<VoucherRef[]> {
  const retryHours = input.missingAccountRetryHours ?? DEFAULT_RETRY_WINDOW_HOURS;
  const { postVoucher } = input.localActivities
    ? proxyLocalActivities<Activities>(legacyPostingLocalActivity(retryHours))
    : proxyActivities<Activities>(legacyPostingActivity(retryHours));
  const vouchers: VoucherRef[] = [];
  for (const [i, posting] of plans.entries()) {
    try {
      const v = await postVoucher(posting, {
        completesEvent: i === plans.length - 1,
        ...(input.requestId ? { requestId: input.requestId } : {}),
      });
      vouchers.push({
        voucherId: v.voucherId,
        voucherNumber: v.voucherNumber,
        voucherType: v.voucherType,
        replayed: v.replayed,
      });
    } catch (err) {
      postingFailed(err, `posting ${posting.voucherType} for ${input.event.type} ${input.event.id}`, {
        ...fields,
        sourceId: posting.sourceId,
      });
    }
  }
  return vouchers;
}

/**
 * The SDK's log sink drops null-valued fields, but operators search for the
 * field itself (`finance.source.id`), so an absent value is logged as "(missing)".
 */
function presentNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v ?? '(missing)']));
}
