/**
 * Business events as the ledger sees them once ingest has decoded and
 * validated them (docs/reference/events.md). Amounts are decimal strings.
 */
export const POSTING_EVENT_TYPES = [
  'sale.order.completed',
  'sale.payment.captured',
  'sale.payment.refunded',
  'inventory.received',
  'inventory.adjusted',
] as const;
export type PostingEventType = (typeof POSTING_EVENT_TYPES)[number];

interface Envelope<T extends PostingEventType, D> {
  id: string;
  type: T;
  merchantId: string;
  occurredAt: string;
  data: D;
}

export type SaleOrderCompleted = Envelope<
  'sale.order.completed',
  { orderId: string; orderNumber: string; currency: string; total: string; costTotal: string }
>;
export type PaymentCaptured = Envelope<
  'sale.payment.captured',
  {
    paymentId: string;
    orderId: string;
    amount: string;
    currency: string;
    method: string;
    /** `attempt.finance.source.id`: the finance account that received the money. */
    financeSourceId: string | null;
  }
>;
export type PaymentRefunded = Envelope<
  'sale.payment.refunded',
  {
    refundId: string;
    paymentId: string;
    orderId: string;
    amount: string;
    currency: string;
    /** `attempt.finance.source.id`: the finance account the money left. */
    financeSourceId: string | null;
  }
>;
export type InventoryReceived = Envelope<
  'inventory.received',
  { receiptId: string; currency: string; total: string }
>;
export type InventoryAdjusted = Envelope<
  'inventory.adjusted',
  { adjustmentId: string; currency: string; valueDelta: string; reason: string }
>;

export type PostingEvent =
  SaleOrderCompleted | PaymentCaptured | PaymentRefunded | InventoryReceived | InventoryAdjusted;

/** A merchant as carried by its Debezium CDC record. */
export interface MerchantRecord {
  id: string;
  name: string;
  currency: string;
  status: 'ACTIVE' | 'INACTIVE';
}

export interface MerchantChange {
  op: 'c' | 'r' | 'u' | 'd';
  /** For op `d` only `id` is meaningful: Debezium's delete record may carry just the key. */
  merchant: MerchantRecord;
  /** Debezium `source.lsn` (or ts_ms when no LSN): later changes win, older ones are ignored. */
  position: string;
}
