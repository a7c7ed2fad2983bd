import { describe, expect, it } from 'vitest';
import { decodePostingEvent } from './events.js';

const envelope = (type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'evt-7f3c:1',
  type,
  merchantId: '1001',
  occurredAt: '2026-11-25T10:00:00Z',
  data,
  ...extra,
});

const payment = {
  paymentId: 'pay-1',
  orderId: 'ord-1',
  amount: '125000.50',
  currency: 'USD',
  method: 'card',
  attempt: { finance: { source: { id: '7300000000000000001' } } },
};

describe('decodePostingEvent', () => {
  it('decodes every documented event type', () => {
    const cases: [string, Record<string, unknown>][] = [
      [
        'sale.order.completed',
        { orderId: 'o1', orderNumber: 'SO-1', currency: 'USD', total: '10.00', costTotal: '0' },
      ],
      ['sale.payment.captured', payment],
      [
        'sale.payment.refunded',
        { refundId: 'r1', paymentId: 'p1', orderId: 'o1', amount: '1.5', currency: 'USD' },
      ],
      ['inventory.received', { receiptId: 'rc1', currency: 'USD', total: '99.9999' }],
      [
        'inventory.adjusted',
        { adjustmentId: 'a1', currency: 'USD', valueDelta: '-3.25', reason: 'shrinkage' },
      ],
    ];
    for (const [type, data] of cases) {
      const result = decodePostingEvent(envelope(type, data));
      expect(result, type).toMatchObject({
        kind: 'ok',
        value: { type, id: 'evt-7f3c:1', merchantId: '1001' },
      });
    }
  });

  it('maps the nested attempt.finance.source.id to financeSourceId and drops the rest', () => {
    const result = decodePostingEvent(envelope('sale.payment.captured', payment));
    expect(result).toEqual({
      kind: 'ok',
      value: {
        ...envelope('sale.payment.captured', {}),
        data: {
          paymentId: 'pay-1',
          orderId: 'ord-1',
          amount: '125000.50',
          currency: 'USD',
          method: 'card',
          financeSourceId: '7300000000000000001',
        },
      },
    });
  });

  it('accepts the flattened "attempt.finance.source.id" key', () => {
    const { attempt: _a, ...rest } = payment;
    const result = decodePostingEvent(
      envelope('sale.payment.captured', { ...rest, 'attempt.finance.source.id': '42' }),
    );
    expect(result).toMatchObject({ kind: 'ok', value: { data: { financeSourceId: '42' } } });
  });

  it.each([
    ['absent', {}],
    ['null', { attempt: null }],
    ['null id', { attempt: { finance: { source: { id: null } } } }],
    ['empty id', { attempt: { finance: { source: { id: '' } } } }],
    ['no source', { attempt: { finance: {} } }],
  ])('treats a %s finance source as "no account" (the workflow skips it)', (_label, attempt) => {
    const { attempt: _a, ...rest } = payment;
    const result = decodePostingEvent(envelope('sale.payment.captured', { ...rest, ...attempt }));
    expect(result).toMatchObject({ kind: 'ok', value: { data: { financeSourceId: null } } });
  });

  it('rejects a finance source id sent as a JSON number', () => {
    const result = decodePostingEvent(
      envelope('sale.payment.captured', { ...payment, attempt: { finance: { source: { id: 73 } } } }),
    );
    expect(result).toMatchObject({ kind: 'dlq', reason: 'INVALID_EVENT_DATA' });
    expect(result.kind === 'dlq' && result.detail).toContain('data.attempt.finance.source.id');
  });

  it('rejects amounts sent as JSON numbers with their own reason', () => {
    const result = decodePostingEvent(envelope('sale.payment.captured', { ...payment, amount: 125000.5 }));
    expect(result).toMatchObject({ kind: 'dlq', reason: 'AMOUNT_NOT_A_DECIMAL_STRING' });
    expect(result.kind === 'dlq' && result.detail).toMatch(/data\.amount: .*not a JSON number/);
  });

  it.each([
    ['more than 4 fraction digits', '1.23456'],
    ['exponent notation', '1e5'],
    ['zero', '0'],
    ['negative', '-5.00'],
    ['empty', ''],
  ])('rejects an amount with %s', (_label, total) => {
    const result = decodePostingEvent(
      envelope('inventory.received', { receiptId: 'rc1', currency: 'USD', total }),
    );
    expect(result).toMatchObject({ kind: 'dlq', reason: 'INVALID_EVENT_DATA' });
  });

  it.each([
    ['a 13-digit total', 'inventory.received', { receiptId: 'rc1', currency: 'USD', total: '1000000000000' }],
    ['a 20-digit amount', 'sale.payment.captured', { ...payment, amount: '99999999999999999999' }],
    [
      'a 13-digit loss',
      'inventory.adjusted',
      { adjustmentId: 'a', currency: 'USD', valueDelta: '-1000000000000.5', reason: 'fire' },
    ],
  ])(
    'dead-letters %s with its own reason: no amount beyond 12 integer digits enters',
    (_label, type, data) => {
      const result = decodePostingEvent(envelope(type, data));
      expect(result).toMatchObject({ kind: 'dlq', reason: 'AMOUNT_OUT_OF_RANGE' });
      expect(result.kind === 'dlq' && result.detail).toMatch(/at most 12 integer digits/);
    },
  );

  it('accepts the largest amount, 999999999999.9999', () => {
    expect(
      decodePostingEvent(
        envelope('inventory.received', { receiptId: 'rc1', currency: 'USD', total: '999999999999.9999' }),
      ).kind,
    ).toBe('ok');
  });

  it.each([
    ['an order number with a NUL', 'sale.order.completed', 'orderNumber', 'SO-1\u0000'],
    ['an order number with an escape sequence', 'sale.order.completed', 'orderNumber', '\u001b[2JSO-1'],
    ['a payment method with a line break', 'sale.payment.captured', 'method', 'card\nforged'],
    ['an adjustment reason with a bidi override', 'inventory.adjusted', 'reason', 'theft \u202eevil'],
    ['an adjustment reason with a lone surrogate', 'inventory.adjusted', 'reason', 'x\ud800'],
  ])('dead-letters %s: free text is one printable line', (_label, type, field, value) => {
    const base: Record<string, Record<string, unknown>> = {
      'sale.order.completed': { orderId: 'o', orderNumber: 'n', currency: 'USD', total: '5', costTotal: '0' },
      'sale.payment.captured': payment,
      'inventory.adjusted': { adjustmentId: 'a', currency: 'USD', valueDelta: '-1', reason: 'count' },
    };
    const result = decodePostingEvent(envelope(type, { ...base[type], [field]: value }));
    expect(result).toMatchObject({ kind: 'dlq', reason: 'INVALID_EVENT_DATA' });
    expect(result.kind === 'dlq' && result.detail).toContain(
      `data.${field}: must be one line of printable text`,
    );
  });

  it('allows a zero cost total and a signed valueDelta, not a negative cost', () => {
    const order = (costTotal: string) =>
      decodePostingEvent(
        envelope('sale.order.completed', {
          orderId: 'o',
          orderNumber: 'n',
          currency: 'EUR',
          total: '5',
          costTotal,
        }),
      ).kind;
    expect(order('0.00')).toBe('ok');
    expect(order('-1')).toBe('dlq');
    expect(
      decodePostingEvent(
        envelope('inventory.adjusted', {
          adjustmentId: 'a',
          currency: 'EUR',
          valueDelta: '0',
          reason: 'count',
        }),
      ).kind,
    ).toBe('ok');
  });

  it.each([
    ['an id with a space', { id: 'evt 1' }],
    ['an id of 129 characters', { id: 'x'.repeat(129) }],
    ['a numeric merchantId', { merchantId: 1001 }],
    ['a non-digit merchantId', { merchantId: 'm-1001' }],
    ['a timestamp without zone', { occurredAt: '2026-11-25T10:00:00' }],
    ['data that is not an object', { data: [1, 2] }],
  ])('rejects an envelope with %s', (_label, override) => {
    const result = decodePostingEvent({
      ...envelope('inventory.received', { receiptId: 'r', currency: 'USD', total: '1' }),
      ...override,
    });
    expect(result).toMatchObject({ kind: 'dlq', reason: 'INVALID_ENVELOPE' });
  });

  it('rejects unknown event types', () => {
    expect(decodePostingEvent(envelope('sale.order.exploded', {}))).toMatchObject({
      kind: 'dlq',
      reason: 'UNKNOWN_EVENT_TYPE',
    });
  });

  it('rejects a non-object, a missing field and a lowercase currency', () => {
    expect(decodePostingEvent('hello')).toMatchObject({ kind: 'dlq', reason: 'INVALID_ENVELOPE' });
    const missing = decodePostingEvent(envelope('inventory.received', { currency: 'USD', total: '1' }));
    expect(missing).toMatchObject({ kind: 'dlq', reason: 'INVALID_EVENT_DATA' });
    expect(missing.kind === 'dlq' && missing.detail).toContain('data.receiptId');
    expect(
      decodePostingEvent(envelope('inventory.received', { receiptId: 'r', currency: 'usd', total: '1' })),
    ).toMatchObject({ kind: 'dlq' });
  });

  it('rejects conflicting nested and flattened finance sources', () => {
    const result = decodePostingEvent(
      envelope('sale.payment.captured', { ...payment, 'attempt.finance.source.id': '43' }),
    );
    expect(result).toMatchObject({ kind: 'dlq', reason: 'INVALID_EVENT_DATA' });
  });
});
