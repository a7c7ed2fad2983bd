import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { createTestApi, startApiTestWorker, user, type TestApi } from './support.js';

/**
 * Generated bad input never yields a 5xx: wrong types, floats for amounts,
 * huge strings, unknown fields, bad cursors and dates, on every route. Bodies
 * are a valid request with one field replaced, so the generator reaches the
 * checks behind schema validation too (a mutation that happens to stay valid
 * simply succeeds: a real worker runs the workflows).
 */
describe('generated bad input never yields a 5xx', () => {
  const { logger } = capturingLogger('warn');
  let prisma: PrismaClient;
  let api: TestApi;
  let worker: { taskQueue: string; stop(): Promise<void> };
  let m: { merchantId: string; accounts: Record<string, string> };
  let voucherId: string;
  let integrationId: string;
  const admin = user('fuzz-admin');

  beforeAll(async () => {
    prisma = await testPrisma();
    m = await createTestMerchant(prisma, logger);
    worker = await startApiTestWorker(prisma, logger);
    api = await createTestApi({ logger, taskQueue: worker.taskQueue, waitMs: 5_000 });
    await api.grant(admin, 'admin', m.merchantId);
    const posted = await api.call(admin, 'POST', '/vouchers', validVoucher(), {
      'idempotency-key': `fuzz-base-${Date.now()}`,
    });
    voucherId = (posted.json() as { id: string }).id;
    const pi = await api.call(admin, 'POST', '/payment-integrations', {
      merchantId: m.merchantId,
      provider: 'stripe',
      name: 'fuzz',
      credential: 'sk_test_fuzzfuzzfuzz',
    });
    integrationId = (pi.json() as { id: string }).id;
  });

  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await prisma?.$disconnect();
  });

  const validVoucher = () => ({
    merchantId: m.merchantId,
    type: 'ADJUSTMENT',
    reason: 'correction',
    lines: [
      { accountId: m.accounts.CASH, direction: 'DEBIT', amount: '1.00' },
      { accountId: m.accounts.OWNER_EQUITY, direction: 'CREDIT', amount: '1.00' },
    ],
  });

  const nasty = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ minLength: 300, maxLength: 3000 }),
    fc.double({ noNaN: false }),
    fc.integer(),
    fc.bigInt().map(String),
    fc.constantFrom(
      '1e9999',
      '-1',
      '0',
      '9223372036854775808',
      '12.34567',
      '1,5',
      '',
      ' ',
      '\u0000',
      '../etc/passwd',
      "' OR 1=1 --",
      '2026-13-45T99:99:99Z',
      'null',
    ),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  );
  const textValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ minLength: 500, maxLength: 2000 }),
    fc.constantFrom(
      '-1',
      '0',
      '1.5',
      '201',
      '1e3',
      'abc',
      '9223372036854775808',
      '2026-02-30T00:00:00Z',
      'yesterday',
      '%00',
      'bm90LWEtY3Vyc29y',
      'eyJrIjoidm91Y2hlcnMiLCJwIjoieCIsImlkIjoieSJ9',
    ),
  );
  const idValue = fc.oneof(
    fc
      .string({ minLength: 1, maxLength: 30 })
      .filter((s) => !s.includes('/') && !s.includes('?') && !s.includes('#')),
    fc.stringMatching(/^[0-9]{1,25}$/),
    fc.constantFrom('0', '-1', '9223372036854775807', '9223372036854775808', '1.5', '%20'),
  );
  const query = (keys: string[]) =>
    fc
      .dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ minLength: 1, maxLength: 10 })), textValue, {
        maxKeys: 4,
      })
      .map((q) => new URLSearchParams(q).toString());

  /** A valid body with one field replaced, added or removed. */
  const mutated = (base: () => Record<string, unknown>) =>
    fc.oneof(
      fc.tuple(fc.nat(20), nasty).map(([i, v]) => {
        const b = base();
        const keys = Object.keys(b);
        b[keys[i % keys.length]!] = v;
        return b;
      }),
      fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), nasty).map(([k, v]) => ({ ...base(), [k]: v })),
      fc.nat(20).map((i) => {
        const b = base();
        delete b[Object.keys(b)[i % Object.keys(b).length]!];
        return b;
      }),
      nasty,
    );
  const mutatedLines = fc
    .tuple(fc.nat(1), fc.constantFrom('accountId', 'direction', 'amount', 'memo', 'extra'), nasty)
    .map(([i, k, v]) => {
      const b = validVoucher();
      (b.lines[i] as Record<string, unknown>)[k] = v;
      return b;
    });

  const run = async (
    arb: fc.Arbitrary<{ method: string; url: string; body?: unknown; headers?: Record<string, string> }>,
    numRuns = 40,
  ) => {
    await fc.assert(
      fc.asyncProperty(arb, async ({ method, url, body, headers }) => {
        const res = await api.call(admin, method, url, body, headers);
        if (res.statusCode >= 500) throw new Error(`${method} ${url} → ${res.statusCode}: ${res.body}`);
        const parsed = res.statusCode === 204 ? null : (res.json() as Record<string, unknown>);
        if (res.statusCode >= 400)
          expect(parsed).toMatchObject({
            statusCode: res.statusCode,
            code: expect.any(String),
            requestId: expect.any(String),
          });
      }),
      { numRuns },
    );
  };

  it('account routes', async () => {
    await run(
      query(['merchantId', 'type', 'code', 'status', 'limit', 'cursor']).map((q) => ({
        method: 'GET',
        url: `/accounts?${q}`,
      })),
    );
    await run(
      query(['merchantId', 'type', 'code', 'status']).map((q) => ({
        method: 'GET',
        url: `/accounts/count?${q}`,
      })),
    );
    await run(idValue.map((id) => ({ method: 'GET', url: `/accounts/${encodeURIComponent(id)}` })));
    await run(
      fc
        .tuple(idValue, query(['from', 'to', 'limit', 'cursor']))
        .map(([id, q]) => ({ method: 'GET', url: `/accounts/${encodeURIComponent(id)}/transactions?${q}` })),
    );
    await run(
      query(['from', 'to', 'limit', 'cursor']).map((q) => ({
        method: 'GET',
        url: `/accounts/${m.accounts.CASH}/transactions?${q}`,
      })),
    );
    await run(
      query(['at']).map((q) => ({ method: 'GET', url: `/accounts/${m.accounts.CASH}/balance?${q}` })),
    );
    await run(
      query(['merchantId', 'at']).map((q) => ({ method: 'GET', url: `/reports/trial-balance?${q}` })),
    );
    await run(
      mutated(() => ({ merchantId: m.merchantId, code: 'FUZZ', name: 'fuzz', type: 'ASSET' })).map(
        (body) => ({ method: 'POST', url: '/accounts', body }),
      ),
    );
    await run(
      mutated(() => ({ name: 'fuzz', code: 'CASH', status: 'ACTIVE' })).map((body) => ({
        method: 'PATCH',
        url: `/accounts/${m.accounts.BANK}`,
        body,
      })),
    );
    await run(
      idValue.map((id) => ({ method: 'DELETE', url: `/accounts/${encodeURIComponent(id)}` })),
      20,
    );
  });

  it('voucher routes', async () => {
    await run(
      query([
        'merchantId',
        'type',
        'status',
        'from',
        'to',
        'sourceType',
        'sourceId',
        'voucherNumber',
        'limit',
        'cursor',
      ]).map((q) => ({ method: 'GET', url: `/vouchers?${q}` })),
    );
    await run(idValue.map((id) => ({ method: 'GET', url: `/vouchers/${encodeURIComponent(id)}` })));
    const key = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/), fc.string({ maxLength: 200 }));
    await run(
      fc
        .tuple(fc.oneof(mutated(validVoucher), mutatedLines), key)
        .map(([body, k]) => ({ method: 'POST', url: '/vouchers', body, headers: { 'idempotency-key': k } })),
      60,
    );
    await run(
      fc
        .tuple(
          idValue,
          mutated(() => ({ reason: 'fuzz' })),
        )
        .map(([id, body]) => ({ method: 'POST', url: `/vouchers/${encodeURIComponent(id)}/void`, body })),
      30,
    );
    await run(
      mutated(() => ({ reason: 'fuzz' }))
        .filter(
          (b) =>
            typeof b !== 'object' || b === null || typeof (b as { reason?: unknown }).reason !== 'string',
        )
        .map((body) => ({ method: 'POST', url: `/vouchers/${voucherId}/void`, body })),
      20,
    );
  });

  it('payment integration and grant routes', async () => {
    await run(
      query(['merchantId', 'provider', 'limit', 'cursor']).map((q) => ({
        method: 'GET',
        url: `/payment-integrations?${q}`,
      })),
    );
    await run(
      idValue.map((id) => ({ method: 'GET', url: `/payment-integrations/${encodeURIComponent(id)}` })),
    );
    await run(
      mutated(() => ({
        merchantId: m.merchantId,
        provider: 'stripe',
        name: 'fuzz',
        credential: 'sk_test_0123456789',
        settings: {},
      })).map((body) => ({ method: 'POST', url: '/payment-integrations', body })),
    );
    await run(
      mutated(() => ({ name: 'fuzz', credential: 'sk_test_0123456789', settings: {} })).map((body) => ({
        method: 'PATCH',
        url: `/payment-integrations/${integrationId}`,
        body,
      })),
    );
    await run(
      idValue.map((id) => ({ method: 'DELETE', url: `/payment-integrations/${encodeURIComponent(id)}` })),
      20,
    );
    await run(query(['merchant', 'user']).map((q) => ({ method: 'GET', url: `/admin/grants?${q}` })));
    await run(
      mutated(() => ({ user: 'fuzz-user', role: 'viewer', merchant: m.merchantId })).map((body) => ({
        method: 'POST',
        url: '/admin/grants',
        body,
      })),
    );
    await run(
      mutated(() => ({ user: 'fuzz-user', role: 'viewer', merchant: m.merchantId })).map((body) => ({
        method: 'DELETE',
        url: '/admin/grants',
        body,
      })),
    );
  });
});
