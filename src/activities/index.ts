import { ApplicationFailure, Context } from '@temporalio/activity';
import { describeDbError, describeRefusal, isPermanentDbError, isTransientDbError } from '../db/errors.js';
import { type EventOutcome, finishEvent } from '../db/events.js';
import { LedgerError } from '../domain/errors.js';
import { type MerchantChange } from '../domain/events.js';
import { metrics } from '../lib/metrics.js';
import { type PostingPlan } from '../domain/posting-plan.js';
import { DEFAULT_RETRY_WINDOW_HOURS } from '../domain/retry-window.js';
import { type VoucherRef } from '../workflows/types.js';
import { type CashCountInput, postCashCount } from './cash-count.js';
import { applyMerchantChange } from './merchants.js';
import { type LedgerDeps, postPlan, type PostedVoucher } from './posting.js';
import { voidVoucher, type VoidRequest } from './voids.js';

export type { LedgerDeps, PostedVoucher } from './posting.js';
export type { MerchantProvisioned } from './merchants.js';
export type { VoidRequest } from './voids.js';
export type { CashCountInput } from './cash-count.js';

/** Notified after a posting or void commits (live updates, metrics). Must not throw. */
export interface PostingListener {
  onPosted?(voucher: PostedVoucher, kind: 'posted' | 'voided'): void | Promise<void>;
}

export interface ActivityDeps extends LedgerDeps {
  listener?: PostingListener;
  /**
   * How long an event's postings (and a merchant's provisioning) keep
   * retrying what may still resolve, from their first attempt:
   * `APP_ENV_MISSING_ACCOUNT_RETRY_HOURS`. Default 6 hours.
   */
  retryWindowMs?: number;
}

/**
 * The Temporal activities, built from their dependencies:
 * workflows import only `ReturnType<typeof createActivities>`.
 * Ledger errors leave as ApplicationFailures whose type is the error code,
 * non-retryable exactly when the code says so (domain/errors.ts).
 */
export function createActivities(deps: ActivityDeps) {
  const window = deps.retryWindowMs ?? DEFAULT_RETRY_WINDOW_HOURS * 3_600_000;
  /** Every line an activity logs names its workflow and the request it serves (the correlation id). */
  const scoped = (requestId?: string): ActivityDeps => {
    const workflowId = currentWorkflowId();
    if (!workflowId && !requestId) return deps;
    return {
      ...deps,
      logger: deps.logger.child({
        ...(workflowId ? { workflowId } : {}),
        ...(requestId ? { requestId } : {}),
      }),
    };
  };

  const announce = async (d: ActivityDeps, v: PostedVoucher, kind: 'posted' | 'voided') => {
    if (v.replayed) return v;
    metrics.vouchersPosted.inc({ voucher_type: v.voucherType });
    const event = kind === 'posted' ? 'finance.voucher.posted' : 'finance.voucher.voided';
    d.logger.info(
      {
        event,
        merchantId: v.merchantId,
        voucherId: v.voucherId,
        voucherNumber: v.voucherNumber,
        voucherType: v.voucherType,
      },
      `${event}: ${v.voucherNumber}`,
    );
    try {
      await d.listener?.onPosted?.(v, kind);
    } catch (err) {
      d.logger.warn({ err, voucherId: v.voucherId }, 'posting listener failed; the voucher is committed');
    }
    return v;
  };

  return {
    /**
     * An event's vouchers, in plan order, each its own posting statement
     * (its locks held only while it runs); the last one makes the event's
     * record POSTED in its commit. A retry after a partial run replays the
     * vouchers already posted (a source posts once) and goes on. Returns
     * only what the workflow keeps of each voucher (its history stays small).
     * `waitingSince`: when the event's first attempt began (workflow time),
     * the start of the retry window.
     */
    async postEventVouchers(
      plans: PostingPlan[],
      opts: { requestId?: string; waitingSince?: number } = {},
    ): Promise<VoucherRef[]> {
      const d = scoped(opts.requestId);
      const runId = currentRunId() ?? null;
      const refs: VoucherRef[] = [];
      for (const [i, plan] of plans.entries()) {
        const completesEvent =
          i === plans.length - 1 && plan.eventId ? { eventId: plan.eventId, runId } : undefined;
        const v = await failuresForTemporal(
          () => postPlan(d, plan, completesEvent ? { completesEvent } : {}),
          { window, since: opts.waitingSince },
        );
        await announce(d, v, 'posted');
        refs.push({
          voucherId: v.voucherId,
          voucherNumber: v.voucherNumber,
          voucherType: v.voucherType,
          replayed: v.replayed,
        });
      }
      return refs;
    },

    /**
     * One voucher, for the manual path and for event runs started before
     * postEventVouchers. `completesEvent`: this is the event's last voucher, so its record becomes POSTED with it.
     */
    async postVoucher(
      plan: PostingPlan,
      opts: { completesEvent?: boolean; requestId?: string } = {},
    ): Promise<PostedVoucher> {
      const d = scoped(opts.requestId);
      const completesEvent =
        opts.completesEvent && plan.eventId
          ? { eventId: plan.eventId, runId: currentRunId() ?? null }
          : undefined;
      const v = await failuresForTemporal(() => postPlan(d, plan, completesEvent ? { completesEvent } : {}));
      return announce(d, v, 'posted');
    },

    /** The end of an event's run that posted nothing: its record becomes SKIPPED or FAILED. */
    async recordEventOutcome(outcome: Omit<EventOutcome, 'runId'>): Promise<void> {
      const runId = currentRunId() ?? '';
      await failuresForTemporal(() => finishEvent(deps.db, { ...outcome, runId }), { timed: false, window });
    },

    /** Cash count: the difference to the book balance goes against CASH_OVER_SHORT; null when they agree. */
    async postCashCount(
      input: CashCountInput,
      opts: { requestId?: string } = {},
    ): Promise<PostedVoucher | null> {
      const d = scoped(opts.requestId);
      const v = await failuresForTemporal(() => postCashCount(d, input));
      return v ? announce(d, v, 'posted') : null;
    },

    async voidVoucher(req: VoidRequest, opts: { requestId?: string } = {}): Promise<PostedVoucher> {
      const d = scoped(opts.requestId);
      const v = await failuresForTemporal(() => voidVoucher(d, req));
      return announce(d, v, 'voided');
    },

    async applyMerchantChange(change: MerchantChange) {
      return failuresForTemporal(() => applyMerchantChange(scoped(), change), { timed: false, window });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * Maps ledger errors for Temporal; times postings (finance_posting_duration_seconds).
 * A database refusal no retry can change (a value it cannot store) becomes
 * UNSTORABLE_VALUE, so the workflow fails at once instead of retrying for
 * hours; a database that is away or busy becomes TRANSIENT_DATABASE_ERROR,
 * retried with the workflow's backoff. With a `window`, a failure that
 * would be retried becomes final once the window since the first attempt has
 * passed (the worker's retry policy; workflows/presets.ts).
 */
async function failuresForTemporal<T>(
  fn: () => Promise<T>,
  { timed = true, window, since }: { timed?: boolean; window?: number; since?: number | undefined } = {},
): Promise<T> {
  const endTimer = timed ? metrics.postingDuration.startTimer() : undefined;
  try {
    return await fn();
  } catch (caught) {
    const err = isPermanentDbError(caught)
      ? new LedgerError('UNSTORABLE_VALUE', `the database cannot store ${describeRefusal(caught)}`)
      : isTransientDbError(caught)
        ? new LedgerError('TRANSIENT_DATABASE_ERROR', describeDbError(caught))
        : caught;
    const retryable = err instanceof LedgerError ? err.retryable : true;
    const exhausted = retryable && window !== undefined && Date.now() - (since ?? firstAttemptAt()) >= window;
    if (err instanceof LedgerError || exhausted) {
      const message = (err as Error)?.message ?? String(err);
      throw ApplicationFailure.create({
        message: exhausted ? `${message} (gave up after retrying for ${hours(window!)})` : message,
        type: err instanceof LedgerError ? err.code : 'RETRY_WINDOW_EXHAUSTED',
        nonRetryable: !retryable || exhausted,
        details: err instanceof LedgerError ? [err.details] : [],
      });
    }
    throw err;
  } finally {
    endTimer?.();
  }
}

/**
 * When this activity's first attempt was scheduled (now, outside Temporal).
 * Server-side retries keep it; a local activity's retries after a timer
 * backoff do not, so those pass the time they started waiting themselves.
 */
function firstAttemptAt(): number {
  try {
    return Context.current().info.scheduledTimestampMs;
  } catch {
    return Date.now();
  }
}

const hours = (ms: number) => `${+(ms / 3_600_000).toFixed(4)} h`;

function currentRunId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.runId;
  } catch {
    return undefined;
  }
}

function currentWorkflowId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.workflowId;
  } catch {
    return undefined; // called outside a Temporal activity (tests, benchmarks)
  }
}
