import { uniqueName } from '../support/env.js';

/** Set on every produced message; the DLQ keeps original headers, so a dead letter names its event. */
export const EVENT_ID_HEADER = 'x-test-event-id';

export type ExpectedOutcome = { kind: 'posted'; vouchers: number } | { kind: 'skipped' } | { kind: 'dlq' };

export interface ProducedEvent {
  id: string;
  merchantId: string;
  topic: 'sale' | 'inventory';
  value: string;
  outcome: ExpectedOutcome;
}

/**
 * A deterministic mix of every event type over the given merchants, with the
 * outcome each must end in: sales (with and without cost), payments and
 * refunds into BANK, payments without a finance source (skipped by design),
 * stock receipts and adjustments, and one malformed message in 50.
 */
export function buildEventStream(
  merchants: { merchantId: string; accounts: Record<string, string> }[],
  count: number,
): ProducedEvent[] {
  const run = uniqueName('c');
  return Array.from({ length: count }, (_, i) => {
    const { merchantId, accounts } = merchants[i % merchants.length]!;
    const id = `${run}-${i}`;
    const bank = { attempt: { finance: { source: { id: accounts.BANK } } } };
    const amount = `${(i % 97) + 1}.${String(i % 100).padStart(2, '0')}`;
    const make = (
      type: string,
      data: Record<string, unknown>,
      outcome: ExpectedOutcome,
      topic: 'sale' | 'inventory' = 'sale',
    ): ProducedEvent => ({
      id,
      merchantId,
      topic,
      value: JSON.stringify({ id, type, merchantId, occurredAt: '2026-11-25T10:00:00Z', data }),
      outcome,
    });
    if (i % 50 === 49)
      return make(
        'inventory.received',
        { receiptId: `gr-${i}`, currency: 'USD', total: 12.5 },
        { kind: 'dlq' },
        'inventory',
      );
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
        return make(
          'sale.order.completed',
          { orderId: `o-${i}`, orderNumber: `SO-${i}`, currency: 'USD', total: amount, costTotal: '1.25' },
          { kind: 'posted', vouchers: 2 },
        );
      case 3:
        return make(
          'sale.order.completed',
          { orderId: `o-${i}`, orderNumber: `SO-${i}`, currency: 'USD', total: amount, costTotal: '0' },
          { kind: 'posted', vouchers: 1 },
        );
      case 4:
      case 5:
        return make(
          'sale.payment.captured',
          { paymentId: `p-${i}`, orderId: `o-${i - 4}`, amount, currency: 'USD', method: 'card', ...bank },
          { kind: 'posted', vouchers: 1 },
        );
      case 6:
        return make(
          'sale.payment.captured',
          { paymentId: `p-${i}`, orderId: `o-${i - 6}`, amount, currency: 'USD', method: 'cash' },
          { kind: 'skipped' },
        );
      case 7:
        return make(
          'sale.payment.refunded',
          {
            refundId: `r-${i}`,
            paymentId: `p-${i - 3}`,
            orderId: `o-${i - 7}`,
            amount: '1.00',
            currency: 'USD',
            ...bank,
          },
          { kind: 'posted', vouchers: 1 },
        );
      case 8:
        return make(
          'inventory.received',
          { receiptId: `gr-${i}`, currency: 'USD', total: amount },
          { kind: 'posted', vouchers: 1 },
          'inventory',
        );
      default:
        return make(
          'inventory.adjusted',
          {
            adjustmentId: `adj-${i}`,
            currency: 'USD',
            valueDelta: i % 20 === 9 ? '-2.50' : '3.00',
            reason: 'count',
          },
          { kind: 'posted', vouchers: 1 },
          'inventory',
        );
    }
  });
}
