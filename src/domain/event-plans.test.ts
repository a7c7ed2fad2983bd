import { describe, expect, it } from 'vitest';
import { planForEvent } from './event-plans.js';
import { type PostingEvent } from './events.js';
import { EVENT_TEXT_LIMITS, VARCHAR_COLUMNS } from './limits.js';
import { assertPostable } from './posting-plan.js';

const envelope = { id: 'evt-1', merchantId: '1001', occurredAt: '2026-11-25T10:00:00Z' };
const lines = (outcome: ReturnType<typeof planForEvent>) =>
  outcome.kind === 'post'
    ? outcome.plans.map((p) => ({
        type: p.voucherType,
        source: `${p.sourceType}/${p.sourceId}`,
        lines: p.lines.map(
          (l) =>
            `${l.direction === 'DEBIT' ? 'Dr' : 'Cr'} ${'code' in l.account ? l.account.code : `#${l.account.id}`} ${l.amount}`,
        ),
      }))
    : outcome;

describe('posting plans of docs/reference/events.md', () => {
  it('sale: SALE receivable/revenue and COGS cost/inventory', () => {
    const event: PostingEvent = {
      ...envelope,
      type: 'sale.order.completed',
      data: { orderId: 'o1', orderNumber: 'SO-1', currency: 'USD', total: '120.5', costTotal: '70' },
    };
    expect(lines(planForEvent(event))).toEqual([
      { type: 'SALE', source: 'sale.order/o1', lines: ['Dr RECEIVABLE 120.50', 'Cr SALES_REVENUE 120.50'] },
      { type: 'COGS', source: 'sale.order.cogs/o1', lines: ['Dr COGS 70.00', 'Cr INVENTORY 70.00'] },
    ]);
  });

  it('sale without cost posts no COGS voucher', () => {
    const event: PostingEvent = {
      ...envelope,
      type: 'sale.order.completed',
      data: { orderId: 'o1', orderNumber: 'SO-1', currency: 'USD', total: '5', costTotal: '0' },
    };
    expect(lines(planForEvent(event))).toHaveLength(1);
  });

  it('payment: Dr the receiving account / Cr RECEIVABLE; skipped without a finance source', () => {
    const data = { paymentId: 'p1', orderId: 'o1', amount: '20', currency: 'USD', method: 'card' };
    const received = { ...data, financeSourceId: '77' };
    expect(lines(planForEvent({ ...envelope, type: 'sale.payment.captured', data: received }))).toEqual([
      { type: 'RECEIPT', source: 'sale.payment/p1', lines: ['Dr #77 20.00', 'Cr RECEIVABLE 20.00'] },
    ]);
    const skipped = planForEvent({
      ...envelope,
      type: 'sale.payment.captured',
      data: { ...data, financeSourceId: null },
    });
    expect(skipped).toMatchObject({ kind: 'skip', fields: { 'finance.source.id': null, eventId: 'evt-1' } });
  });

  it('refund: Dr SALES_RETURNS / Cr the paying account', () => {
    const data = {
      refundId: 'r1',
      paymentId: 'p1',
      orderId: 'o1',
      amount: '3.25',
      currency: 'USD',
      financeSourceId: '77',
    };
    expect(lines(planForEvent({ ...envelope, type: 'sale.payment.refunded', data }))).toEqual([
      { type: 'REFUND', source: 'sale.refund/r1', lines: ['Dr SALES_RETURNS 3.25', 'Cr #77 3.25'] },
    ]);
    expect(
      planForEvent({ ...envelope, type: 'sale.payment.refunded', data: { ...data, financeSourceId: null } })
        .kind,
    ).toBe('skip');
  });

  it('purchase: Dr INVENTORY / Cr PAYABLE', () => {
    expect(
      lines(
        planForEvent({
          ...envelope,
          type: 'inventory.received',
          data: { receiptId: 'g1', currency: 'USD', total: '900' },
        }),
      ),
    ).toEqual([
      {
        type: 'PURCHASE',
        source: 'inventory.receipt/g1',
        lines: ['Dr INVENTORY 900.00', 'Cr PAYABLE 900.00'],
      },
    ]);
  });

  it('inventory adjustment: a loss is an expense, a gain the other way, zero posts nothing', () => {
    const adj = (valueDelta: string) =>
      planForEvent({
        ...envelope,
        type: 'inventory.adjusted',
        data: { adjustmentId: 'a1', currency: 'USD', valueDelta, reason: 'count' },
      });
    expect(lines(adj('-12.5'))).toEqual([
      {
        type: 'INVENTORY_ADJUSTMENT',
        source: 'inventory.adjustment/a1',
        lines: ['Dr INVENTORY_ADJUSTMENT 12.50', 'Cr INVENTORY 12.50'],
      },
    ]);
    expect(lines(adj('4'))).toEqual([
      {
        type: 'INVENTORY_ADJUSTMENT',
        source: 'inventory.adjustment/a1',
        lines: ['Dr INVENTORY 4.00', 'Cr INVENTORY_ADJUSTMENT 4.00'],
      },
    ]);
    expect(adj('0').kind).toBe('skip');
  });

  it('every plan it produces is postable', () => {
    const outcome = planForEvent({
      ...envelope,
      type: 'sale.order.completed',
      data: {
        orderId: 'o1',
        orderNumber: 'SO-1',
        currency: 'USD',
        total: '0.0001',
        costTotal: '999999999999.9999',
      },
    });
    if (outcome.kind !== 'post') throw new Error('expected postings');
    for (const plan of outcome.plans) expect(() => assertPostable(plan.lines)).not.toThrow();
  });

  it('the longest fields ingest accepts make descriptions and sources that fit their columns', () => {
    const { businessId, orderNumber, paymentMethod, adjustmentReason } = EVENT_TEXT_LIMITS;
    const id = 'i'.repeat(businessId);
    const events: PostingEvent[] = [
      {
        ...envelope,
        type: 'sale.order.completed',
        data: {
          orderId: id,
          orderNumber: 'n'.repeat(orderNumber),
          currency: 'USD',
          total: '1',
          costTotal: '1',
        },
      },
      {
        ...envelope,
        type: 'sale.payment.captured',
        data: {
          paymentId: id,
          orderId: id,
          amount: '1',
          currency: 'USD',
          method: 'm'.repeat(paymentMethod),
          financeSourceId: '9',
        },
      },
      {
        ...envelope,
        type: 'sale.payment.refunded',
        data: {
          refundId: id,
          paymentId: id,
          orderId: id,
          amount: '1',
          currency: 'USD',
          financeSourceId: '9',
        },
      },
      { ...envelope, type: 'inventory.received', data: { receiptId: id, currency: 'USD', total: '1' } },
      {
        ...envelope,
        type: 'inventory.adjusted',
        data: { adjustmentId: id, currency: 'USD', valueDelta: '-1', reason: 'r'.repeat(adjustmentReason) },
      },
    ];
    for (const event of events) {
      const outcome = planForEvent({ ...event, id: 'e'.repeat(businessId) } as PostingEvent);
      if (outcome.kind !== 'post') throw new Error(`expected postings for ${event.type}`);
      for (const plan of outcome.plans) {
        expect(plan.description.length, event.type).toBeLessThanOrEqual(
          VARCHAR_COLUMNS.FinanceVoucher.description,
        );
        expect(plan.sourceId.length).toBeLessThanOrEqual(VARCHAR_COLUMNS.FinanceVoucher.source_id);
        expect(plan.sourceType.length).toBeLessThanOrEqual(VARCHAR_COLUMNS.FinanceVoucher.source_type);
        expect(plan.eventId!.length).toBeLessThanOrEqual(VARCHAR_COLUMNS.FinanceVoucher.event_id);
      }
    }
  });
});
