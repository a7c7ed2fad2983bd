import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { createTestApi, json, startApiTestWorker, user, type TestApi } from './support.js';

type Voucher = {
  id: string;
  voucherNumber: string;
  postedAt: string;
  recordedAt: string;
  requestedAt: string | null;
  metadata: Record<string, unknown>;
};
type Periods = {
  merchantId: string;
  closedThrough: string | null;
  closedUntil: string | null;
  closed?: string[];
  periods: { period: string; status: string; closedBy: string | null; reopenReason: string | null }[];
};
type PeriodTrialBalance = {
  period: string;
  status: string;
  accounts: { code: string; opening: string; debit: string; credit: string; closing: string }[];
  totals: { debit: string; credit: string };
  balanced: boolean;
};

describe('periods API: close, reopen, list, trial balance by period, dated vouchers and voids', () => {
  const captured = capturingLogger();
  const { logger } = captured;
  let prisma: PrismaClient;
  let api: TestApi;
  let worker: { taskQueue: string; stop(): Promise<void> };
  let m: { merchantId: string; accounts: Record<string, string> };
  let other: { merchantId: string; accounts: Record<string, string> };
  const admin = user('p-admin');
  const accountant = user('p-accountant');
  const viewer = user('p-viewer');

  beforeAll(async () => {
    prisma = await testPrisma();
    m = await createTestMerchant(prisma, logger);
    other = await createTestMerchant(prisma, logger);
    worker = await startApiTestWorker(prisma, logger);
    api = await createTestApi({ logger, taskQueue: worker.taskQueue });
    await api.grant(admin, 'admin', m.merchantId);
    await api.grant(accountant, 'accountant', m.merchantId);
    await api.grant(viewer, 'viewer', m.merchantId);
  });

  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await prisma?.$disconnect();
  });

  const transferOn = (postedAt: string, amount = '25.00') =>
    postPlan(
      { db: dbOf(prisma), ids: testIds, logger },
      {
        merchantId: m.merchantId,
        voucherType: 'TRANSFER',
        sourceType: 'test',
        sourceId: uniqueName('src'),
        postedAt,
        description: 'periods api test',
        createdBy: 'test',
        lines: [
          { account: { id: m.accounts.CASH! }, direction: 'DEBIT', amount },
          { account: { id: m.accounts.BANK! }, direction: 'CREDIT', amount },
        ],
      },
    );

  it('an admin closes a month; closing it again is a no-op; a viewer lists the periods', async () => {
    await transferOn('2025-01-15T10:00:00Z');
    await transferOn('2025-03-15T10:00:00Z', '5.00');

    const early = await api.call(admin, 'POST', '/periods/close', {
      merchantId: m.merchantId,
      period: '2025-03',
    });
    expect(early.statusCode, early.body).toBe(409);
    expect(json(early)).toMatchObject({
      code: 'PERIOD_NOT_CLOSABLE',
      message: expect.stringContaining('period 2025-01 has vouchers and is still open'),
    });

    const jan = await api.call(admin, 'POST', '/periods/close', {
      merchantId: m.merchantId,
      period: '2025-01',
    });
    expect(jan.statusCode, jan.body).toBe(200);
    expect(json<Periods>(jan)).toMatchObject({ closed: ['2025-01'], closedThrough: '2025-01' });
    const again = await api.call(admin, 'POST', '/periods/close', {
      merchantId: m.merchantId,
      period: '2025-01',
    });
    expect(json<Periods>(again)).toMatchObject({ closed: [], closedThrough: '2025-01' });
    const mar = await api.call(admin, 'POST', '/periods/close', {
      merchantId: m.merchantId,
      period: '2025-03',
    });
    expect(json<Periods>(mar).closed).toEqual(['2025-02', '2025-03']);
    expect(captured.lines.some((l) => l.event === 'finance.period.closed' && l.user === admin)).toBe(true);

    const list = await api.call(viewer, 'GET', `/periods?merchantId=${m.merchantId}`);
    expect(list.statusCode, list.body).toBe(200);
    expect(json<Periods>(list)).toMatchObject({
      closedThrough: '2025-03',
      closedUntil: '2025-04-01T00:00:00.000Z',
      periods: [
        { period: '2025-03', status: 'CLOSED', closedBy: admin },
        { period: '2025-02', status: 'CLOSED' },
        { period: '2025-01', status: 'CLOSED' },
      ],
    });
  });

  it('only admins close and reopen; another tenant’s or an unknown merchant is 404 alike', async () => {
    const body = { merchantId: m.merchantId, period: '2025-04' };
    expect(json(await api.call(accountant, 'POST', '/periods/close', body))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(json(await api.call(viewer, 'POST', '/periods/reopen', { ...body, reason: 'x' }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    const elsewhere = await api.call(admin, 'POST', '/periods/close', {
      merchantId: other.merchantId,
      period: '2025-01',
    });
    const nowhere = await api.call(admin, 'POST', '/periods/close', {
      merchantId: '9123456789012',
      period: '2025-01',
    });
    expect(elsewhere.statusCode).toBe(404);
    expect(json(elsewhere)).toMatchObject({
      code: 'NOT_FOUND',
      message: json<{ message: string }>(nowhere).message,
    });
    expect((await api.call(admin, 'GET', `/periods?merchantId=${other.merchantId}`)).statusCode).toBe(404);
    expect(
      (await api.call(admin, 'GET', `/reports/trial-balance?merchantId=${other.merchantId}&period=2025-01`))
        .statusCode,
    ).toBe(404);
    expect(await prisma.financePeriod.count({ where: { merchantId: BigInt(other.merchantId) } })).toBe(0);
  });

  it('refuses bad periods and reasons with a 400, never a 5xx', async () => {
    for (const period of ['2025-13', '25-01', '2025-1', '0000-01', '2025-01\n', '']) {
      const res = await api.call(admin, 'POST', '/periods/close', { merchantId: m.merchantId, period });
      expect(res.statusCode, `${period}: ${res.body}`).toBe(400);
    }
    for (const reason of [undefined, '', 'two\nlines', 'x'.repeat(501)]) {
      const res = await api.call(admin, 'POST', '/periods/reopen', {
        merchantId: m.merchantId,
        period: '2025-03',
        reason,
      });
      expect(res.statusCode, res.body).toBe(400);
    }
    const both = await api.call(
      viewer,
      'GET',
      `/reports/trial-balance?merchantId=${m.merchantId}&period=2025-01&at=2025-01-01T00:00:00Z`,
    );
    expect(both.statusCode).toBe(400);
  });

  it('answers the trial balance of a month from its opening, movements and closing; at= still works', async () => {
    const res = await api.call(
      viewer,
      'GET',
      `/reports/trial-balance?merchantId=${m.merchantId}&period=2025-03`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const tb = json<PeriodTrialBalance>(res);
    expect(tb).toMatchObject({
      period: '2025-03',
      status: 'CLOSED',
      balanced: true,
      totals: { debit: '5.00', credit: '5.00' },
    });
    expect(tb.accounts.find((a) => a.code === 'CASH')).toMatchObject({
      opening: '25.00',
      debit: '5.00',
      credit: '0.00',
      closing: '30.00',
    });
    const at = await api.call(
      viewer,
      'GET',
      `/reports/trial-balance?merchantId=${m.merchantId}&at=2025-03-31T23:59:59Z`,
    );
    expect(at.statusCode, at.body).toBe(200);
  });

  it('a manual voucher dated in a closed month is moved, keeps requestedAt, and says which period was closed', async () => {
    const res = await api.call(
      accountant,
      'POST',
      '/vouchers',
      {
        merchantId: m.merchantId,
        type: 'TRANSFER',
        postedAt: '2025-02-10T08:00:00Z',
        lines: [
          { accountId: m.accounts.CASH, direction: 'DEBIT', amount: '1.00' },
          { accountId: m.accounts.BANK, direction: 'CREDIT', amount: '1.00' },
        ],
      },
      { 'idempotency-key': uniqueName('idem') },
    );
    expect(res.statusCode, res.body).toBe(201);
    const v = json<Voucher>(res);
    expect(v).toMatchObject({
      postedAt: '2025-04-01T00:00:00.000Z',
      requestedAt: '2025-02-10T08:00:00.000Z',
      metadata: { closedPeriod: '2025-02' },
      voucherNumber: expect.stringMatching(/^TR-2025-/),
    });
    expect(Date.parse(v.recordedAt)).toBeGreaterThan(Date.now() - 120_000);

    for (const postedAt of [
      '2025-02-30T00:00:00Z',
      'yesterday',
      '1969-12-31T23:59:59Z',
      '2099-01-01T00:00:00Z',
    ]) {
      const bad = await api.call(
        accountant,
        'POST',
        '/vouchers',
        {
          merchantId: m.merchantId,
          type: 'TRANSFER',
          postedAt,
          lines: [
            { accountId: m.accounts.CASH, direction: 'DEBIT', amount: '1.00' },
            { accountId: m.accounts.BANK, direction: 'CREDIT', amount: '1.00' },
          ],
        },
        { 'idempotency-key': uniqueName('idem') },
      );
      expect(bad.statusCode, `${postedAt}: ${bad.body}`).toBe(400);
    }
  });

  it('voids date the reversal at the original (moved out of a closed month) or now', async () => {
    const inClosed = await transferOn('2025-05-20T10:00:00Z');
    const original = (await api.call(viewer, 'GET', `/vouchers/${inClosed.voucherId}`)).json() as Voucher;
    expect(original.postedAt).toBe('2025-05-20T10:00:00.000Z');
    const old = await prisma.financeVoucher.findFirstOrThrow({
      where: { merchantId: BigInt(m.merchantId), postedAt: new Date('2025-03-15T10:00:00Z') },
    });
    const r1 = await api.call(accountant, 'POST', `/vouchers/${old.id}/void`, { reason: 'duplicate' });
    expect(r1.statusCode, r1.body).toBe(201);
    expect(json<Voucher>(r1)).toMatchObject({
      postedAt: '2025-04-01T00:00:00.000Z',
      requestedAt: '2025-03-15T10:00:00.000Z',
      metadata: { closedPeriod: '2025-03' },
    });
    const r2 = await api.call(accountant, 'POST', `/vouchers/${inClosed.voucherId}/void`, {
      reason: 'typo',
      date: 'now',
    });
    expect(r2.statusCode, r2.body).toBe(201);
    expect(Date.parse(json<Voucher>(r2).postedAt)).toBeGreaterThan(Date.now() - 120_000);
    const bad = await api.call(accountant, 'POST', `/vouchers/${inClosed.voucherId}/void`, {
      reason: 'x',
      date: 'tomorrow',
    });
    expect(bad.statusCode).toBe(400);
  });

  it('reopens the latest closed month only, with a reason, logged with the user', async () => {
    const wrong = await api.call(admin, 'POST', '/periods/reopen', {
      merchantId: m.merchantId,
      period: '2025-02',
      reason: 'late invoice',
    });
    expect(wrong.statusCode).toBe(409);
    expect(json(wrong)).toMatchObject({
      code: 'PERIOD_NOT_REOPENABLE',
      message: expect.stringContaining('2025-03'),
    });
    const res = await api.call(admin, 'POST', '/periods/reopen', {
      merchantId: m.merchantId,
      period: '2025-03',
      reason: 'late invoice',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(json<Periods>(res)).toMatchObject({
      closedThrough: '2025-02',
      periods: [{ period: '2025-03', status: 'OPEN', reopenReason: 'late invoice' }, {}, {}],
    });
    expect(
      captured.lines.some(
        (l) => l.event === 'finance.period.reopened' && l.user === admin && l.reason === 'late invoice',
      ),
    ).toBe(true);
  });
});
