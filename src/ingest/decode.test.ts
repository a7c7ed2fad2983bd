import { describe, expect, it } from 'vitest';
import { decideMessage, type DecodeOptions, type TopicRole } from './decode.js';

const options: DecodeOptions = {
  topicRoles: new Map<string, TopicRole>([
    ['sale.events', 'events'],
    ['inventory.events', 'events'],
    ['commerce.public.Merchant', 'merchantCdc'],
  ]),
  maxMessageBytes: 2048,
};

const sale = {
  id: 'evt-1',
  type: 'sale.order.completed',
  merchantId: '1001',
  occurredAt: '2026-11-25T10:00:00Z',
  data: { orderId: 'o-1', orderNumber: 'SO-1', currency: 'USD', total: '10.00', costTotal: '4.00' },
};

const message = (topic: string, value: Buffer | string | null, offset = '7') => ({
  topic,
  partition: 3,
  offset,
  value: typeof value === 'string' ? Buffer.from(value) : value,
});

describe('decideMessage', () => {
  it('starts postEventWorkflow with the event-derived ID and the Kafka origin', () => {
    const decision = decideMessage(message('sale.events', JSON.stringify(sale)), options);
    expect(decision).toMatchObject({
      kind: 'start',
      start: {
        workflowType: 'postEventWorkflow',
        workflowId: 'finance-event-evt-1',
        merchantId: '1001',
        eventType: 'sale.order.completed',
        input: {
          event: { id: 'evt-1' },
          origin: { topic: 'sale.events', partition: 3, offset: '7' },
        },
      },
    });
  });

  it('gives the same workflow ID to the same event at another offset (redelivery, replay)', () => {
    const a = decideMessage(message('sale.events', JSON.stringify(sale), '7'), options);
    const b = decideMessage(message('inventory.events', JSON.stringify(sale), '9000'), options);
    expect(a.kind === 'start' && b.kind === 'start' && a.start.workflowId === b.start.workflowId).toBe(true);
  });

  it('starts provisionMerchantWorkflow for a CDC record', () => {
    const cdc = {
      op: 'c',
      before: null,
      after: { id: '1001', name: 'Acme', currency: 'USD', status: 'ACTIVE' },
      source: { lsn: 77 },
      ts_ms: 1,
    };
    expect(decideMessage(message('commerce.public.Merchant', JSON.stringify(cdc)), options)).toMatchObject({
      kind: 'start',
      start: {
        workflowType: 'provisionMerchantWorkflow',
        workflowId: 'finance-event-merchant-1001-77',
        eventType: 'merchant.created',
      },
    });
  });

  it('keeps a Debezium int8 id beyond 2^53 exact (JSON.parse would round it to another merchant)', () => {
    const raw =
      '{"op":"c","before":null,"after":{"id":7956536755763920401,"name":"Big","currency":"USD","status":"ACTIVE"},"source":{"lsn":36028797018963969},"ts_ms":1}';
    expect(decideMessage(message('commerce.public.Merchant', raw), options)).toMatchObject({
      kind: 'start',
      start: {
        merchantId: '7956536755763920401',
        workflowId: 'finance-event-merchant-7956536755763920401-36028797018963969',
      },
    });
    const tooBig = raw.replace('7956536755763920401', '99999999999999999999');
    expect(decideMessage(message('commerce.public.Merchant', tooBig), options)).toMatchObject({
      kind: 'dlq',
      reason: 'INVALID_CDC_RECORD',
    });
  });

  it('skips a CDC tombstone but dead-letters an empty event', () => {
    expect(decideMessage(message('commerce.public.Merchant', null), options)).toMatchObject({ kind: 'skip' });
    expect(decideMessage(message('sale.events', null), options)).toMatchObject({
      kind: 'dlq',
      reason: 'EMPTY_MESSAGE',
    });
  });

  it.each([
    ['bad JSON', '{"id": "evt-1",', 'INVALID_JSON'],
    ['a JSON array', '[1]', 'INVALID_ENVELOPE'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'INVALID_ENCODING'],
    ['an oversized payload', JSON.stringify({ ...sale, pad: 'x'.repeat(4096) }), 'MESSAGE_TOO_LARGE'],
    [
      'a float amount',
      JSON.stringify({ ...sale, data: { ...sale.data, total: 10.5 } }),
      'AMOUNT_NOT_A_DECIMAL_STRING',
    ],
    ['an unknown type', JSON.stringify({ ...sale, type: 'sale.order.lost' }), 'UNKNOWN_EVENT_TYPE'],
  ])('dead-letters %s', (_label, value, reason) => {
    expect(decideMessage(message('sale.events', value), options)).toMatchObject({ kind: 'dlq', reason });
  });

  it('dead-letters a message from a topic it has no decoder for', () => {
    expect(decideMessage(message('other.topic', '{}'), options)).toMatchObject({
      kind: 'dlq',
      reason: 'UNKNOWN_TOPIC',
    });
  });
});
