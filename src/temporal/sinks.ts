import { type InjectedSinks } from '@temporalio/worker';
import { metrics } from '../lib/metrics.js';
import { type FinanceSinks } from '../workflows/sinks.js';

/**
 * The worker end of the workflows' metric sinks. `callDuringReplay: false`:
 * a workflow's history replayed on another worker does not count twice.
 */
export const financeSinks: InjectedSinks<FinanceSinks> = {
  financeMetrics: {
    skipped: {
      fn: (_info, eventType) => metrics.postingsSkipped.inc({ event_type: eventType }),
      callDuringReplay: false,
    },
    postingFailed: {
      fn: (info, code) => metrics.postingFailures.inc({ code, workflow: info.workflowType }),
      callDuringReplay: false,
    },
  },
};
