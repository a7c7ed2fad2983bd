import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities, MerchantProvisioned } from '../activities/index.js';
import { DEFAULT_MISSING_ACCOUNT_RETRY_HOURS, provisioningActivity } from './presets.js';
import { type ProvisionMerchantInput } from './types.js';

/** A merchant CDC record → merchant row and its default accounts (docs/reference/events.md). */
export async function provisionMerchantWorkflow(
  input: ProvisionMerchantInput,
): Promise<MerchantProvisioned & { summary: string }> {
  const { applyMerchantChange } = proxyActivities<Activities>(
    provisioningActivity(input.missingAccountRetryHours ?? DEFAULT_MISSING_ACCOUNT_RETRY_HOURS),
  );
  const result = await applyMerchantChange(input.change);
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
