// The orchestration ceiling's workflows: one no-op activity, nothing else.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

type NoopActivities = { noop(): Promise<void> };
const { noop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '10 seconds' });
const local = proxyLocalActivities<NoopActivities>({ startToCloseTimeout: '10 seconds' });

export async function noopWorkflow(): Promise<void> {
  await noop();
}

/** The same with a local activity: no activity task round trip through the server. */
export async function noopLocalWorkflow(): Promise<void> {
  await local.noop();
}
