import {
  type InventoryAdjusted,
  type InventoryReceived,
  type PaymentCaptured,
  type PaymentRefunded,
  type PostingEvent,
  type SaleOrderCompleted,
} from './events.js';
import { money, ZERO } from './money.js';
import { type AccountRef, type PlannedLine, type PostingPlan, twoLines } from './posting-plan.js';
import { type VoucherType } from './vouchers.js';

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
      return withFinanceSource(event, (account) => planReceipt(event, account));
    case 'sale.payment.refunded':
      return withFinanceSource(event, (account) => planRefund(event, account));
    case 'inventory.received':
      return post([planPurchase(event)]);
    case 'inventory.adjusted':
      return planInventoryAdjustment(event);
  }
}

const post = (plans: PostingPlan[]): EventOutcomePlan => ({ kind: 'post', plans });

/** A voucher an event posts: its type, its source (posted at most once), its lines, and what it says. */
function voucher(
  event: PostingEvent,
  currency: string,
  voucherType: VoucherType,
  [sourceType, sourceId]: [string, string],
  lines: PlannedLine[],
  about: { description: string; metadata: Record<string, unknown> },
): PostingPlan {
  return {
    merchantId: event.merchantId,
    eventId: event.id,
    currency,
    postedAt: event.occurredAt,
    createdBy: SYSTEM,
    voucherType,
    sourceType,
    sourceId,
    ...about,
    lines,
  };
}

/** Revenue is recognised at completion (Dr RECEIVABLE / Cr SALES_REVENUE); cost follows the goods. */
function planSale(event: SaleOrderCompleted): PostingPlan[] {
  const { orderId, orderNumber, currency, total, costTotal } = event.data;
  const metadata = { orderId, orderNumber };
  const sale = voucher(
    event,
    currency,
    'SALE',
    ['sale.order', orderId],
    twoLines({ code: 'RECEIVABLE' }, { code: 'SALES_REVENUE' }, total),
    { description: `Sale of order ${orderNumber}`, metadata },
  );
  if (!money(costTotal).greaterThan(ZERO)) return [sale];
  const lines = twoLines({ code: 'COGS' }, { code: 'INVENTORY' }, costTotal);
  return [
    sale,
    voucher(event, currency, 'COGS', ['sale.order.cogs', orderId], lines, {
      description: `Cost of goods sold for order ${orderNumber}`,
      metadata,
    }),
  ];
}

/**
 * A payment or refund moves money through the finance account named by
 * `attempt.finance.source.id`; without it there is no account to debit or
 * credit: skip by design.
 */
function withFinanceSource(
  event: PaymentCaptured | PaymentRefunded,
  plan: (account: AccountRef) => PostingPlan,
): EventOutcomePlan {
  if (event.data.financeSourceId) return post([plan({ id: event.data.financeSourceId })]);
  const sourceId = event.type === 'sale.payment.refunded' ? event.data.refundId : event.data.paymentId;
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

/** Money received: Dr the finance account / Cr RECEIVABLE. */
function planReceipt(event: PaymentCaptured, account: AccountRef): PostingPlan {
  const { paymentId, orderId, amount, currency, method } = event.data;
  const lines = twoLines(account, { code: 'RECEIVABLE' }, amount);
  return voucher(event, currency, 'RECEIPT', ['sale.payment', paymentId], lines, {
    description: `Payment ${paymentId} (${method}) for order ${orderId}`,
    metadata: { paymentId, orderId, method },
  });
}

/** Money paid back: Dr SALES_RETURNS / Cr the finance account. */
function planRefund(event: PaymentRefunded, account: AccountRef): PostingPlan {
  const { refundId, paymentId, orderId, amount, currency } = event.data;
  const lines = twoLines({ code: 'SALES_RETURNS' }, account, amount);
  return voucher(event, currency, 'REFUND', ['sale.refund', refundId], lines, {
    description: `Refund ${refundId} of payment ${paymentId} for order ${orderId}`,
    metadata: { refundId, paymentId, orderId },
  });
}

function planPurchase(event: InventoryReceived): PostingPlan {
  const { receiptId, currency, total } = event.data;
  const lines = twoLines({ code: 'INVENTORY' }, { code: 'PAYABLE' }, total);
  return voucher(event, currency, 'PURCHASE', ['inventory.receipt', receiptId], lines, {
    description: `Inventory receipt ${receiptId}`,
    metadata: { receiptId },
  });
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
    voucher(event, currency, 'INVENTORY_ADJUSTMENT', ['inventory.adjustment', adjustmentId], lines, {
      description: `Inventory ${delta.isNegative() ? 'loss' : 'gain'} ${adjustmentId}: ${reason}`,
      metadata: { adjustmentId, reason, valueDelta },
    }),
  ]);
}
