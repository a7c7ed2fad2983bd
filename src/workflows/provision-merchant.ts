import { ActivityFailure, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, MerchantProvisioned } from '../activities/index.js';
import { EVENT_RECORD_ACTIVITY, PROVISIONING_ACTIVITY } from './presets.js';
import { EVENT_WORKFLOW_PREFIX } from './ids.js';
import { type ProvisionMerchantInput } from './types.js';

/**
 * A merchant CDC record → merchant row and its default accounts (docs/reference/events.md).
 * Its event record (keyed by the workflow id without its prefix) ends POSTED
 * when the change was applied, SKIPPED when a later one already was, FAILED
 * when it could not be.
 */
export async function provisionMerchantWorkflow(
  input: ProvisionMerchantInput,
): Promise<MerchantProvisioned & { summary: string }> {
  const { applyMerchantChange } = proxyActivities<Activities>(PROVISIONING_ACTIVITY);
  const { recordEventOutcome } = proxyActivities<Activities>(EVENT_RECORD_ACTIVITY);
  const id = workflowInfo().workflowId.slice(EVENT_WORKFLOW_PREFIX.length);
  let result: MerchantProvisioned;
  try {
    result = await applyMerchantChange(input.change);
  } catch (err) {
    if (err instanceof ActivityFailure)
      await recordEventOutcome({ id, status: 'FAILED', code: 'PROVISIONING_FAILED', message: err.message });
    throw err;
  }
  await recordEventOutcome({
    id,
    status: result.applied ? 'POSTED' : 'SKIPPED',
    code: null,
    message: result.applied ? null : 'a later change of this merchant was already applied',
  });
  const summary = result.applied
    ? `merchant ${result.merchantId} ${result.status}; accounts created: ${result.accountsCreated.join(', ') || 'none'}`
    : `merchant ${result.merchantId}: stale CDC record ignored`;
  log.info(summary, {
    merchantId: result.merchantId,
    op: input.change.op,
    position: input.change.position,
    ...input.origin,
  });
  return { ...result, summary };
}
