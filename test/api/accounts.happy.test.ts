import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { createTestApi, json, user, type TestApi } from './support.js';

type Page<T> = { items: T[]; nextCursor: string | null };
type Account = {
  id: string;
  merchantId: string;
  code: string;
  balance: string;
  postingSequence: number;
  type: string;
  normalBalance: string;
  isControl: boolean;
  status: string;
};

describe('accounts, ledgers and balances: happy paths', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let m: { merchantId: string; accounts: Record<string, string> };
  let other: { merchantId: string; accounts: Record<string, string> };
  const admin = user('acc-admin');
  const viewer = user('acc-viewer');
  const t0 = new Date('2026-03-01T10:00:00Z');
  const t1 = new Date('2026-03-02T10:00:00Z');

  const post = (postedAt: Date, debit: string, credit: string, amount: string, sourceId: string) =>
    postPlan(
      { db: dbOf(prisma), ids: testIds, logger },
      {
        merchantId: m.merchantId,
        voucherType: 'RECEIPT',
        sourceType: 'test.receipt',
        sourceId,
        postedAt: postedAt.toISOString(),
        description: 'test',
        createdBy: 'system',
        lines: [
          { account: { id: debit }, direction: 'DEBIT', amount },
          { account: { id: credit }, direction: 'CREDIT', amount },
        ],
      },
    );

  beforeAll(async () => {
    prisma = await testPrisma();
    m = await createTestMerchant(prisma, logger);
    other = await createTestMerchant(prisma, logger);
    api = await createTestApi({ logger });
    await api.grant(admin, 'admin', m.merchantId);
    await api.grant(viewer, 'viewer', m.merchantId);
    await post(t0, m.accounts.CASH!, m.accounts.RECEIVABLE!, '100.00', 'r1');
    await post(t1, m.accounts.CASH!, m.accounts.RECEIVABLE!, '25.50', 'r2');
  });

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  it('lists only the merchants the caller may see, with filters and cursor pagination', async () => {
    const all = json<Page<Account>>(await api.call(viewer, 'GET', '/accounts?limit=200'));
    expect(all.items.length).toBe(11);
    expect(new Set(all.items.map((a) => a.merchantId))).toEqual(new Set([m.merchantId]));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.call(viewer, 'GET', `/accounts?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const p = json<Page<Account>>(res);
      seen.push(...p.items.map((a) => a.id));
      cursor = p.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((a) => a.id));
    const assets = json<Page<Account>>(
      await api.call(viewer, 'GET', `/accounts?merchantId=${m.merchantId}&type=ASSET`),
    );
    expect(assets.items.map((a) => a.code).sort()).toEqual(['BANK', 'CASH', 'INVENTORY', 'RECEIVABLE']);
    const cash = json<Page<Account>>(await api.call(viewer, 'GET', '/accounts?code=CASH'));
    expect(cash.items).toHaveLength(1);
    expect(cash.items[0]).toMatchObject({
      code: 'CASH',
      balance: '125.50',
      postingSequence: 2,
      normalBalance: 'DEBIT',
      isControl: false,
    });
    expect(json(await api.call(viewer, 'GET', `/accounts?merchantId=${other.merchantId}`))).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('counts with the same filters', async () => {
    expect(json(await api.call(viewer, 'GET', '/accounts/count'))).toEqual({ count: 11 });
    expect(json(await api.call(viewer, 'GET', '/accounts/count?type=EXPENSE'))).toEqual({ count: 3 });
    expect(json(await api.call(viewer, 'GET', `/accounts/count?merchantId=${other.merchantId}`))).toEqual({
      count: 0,
    });
  });

  it('returns one account, its ledger newest first, and balances as of a moment', async () => {
    const cashId = m.accounts.CASH!;
    const one = await api.call(viewer, 'GET', `/accounts/${cashId}`);
    expect(one.statusCode).toBe(200);
    expect(json(one)).toMatchObject({
      id: cashId,
      merchantId: m.merchantId,
      code: 'CASH',
      balance: '125.50',
    });

    const lines = json<
      Page<{
        amount: string;
        balanceAfter: string;
        postingSequence: number;
        voucherNumber: string;
        direction: string;
      }>
    >(await api.call(viewer, 'GET', `/accounts/${cashId}/transactions`));
    expect(lines.items.map((l) => [l.postingSequence, l.amount, l.balanceAfter])).toEqual([
      [2, '25.50', '125.50'],
      [1, '100.00', '100.00'],
    ]);
    expect(lines.items[0]!.voucherNumber).toMatch(/^RC-2026-\d{6}$/);
    const firstPage = json<Page<{ postingSequence: number }>>(
      await api.call(viewer, 'GET', `/accounts/${cashId}/transactions?limit=1`),
    );
    expect(firstPage.items.map((l) => l.postingSequence)).toEqual([2]);
    const second = json<Page<{ postingSequence: number }>>(
      await api.call(
        viewer,
        'GET',
        `/accounts/${cashId}/transactions?limit=1&cursor=${firstPage.nextCursor}`,
      ),
    );
    expect(second.items.map((l) => l.postingSequence)).toEqual([1]);
    expect(second.nextCursor).toBeNull();
    const ranged = json<Page<{ postingSequence: number }>>(
      await api.call(
        viewer,
        'GET',
        `/accounts/${cashId}/transactions?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z`,
      ),
    );
    expect(ranged.items.map((l) => l.postingSequence)).toEqual([2]);

    expect(json(await api.call(viewer, 'GET', `/accounts/${cashId}/balance`))).toMatchObject({
      balance: '125.50',
      postingSequence: 2,
    });
    expect(
      json(await api.call(viewer, 'GET', `/accounts/${cashId}/balance?at=2026-03-01T12:00:00Z`)),
    ).toMatchObject({ balance: '100.00', postingSequence: 1 });
    expect(
      json(await api.call(viewer, 'GET', `/accounts/${cashId}/balance?at=2026-01-01T00:00:00Z`)),
    ).toMatchObject({ balance: '0.00', postingSequence: 0 });
    expect(json(await api.call(viewer, 'GET', `/accounts/${m.accounts.RECEIVABLE}/balance`))).toMatchObject({
      balance: '-125.50',
    });
  });

  it('produces a trial balance whose debit and credit totals agree', async () => {
    const res = await api.call(viewer, 'GET', `/reports/trial-balance?merchantId=${m.merchantId}`);
    expect(res.statusCode).toBe(200);
    const tb = json<{
      totals: { debit: string; credit: string };
      balanced: boolean;
      accounts: { code: string; debit: string; credit: string }[];
      currency: string;
    }>(res);
    expect(tb.balanced).toBe(true);
    expect(tb.totals).toEqual({ debit: '125.50', credit: '125.50' });
    expect(tb.currency).toBe('USD');
    expect(tb.accounts.find((a) => a.code === 'CASH')).toMatchObject({ debit: '125.50', credit: '0.00' });
    expect(tb.accounts.find((a) => a.code === 'RECEIVABLE')).toMatchObject({
      debit: '0.00',
      credit: '125.50',
    });
    const early = json<{ totals: { debit: string } }>(
      await api.call(
        viewer,
        'GET',
        `/reports/trial-balance?merchantId=${m.merchantId}&at=2026-03-01T12:00:00Z`,
      ),
    );
    expect(early.totals.debit).toBe('100.00');
  });

  it('creates, renames, archives and soft-deletes a non-control account', async () => {
    const created = await api.call(admin, 'POST', '/accounts', {
      merchantId: m.merchantId,
      code: 'PETTY_CASH',
      name: 'Petty cash',
      type: 'ASSET',
    });
    expect(created.statusCode).toBe(201);
    const acc = json<Account>(created);
    expect(acc).toMatchObject({
      code: 'PETTY_CASH',
      normalBalance: 'DEBIT',
      isControl: false,
      balance: '0.00',
      postingSequence: 0,
      status: 'ACTIVE',
    });
    const renamed = await api.call(admin, 'PATCH', `/accounts/${acc.id}`, {
      name: 'Petty cash (front desk)',
      code: 'PETTY_CASH_1',
    });
    expect(renamed.statusCode).toBe(200);
    expect(json(renamed)).toMatchObject({ name: 'Petty cash (front desk)', code: 'PETTY_CASH_1' });
    expect(json(await api.call(admin, 'PATCH', `/accounts/${acc.id}`, { status: 'ARCHIVED' }))).toMatchObject(
      { status: 'ARCHIVED' },
    );
    const renamedControl = await api.call(admin, 'PATCH', `/accounts/${m.accounts.RECEIVABLE}`, {
      name: 'Trade receivables',
    });
    expect(renamedControl.statusCode).toBe(200);
    const del = await api.call(admin, 'DELETE', `/accounts/${acc.id}`);
    expect(del.statusCode).toBe(204);
    expect((await api.call(admin, 'GET', `/accounts/${acc.id}`)).statusCode).toBe(404);
    const row = await prisma.financeAccount.findUnique({ where: { id: BigInt(acc.id) } });
    expect(row?.deletedAt).not.toBeNull();
    // The code is free again among live rows.
    expect(
      (
        await api.call(admin, 'POST', '/accounts', {
          merchantId: m.merchantId,
          code: 'PETTY_CASH_1',
          name: 'Again',
          type: 'ASSET',
        })
      ).statusCode,
    ).toBe(201);
  });
});
