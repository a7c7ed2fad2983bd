import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { LedgerError } from '../../src/domain/errors.js';
import { type PostingPlan, twoLines } from '../../src/domain/posting-plan.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';

let prisma: PrismaClient;
const logs = capturingLogger();
const deps = () => ({ db: dbOf(prisma), ids: testIds, logger: logs.logger });

beforeAll(async () => {
  prisma = await testPrisma();
});
afterAll(async () => {
  await prisma.$disconnect();
});

const plan = (merchantId: string, overrides: Partial<PostingPlan> = {}): PostingPlan => ({
  merchantId,
  voucherType: 'SALE',
  sourceType: 'sale.order',
  sourceId: uniqueName('order'),
  currency: 'USD',
  postedAt: '2026-11-25T10:00:00Z',
  description: 'test sale',
  createdBy: 'system',
  lines: twoLines({ code: 'RECEIVABLE' }, { code: 'SALES_REVENUE' }, '125000.50'),
  ...overrides,
});

async function balances(merchantId: string) {
  const rows = await prisma.financeAccount.findMany({ where: { merchantId: BigInt(merchantId) } });
  return Object.fromEntries(
    rows.map((r) => [r.code, { balance: r.balance.toFixed(4), seq: r.postingSequence.toString() }]),
  );
}

describe('postVoucher', () => {
  it('posts a balanced voucher with numbered lines, sequences and balances', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const posted = await postPlan(deps(), plan(m.merchantId));
    expect(posted).toMatchObject({ voucherNumber: 'SL-2026-000001', replayed: false, status: 'POSTED' });
    const lines = await prisma.financeTransaction.findMany({
      where: { financeVoucherId: BigInt(posted!.voucherId) },
      orderBy: { lineNumber: 'asc' },
    });
    expect(
      lines.map((l) => [
        l.lineNumber,
        l.direction,
        l.amount.toFixed(2),
        l.balanceAfter.toFixed(2),
        l.postingSequence,
      ]),
    ).toEqual([
      [1, 'DEBIT', '125000.50', '125000.50', 1n],
      [2, 'CREDIT', '125000.50', '125000.50', 1n],
    ]);
    const b = await balances(m.merchantId);
    expect(b.RECEIVABLE).toEqual({ balance: '125000.5000', seq: '1' });
    expect(b.SALES_REVENUE).toEqual({ balance: '125000.5000', seq: '1' });

    const second = await postPlan(deps(), plan(m.merchantId, { postedAt: '2026-12-31T23:59:59Z' }));
    expect(second!.voucherNumber).toBe('SL-2026-000002');
    const nextYear = await postPlan(deps(), plan(m.merchantId, { postedAt: '2027-01-01T00:00:00Z' }));
    expect(nextYear!.voucherNumber).toBe('SL-2027-000001');
  });

  it('replays an already-posted source: same voucher, nothing new, logged', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const p = plan(m.merchantId);
    const first = await postPlan(deps(), p);
    const again = await postPlan(deps(), p);
    expect(again).toMatchObject({
      voucherId: first!.voucherId,
      voucherNumber: first!.voucherNumber,
      replayed: true,
    });
    expect((await balances(m.merchantId)).RECEIVABLE).toEqual({ balance: '125000.5000', seq: '1' });
    expect(
      logs.lines.some(
        (l) => l.event === 'finance.voucher.idempotent_replay' && l.voucherId === first!.voucherId,
      ),
    ).toBe(true);
  });

  it('rejects what can never post, writing nothing', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const other = await createTestMerchant(prisma, logs.logger);
    const cases: [Partial<PostingPlan>, string][] = [
      [{ lines: [{ account: { code: 'CASH' }, direction: 'DEBIT', amount: '1.00' }] }, 'UNBALANCED_VOUCHER'],
      [
        {
          lines: [
            ...twoLines({ code: 'CASH' }, { code: 'BANK' }, '1.00').slice(0, 1),
            { account: { code: 'BANK' }, direction: 'CREDIT', amount: '0.99' },
          ],
        },
        'UNBALANCED_VOUCHER',
      ],
      [{ lines: twoLines({ code: 'CASH' }, { code: 'BANK' }, '0') }, 'VALIDATION_FAILED'],
      [{ currency: 'EUR' }, 'CURRENCY_MISMATCH'],
      [{ lines: twoLines({ id: other.accounts.CASH! }, { code: 'BANK' }, '1.00') }, 'ACCOUNT_NOT_FOUND'],
      [{ lines: twoLines({ id: '999999999999' }, { code: 'BANK' }, '1.00') }, 'ACCOUNT_NOT_FOUND'],
      [{ merchantId: '8' + m.merchantId.slice(1) }, 'MERCHANT_NOT_FOUND'],
    ];
    for (const [overrides, code] of cases) {
      const err = await postPlan(deps(), plan(m.merchantId, overrides)).catch((e: unknown) => e);
      expect(err, code).toBeInstanceOf(LedgerError);
      expect((err as LedgerError).code).toBe(code);
    }
    await prisma.financeAccount.update({
      where: { id: BigInt(m.accounts.BANK!) },
      data: { status: 'ARCHIVED' },
    });
    const archived = await postPlan(
      deps(),
      plan(m.merchantId, { lines: twoLines({ code: 'CASH' }, { code: 'BANK' }, '1.00') }),
    ).catch((e: unknown) => e);
    expect((archived as LedgerError).code).toBe('ACCOUNT_INACTIVE');
    expect(await prisma.financeVoucher.count({ where: { merchantId: BigInt(m.merchantId) } })).toBe(0);
    expect(
      Object.values(await balances(m.merchantId)).every((b) => b.balance === '0.0000' && b.seq === '0'),
    ).toBe(true);
  });

  it('reports a missing control account as retryable with the operator log key', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    await prisma.financeAccount.update({
      where: { id: BigInt(m.accounts.COGS!) },
      data: { deletedAt: new Date() },
    });
    const err = (await postPlan(
      deps(),
      plan(m.merchantId, {
        voucherType: 'COGS',
        sourceType: 'sale.order.cogs',
        lines: twoLines({ code: 'COGS' }, { code: 'INVENTORY' }, '5.00'),
      }),
    ).catch((e: unknown) => e)) as LedgerError;
    expect(err.code).toBe('CONTROL_ACCOUNT_MISSING');
    expect(err.retryable).toBe(true);
    const line = logs.lines.find(
      (l) => l.event === 'INVENTORY/COGS control account missing' && l.merchantId === m.merchantId,
    );
    expect(line).toMatchObject({ level: 'warn', missing: 'COGS' });
  });

  it('allows an overdraft and warns finance.account.went_negative with its fields', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const refund = await postPlan(
      deps(),
      plan(m.merchantId, {
        voucherType: 'REFUND',
        sourceType: 'sale.refund',
        lines: twoLines({ code: 'SALES_RETURNS' }, { id: m.accounts.CASH! }, '40.00'),
      }),
    );
    expect((await balances(m.merchantId)).CASH).toEqual({ balance: '-40.0000', seq: '1' });
    const warning = logs.lines.find(
      (l) => l.event === 'finance.account.went_negative' && l.accountId === m.accounts.CASH,
    );
    expect(warning).toMatchObject({
      level: 'warn',
      merchantId: m.merchantId,
      balance: '-40.00',
      postingSequence: '1',
      voucherNumber: refund!.voucherNumber,
    });
  });

  it('keeps running balances when one account appears on several lines', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    await postPlan(
      deps(),
      plan(m.merchantId, {
        voucherType: 'TRANSFER',
        sourceType: 'manual',
        currency: undefined,
        lines: [
          { account: { code: 'BANK' }, direction: 'DEBIT', amount: '10.00' },
          { account: { code: 'BANK' }, direction: 'DEBIT', amount: '5.25' },
          { account: { code: 'CASH' }, direction: 'CREDIT', amount: '15.25' },
        ],
      }),
    );
    const rows = await prisma.financeTransaction.findMany({
      where: { accountId: BigInt(m.accounts.BANK!) },
      orderBy: { postingSequence: 'asc' },
    });
    expect(rows.map((r) => [r.postingSequence, r.balanceAfter.toFixed(2)])).toEqual([
      [1n, '10.00'],
      [2n, '15.25'],
    ]);
  });
});
