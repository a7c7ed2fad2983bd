import { type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_LEDGER_ERRORS } from '../domain/errors.js';
import { LONGEST_RETRY_WINDOW } from '../domain/retry-window.js';

/**
 * Retry and timeout presets, named once. Failure types are the ledger error
 * codes: the non-retryable ones fail the workflow at once.
 *
 * How long an event waits for its merchant (a missing merchant or control
 * account, or a database that is away) is the worker's policy,
 * `APP_ENV_MISSING_ACCOUNT_RETRY_HOURS`, not part of the workflow: the
 * activity compares the time since its first attempt with the window and,
 * once past it, fails for good (activities/retry-window.ts). So an operator
 * who widens the window during an incident widens it for the events already
 * waiting. The workflow's own bound is only the backstop: the longest window
 * the configuration accepts.
 */
const RETRY_WITH_BACKOFF = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
} as const;

/**
 * An event's postings, first as one local activity (measured ~2× the events
 * per second of normal activities on one Temporal server: the activity
 * task's schedule, poll and completion round trips disappear;
 * BENCHMARKS.md). It runs inside the workflow task; a worker crash re-runs
 * it, which posts nothing twice (a source posts once). A few quick retries
 * (1 + 2 + 4 s) cover an event that overtook its merchant's CDC record by
 * seconds...
 */
export const EVENT_POSTING: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '1 second',
  retry: { ...RETRY_WITH_BACKOFF, maximumAttempts: 4, nonRetryableErrorTypes: NON_RETRYABLE_LEDGER_ERRORS },
};

/**
 * ...and an event still waiting after them (its merchant, a control account,
 * the database) waits as a normal activity: the server retries it, so hours
 * of waiting add nothing to the workflow's history (a local activity's every
 * backoff would be a timer in it), and the Temporal UI shows it pending with
 * its last failure. The worker's window ends the wait.
 */
export const EVENT_POSTING_WAIT: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: LONGEST_RETRY_WINDOW,
  retry: { ...RETRY_WITH_BACKOFF, nonRetryableErrorTypes: NON_RETRYABLE_LEDGER_ERRORS },
};

/**
 * Runs started before the event's postings became one local activity
 * replay with these: one normal (or, if their input asked, local) activity per
 * voucher, bounded by the retry hours their input carried.
 */
export function legacyPostingActivity(retryHours: number): ActivityOptions {
  return {
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: `${retryHours} hours`,
    retry: { ...RETRY_WITH_BACKOFF, nonRetryableErrorTypes: NON_RETRYABLE_LEDGER_ERRORS },
  };
}

export function legacyPostingLocalActivity(retryHours: number): LocalActivityOptions {
  return { ...legacyPostingActivity(retryHours), localRetryThreshold: '1 second' };
}

/** Human actions (manual vouchers, voids): nobody waits hours for a person's click. */
export const INTERACTIVE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE_LEDGER_ERRORS,
  },
};

/** Merchant provisioning only fails on infrastructure: retried within the worker's window, as postings wait for it. */
export const PROVISIONING_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: LONGEST_RETRY_WINDOW,
  retry: { ...RETRY_WITH_BACKOFF, nonRetryableErrorTypes: NON_RETRYABLE_LEDGER_ERRORS },
};

/**
 * The event record's final SKIPPED/FAILED write: idempotent and cheap, so it
 * is retried within the same window (the database may be away).
 */
export const EVENT_RECORD_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: LONGEST_RETRY_WINDOW,
  retry: RETRY_WITH_BACKOFF,
};
