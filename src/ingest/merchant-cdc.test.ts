import { describe, expect, it } from 'vitest';
import { decodeMerchantChange } from './merchant-cdc.js';
import { merchantWorkflowId } from '../temporal/workflow-starts.js';

const after = { id: 1001, name: 'Acme', currency: 'USD', status: 'ACTIVE' };
const change = (over: Record<string, unknown> = {}) => ({
  op: 'c',
  before: null,
  after,
  source: { connector: 'postgresql', db: 'commerce', lsn: 23456789, ts_ms: 1764064800000 },
  ts_ms: 1764064800123,
  ...over,
});

describe('decodeMerchantChange', () => {
  it('decodes a bare Debezium create, ordered by the LSN', () => {
    expect(decodeMerchantChange(change())).toEqual({
      kind: 'ok',
      value: {
        change: {
          op: 'c',
          merchant: { id: '1001', name: 'Acme', currency: 'USD', status: 'ACTIVE' },
          position: '23456789',
        },
        positionKind: 'lsn',
        rowFingerprint: JSON.stringify(after),
      },
    });
  });

  it('decodes the schema/payload wrapper the same way', () => {
    const wrapped = {
      schema: { type: 'struct', name: 'commerce.public.Merchant.Envelope' },
      payload: change(),
    };
    expect(decodeMerchantChange(wrapped)).toEqual(decodeMerchantChange(change()));
  });

  it('accepts snapshot reads and updates, and normalises the status case', () => {
    expect(decodeMerchantChange(change({ op: 'r' }))).toMatchObject({
      kind: 'ok',
      value: { change: { op: 'r' } },
    });
    const update = decodeMerchantChange(
      change({ op: 'u', before: after, after: { ...after, id: '1001', status: 'inactive' } }),
    );
    expect(update).toMatchObject({
      kind: 'ok',
      value: { change: { op: 'u', merchant: { id: '1001', status: 'INACTIVE' } } },
    });
  });

  it('decodes a delete that carries only the key (default replica identity)', () => {
    const result = decodeMerchantChange(
      change({ op: 'd', before: { id: 1001, name: null, currency: null, status: null }, after: null }),
    );
    expect(result).toMatchObject({
      kind: 'ok',
      value: { change: { op: 'd', merchant: { id: '1001', status: 'INACTIVE' } } },
    });
  });

  it('falls back to source.ts_ms, then ts_ms, when there is no LSN', () => {
    const noLsn = decodeMerchantChange(change({ source: { ts_ms: 1764064800000 } }));
    expect(noLsn).toMatchObject({
      kind: 'ok',
      value: { change: { position: '1764064800000' }, positionKind: 'ts_ms' },
    });
    const onlyEnvelope = decodeMerchantChange(change({ source: null }));
    expect(onlyEnvelope).toMatchObject({
      kind: 'ok',
      value: { change: { position: '1764064800123' }, positionKind: 'ts_ms' },
    });
    expect(decodeMerchantChange(change({ source: null, ts_ms: null }))).toMatchObject({
      kind: 'dlq',
      reason: 'INVALID_CDC_RECORD',
    });
  });

  it('skips tombstones, bare or wrapped, and truncate/message records', () => {
    expect(decodeMerchantChange(null)).toMatchObject({ kind: 'skip' });
    expect(decodeMerchantChange({ schema: null, payload: null })).toMatchObject({ kind: 'skip' });
    expect(decodeMerchantChange(change({ op: 't', after: null }))).toMatchObject({ kind: 'skip' });
  });

  it.each([
    ['an unknown op', { op: 'x' }],
    ['a create without after', { after: null }],
    ['a delete without before', { op: 'd', after: null }],
    ['an unknown status', { after: { ...after, status: 'SUSPENDED' } }],
    ['a bad currency', { after: { ...after, currency: 'usd' } }],
    ['an id beyond 2^53 as a number', { after: { ...after, id: 2 ** 60 } }],
    ['a zero id', { after: { ...after, id: 0 } }],
    ['a fractional LSN', { source: { lsn: 1.5 } }],
    ['a name with a NUL (PostgreSQL cannot store it)', { after: { ...after, name: 'Acme\u0000' } }],
    ['a name with a lone surrogate', { after: { ...after, name: 'Acme \udc00' } }],
  ])('dead-letters %s', (_label, over) => {
    expect(decodeMerchantChange(change(over))).toMatchObject({ kind: 'dlq', reason: 'INVALID_CDC_RECORD' });
  });
});

describe('decodeMerchantChange mirrors the merchant name as the commerce system has it', () => {
  it('keeps other characters, control characters included: the CLI escapes them when it prints', () => {
    const name = 'Acme\tCo. ✓ 日本';
    expect(decodeMerchantChange(change({ after: { ...after, name } }))).toMatchObject({
      kind: 'ok',
      value: { change: { merchant: { name } } },
    });
  });
});

describe('merchantWorkflowId', () => {
  const decoded = (over: Record<string, unknown> = {}) => {
    const r = decodeMerchantChange(change(over));
    if (r.kind !== 'ok') throw new Error('fixture must decode');
    return r.value;
  };

  it('is merchant id + LSN when there is an LSN, whatever the envelope timestamp', () => {
    expect(merchantWorkflowId(decoded())).toBe('finance-event-merchant-1001-23456789');
    expect(merchantWorkflowId(decoded({ ts_ms: 1 }))).toBe('finance-event-merchant-1001-23456789');
  });

  it('tells apart two changes in the same millisecond when there is no LSN, and repeats for a redelivery', () => {
    const a = merchantWorkflowId(decoded({ op: 'u', source: { ts_ms: 5 }, after: { ...after, name: 'A' } }));
    const b = merchantWorkflowId(decoded({ op: 'u', source: { ts_ms: 5 }, after: { ...after, name: 'B' } }));
    const again = merchantWorkflowId(
      decoded({ op: 'u', source: { ts_ms: 5 }, ts_ms: 99, after: { ...after, name: 'A' } }),
    );
    expect(a).toMatch(/^finance-event-merchant-1001-5-u-[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    expect(again).toBe(a);
  });
});
