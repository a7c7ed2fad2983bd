import {
  type InventoryAdjusted,
  type InventoryReceived,
  type PaymentCaptured,
  type PaymentRefunded,
  type PostingEvent,
  type SaleOrderCompleted,
} from './events.js';
import { money, ZERO } from './money.js';
import { type PostingPlan, twoLines } from './posting-plan.js';

/**
 * What an event does to the ledger (docs/reference/events.md): the vouchers to post, or a
 * skip by design with the fields an operator needs to see why.
 */
export type EventOutcomePlan =
  { kind: 'post'; plans: PostingPlan[] } | { kind: 'skip'; reason: string; fields: Record<string, unknown> };

const SYSTEM = 'system';

export function planForEvent(event: PostingEvent): EventOutcomePlan {
  switch (event.type) {
    case 'sale.order.completed':
      return post(planSale(event));
    case 'sale.payment.captured':
      return planReceipt(event);
    case 'sale.payment.refunded':
      return planRefund(event);
    case 'inventory.received':
      return post([planPurchase(event)]);
    case 'inventory.adjusted':
      return planInventoryAdjustment(event);
  }
}

const post = (plans: PostingPlan[]): EventOutcomePlan => ({ kind: 'post', plans });

function base(event: PostingEvent, currency: string) {
  return {
    merchantId: event.merchantId,
    eventId: event.id,
    currency,
    postedAt: event.occurredAt,
    createdBy: SYSTEM,
  };
}

/** Revenue is recognised at completion (Dr RECEIVABLE / Cr SALES_REVENUE); cost follows the goods. */
function planSale(event: SaleOrderCompleted): PostingPlan[] {
  const { orderId, orderNumber, currency, total, costTotal } = event.data;
  const plans: PostingPlan[] = [
    {
      ...base(event, currency),
      voucherType: 'SALE',
      sourceType: 'sale.order',
      sourceId: orderId,
      description: `Sale of order ${orderNumber}`,
      metadata: { orderId, orderNumber },
      lines: twoLines({ code: 'RECEIVABLE' }, { code: 'SALES_REVENUE' }, total),
    },
  ];
  if (money(costTotal).greaterThan(ZERO)) {
    plans.push({
      ...base(event, currency),
      voucherType: 'COGS',
      sourceType: 'sale.order.cogs',
      sourceId: orderId,
      description: `Cost of goods sold for order ${orderNumber}`,
      metadata: { orderId, orderNumber },
      lines: twoLines({ code: 'COGS' }, { code: 'INVENTORY' }, costTotal),
    });
  }
  return plans;
}

/** Without the finance account that received the money there is nothing to debit: skip by design. */
function planReceipt(event: PaymentCaptured): EventOutcomePlan {
  const { paymentId, orderId, amount, currency, method, financeSourceId } = event.data;
  if (!financeSourceId) return skipWithoutSource(event, paymentId);
  return post([
    {
      ...base(event, currency),
      voucherType: 'RECEIPT',
      sourceType: 'sale.payment',
      sourceId: paymentId,
      description: `Payment ${paymentId} (${method}) for order ${orderId}`,
      metadata: { paymentId, orderId, method },
      lines: twoLines({ id: financeSourceId }, { code: 'RECEIVABLE' }, amount),
    },
  ]);
}

function planRefund(event: PaymentRefunded): EventOutcomePlan {
  const { refundId, paymentId, orderId, amount, currency, financeSourceId } = event.data;
  if (!financeSourceId) return skipWithoutSource(event, refundId);
  return post([
    {
      ...base(event, currency),
      voucherType: 'REFUND',
      sourceType: 'sale.refund',
      sourceId: refundId,
      description: `Refund ${refundId} of payment ${paymentId} for order ${orderId}`,
      metadata: { refundId, paymentId, orderId },
      lines: twoLines({ code: 'SALES_RETURNS' }, { id: financeSourceId }, amount),
    },
  ]);
}

function skipWithoutSource(event: PaymentCaptured | PaymentRefunded, sourceId: string): EventOutcomePlan {
  return {
    kind: 'skip',
    reason: `${event.type} ${sourceId} has no attempt.finance.source.id: no finance account received the money`,
    fields: {
      eventId: event.id,
      eventType: event.type,
      merchantId: event.merchantId,
      'finance.source.id': null,
    },
  };
}

function planPurchase(event: InventoryReceived): PostingPlan {
  const { receiptId, currency, total } = event.data;
  return {
    ...base(event, currency),
    voucherType: 'PURCHASE',
    sourceType: 'inventory.receipt',
    sourceId: receiptId,
    description: `Inventory receipt ${receiptId}`,
    metadata: { receiptId },
    lines: twoLines({ code: 'INVENTORY' }, { code: 'PAYABLE' }, total),
  };
}

/** A loss (negative delta) is an expense; a gain reverses the direction. A zero delta posts nothing. */
function planInventoryAdjustment(event: InventoryAdjusted): EventOutcomePlan {
  const { adjustmentId, currency, valueDelta, reason } = event.data;
  const delta = money(valueDelta);
  if (delta.isZero()) {
    return {
      kind: 'skip',
      reason: `inventory.adjusted ${adjustmentId} has a zero valueDelta: nothing to post`,
      fields: { eventId: event.id, eventType: event.type, merchantId: event.merchantId, adjustmentId },
    };
  }
  const magnitude = delta.abs();
  const lines = delta.isNegative()
    ? twoLines({ code: 'INVENTORY_ADJUSTMENT' }, { code: 'INVENTORY' }, magnitude)
    : twoLines({ code: 'INVENTORY' }, { code: 'INVENTORY_ADJUSTMENT' }, magnitude);
  return post([
    {
      ...base(event, currency),
      voucherType: 'INVENTORY_ADJUSTMENT',
      sourceType: 'inventory.adjustment',
      sourceId: adjustmentId,
      description: `Inventory ${delta.isNegative() ? 'loss' : 'gain'} ${adjustmentId}: ${reason}`,
      metadata: { adjustmentId, reason, valueDelta },
      lines,
    },
  ]);
}
