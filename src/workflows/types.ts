import { type MerchantChange, type PostingEvent } from '../domain/events.js';
import { type ManualVoucherRequest, type ManualContext } from '../domain/manual-plans.js';

export interface VoucherRef {
  voucherId: string;
  voucherNumber: string;
  voucherType: string;
  /** True when the source had been posted before (redelivery, replay): nothing new was written. */
  replayed: boolean;
}

export interface PostEventInput {
  event: PostingEvent;
  /** Kafka coordinates, for the operator who follows a message into the UI. */
  origin?: { topic: string; partition: number; offset: string };
  /** The correlation id: the producer's request id or trace id, else the event id. */
  requestId?: string;
  /**
   * @deprecated Read only when replaying runs started before the retry window
   * and local activities became the worker's policy (post-event.ts); never written.
   */
  missingAccountRetryHours?: number;
  /** @deprecated As `missingAccountRetryHours`. */
  localActivities?: boolean;
}

export type PostEventResult =
  | { outcome: 'posted'; summary: string; vouchers: VoucherRef[] }
  | { outcome: 'skipped'; summary: string; reason: string };

export interface ProvisionMerchantInput {
  change: MerchantChange;
  origin?: { topic: string; partition: number; offset: string };
  /** @deprecated Ignored: the retry window is the worker's policy (presets.ts). */
  missingAccountRetryHours?: number;
}

export interface ManualVoucherInput {
  request: ManualVoucherRequest;
  context: ManualContext;
  /** The API request's X-Request-Id, on every log line of the posting. */
  requestId?: string;
}

export type ManualVoucherResult =
  | { outcome: 'posted'; summary: string; voucher: VoucherRef }
  | { outcome: 'nothing_to_post'; summary: string };

export interface VoidVoucherInput {
  voucherId: string;
  merchantId?: string;
  reason: string;
  requestedBy: string;
  /** The REVERSAL's date: the original's (default; also for a workflow started before this field) or now. */
  date?: 'original' | 'now';
  /** The API request's X-Request-Id, on every log line of the void. */
  requestId?: string;
}

export interface VoidVoucherResult {
  outcome: 'voided';
  summary: string;
  reversal: VoucherRef;
}
