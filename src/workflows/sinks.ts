import { proxySinks, type Sinks } from '@temporalio/workflow';

/**
 * What workflows report to the worker's metrics (src/temporal/sinks.ts).
 * Sinks are the SDK's one-way door out of the deterministic sandbox: a call
 * returns nothing to the workflow and is not repeated when history replays.
 */
export interface FinanceSinks extends Sinks {
  financeMetrics: {
    /** An event that posts nothing by rule (`SKIP voucher`). */
    skipped(eventType: string): void;
    /** A posting workflow failed for good (`finance.posting.failed`), with the ledger's code. */
    postingFailed(code: string): void;
  };
}

export const { financeMetrics } = proxySinks<FinanceSinks>();
