import { type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_LEDGER_ERRORS } from '../domain/errors.js';

/**
 * Retry and timeout presets, named once. Failure types are
 * the ledger error codes: the non-retryable ones fail the workflow at once.
 */
export const DEFAULT_MISSING_ACCOUNT_RETRY_HOURS = 6;

/**
 * Posting: a single attempt is short (one DB transaction), but a missing
 * merchant or control account is retried with capped backoff for hours, so an
 * event that overtook its merchant's CDC record posts soon after it arrives.
 */
export function postingActivity(missingAccountRetryHours: number): ActivityOptions {
  return {
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: `${missingAccountRetryHours} hours`,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      nonRetryableErrorTypes: NON_RETRYABLE_LEDGER_ERRORS,
    },
  };
}

/**
 * The same posting as a local activity (opt-in, `PostEventInput.localActivities`):
 * it runs inside the workflow task, saving the activity task's round trips
 * through the server, which is the bottleneck on a single dev server. Any
 * backoff of a second or more waits on a workflow timer instead of holding
 * the workflow task (and a worker slot) while a merchant is missing for hours.
 */
export function postingLocalActivity(missingAccountRetryHours: number): LocalActivityOptions {
  const { startToCloseTimeout, scheduleToCloseTimeout, retry } = postingActivity(missingAccountRetryHours);
  return { startToCloseTimeout, scheduleToCloseTimeout, retry, localRetryThreshold: '1 second' };
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

/** Merchant provisioning only fails on infrastructure: retry it for as long as postings wait for it. */
export function provisioningActivity(missingAccountRetryHours: number): ActivityOptions {
  return postingActivity(missingAccountRetryHours);
}

/**
 * The event record's final SKIPPED/FAILED write: idempotent and cheap, so it
 * is retried for as long as a posting would be (the database may be away).
 */
export function eventRecordActivity(missingAccountRetryHours: number): ActivityOptions {
  return {
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: `${missingAccountRetryHours} hours`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  };
}
