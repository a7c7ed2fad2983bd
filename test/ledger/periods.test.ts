import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan, type PostedVoucher } from '../../src/activities/posting.js';
import { voidVoucher } from '../../src/activities/voids.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { verifyLedger } from '../../src/db/invariants.js';
import { closePeriod, listPeriods, periodAccountSums, reopenPeriod } from '../../src/db/periods.js';
import { balanceSign, type Direction } from '../../src/domain/accounts.js';
import { parsePeriod } from '../../src/domain/periods.js';
import { type PostingPlan } from '../../src/domain/posting-plan.js';
import { periodTrialBalance } from '../../src/domain/trial-balance.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { seededRandom } from '../support/seed.js';

let prisma: PrismaClient;
const logs = capturingLogger('info');
const db = () => dbOf(prisma);
const deps = () => ({ db: db(), ids: testIds, logger: logs.logger });

beforeAll(async () => {
  prisma = await testPrisma(16);
});
afterAll(async () => {
  await prisma.$disconnect();
});

/** A TRANSFER of `amount` from BANK to CASH, asking for the date `postedAt`. */
const transfer = (
  m: { merchantId: string; accounts: Record<string, string> },
  postedAt: string,
  amount = '10.00',
): PostingPlan => ({
  merchantId: m.merchantId,
  voucherType: 'TRANSFER',
  sourceType: 'test',
  sourceId: uniqueName('src'),
  postedAt,
  description: 'periods test',
  createdBy: 'test',
  lines: [
    { account: { id: m.accounts.CASH! }, direction: 'DEBIT', amount },
    { account: { id: m.accounts.BANK! }, direction: 'CREDIT', amount },
  ],
});

const close = (merchantId: string, period: string, now = new Date()) =>
  closePeriod(db(), { merchantId, period: parsePeriod(period), closedBy: 'test-admin', now });

const reopen = (merchantId: string, period: string, reason = 'audit adjustment') =>
  reopenPeriod(db(), { merchantId, period: parsePeriod(period), reopenedBy: 'test-admin', reason });

const voucher = (id: string) => prisma.financeVoucher.findUniqueOrThrow({ where: { id: BigInt(id) } });

async function expectLedgerSound(merchantId: string) {
  const failed = (await verifyLedger(db(), { merchantId })).filter((r) => r.violations.length > 0);
  expect(failed.map((r) => `${r.name}: ${JSON.stringify(r.violations.slice(0, 3))}`)).toEqual([]);
}

describe('closing periods', () => {
  it('closes in order, naming the open month with vouchers; empty months close with the next; a closed month is a no-op', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    await postPlan(deps(), transfer(m, '2025-03-10T12:00:00Z'));
    await postPlan(deps(), transfer(m, '2025-05-20T12:00:00Z', '5.00'));

    await expect(close(m.merchantId, '2025-05')).rejects.toMatchObject({
      code: 'PERIOD_NOT_CLOSABLE',
      message: expect.stringContaining('2025-03 has vouchers and is still open'),
    });
    await expect(close(m.merchantId, '2099-01')).rejects.toMatchObject({
      code: 'PERIOD_NOT_CLOSABLE',
      message: expect.stringContaining('not over'),
    });
    expect(await close(m.merchantId, '2025-03')).toMatchObject({ kind: 'closed', closed: ['2025-03'] });
    const second = await close(m.merchantId, '2025-05');
    expect(second).toMatchObject({ kind: 'closed', closed: ['2025-04', '2025-05'] });

    const balancesBefore = await prisma.financeClosingBalance.count({
      where: { merchantId: BigInt(m.merchantId) },
    });
    expect(await close(m.merchantId, '2025-05')).toMatchObject({ kind: 'already' });
    expect(await close(m.merchantId, '2025-04')).toMatchObject({ kind: 'already' });
    expect(await prisma.financeClosingBalance.count({ where: { merchantId: BigInt(m.merchantId) } })).toBe(
      balancesBefore,
    );

    const periods = (await listPeriods(db(), m.merchantId))!;
    expect(periods.closedThrough).toBe('2025-05');
    expect(periods.closedUntil).toBe('2025-06-01T00:00:00.000Z');
    expect(periods.periods.map((p) => `${p.period} ${p.status} ${p.closedBy}`)).toEqual([
      '2025-05 CLOSED test-admin',
      '2025-04 CLOSED test-admin',
      '2025-03 CLOSED test-admin',
    ]);
    const cash = await prisma.financeClosingBalance.findMany({
      where: { accountId: BigInt(m.accounts.CASH!), deletedAt: null },
      orderBy: { period: 'asc' },
    });
    expect(cash.map((c) => `${c.period} ${c.balance.toFixed(2)}`)).toEqual([
      '2025-03 10.00',
      '2025-04 10.00',
      '2025-05 15.00',
    ]);
    await expectLedgerSound(m.merchantId);
  });

  it('reopens only the latest closed month, with its reason; its closing balances are withdrawn', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    await postPlan(deps(), transfer(m, '2025-06-10T12:00:00Z'));
    await close(m.merchantId, '2025-06');
    await close(m.merchantId, '2025-07');

    await expect(reopen(m.merchantId, '2025-06')).rejects.toMatchObject({
      code: 'PERIOD_NOT_REOPENABLE',
      message: expect.stringContaining('2025-07'),
    });
    const r = await reopen(m.merchantId, '2025-07', 'missed supplier invoice');
    expect(r).toMatchObject({ kind: 'reopened', periods: { closedThrough: '2025-06' } });
    const july = r.kind === 'reopened' ? r.periods.periods.find((p) => p.period === '2025-07') : undefined;
    expect(july).toMatchObject({
      status: 'OPEN',
      reopenedBy: 'test-admin',
      reopenReason: 'missed supplier invoice',
    });
    expect(
      await prisma.financeClosingBalance.count({
        where: { merchantId: BigInt(m.merchantId), period: '2025-07', deletedAt: null },
      }),
    ).toBe(0);

    // A voucher dated in the reopened month lands in it; closing again stores balances that include it.
    const late = await postPlan(deps(), transfer(m, '2025-07-15T00:00:00Z', '2.50'));
    expect((await voucher(late.voucherId)).postedAt.toISOString()).toBe('2025-07-15T00:00:00.000Z');
    await close(m.merchantId, '2025-07');
    const july2 = await prisma.financeClosingBalance.findFirstOrThrow({
      where: { accountId: BigInt(m.accounts.CASH!), period: '2025-07', deletedAt: null },
    });
    expect(july2.balance.toFixed(2)).toBe('12.50');

    // Reopening back to the first closed month leaves nothing closed.
    await reopen(m.merchantId, '2025-07');
    expect((await reopen(m.merchantId, '2025-06')).kind).toBe('reopened');
    expect((await listPeriods(db(), m.merchantId))!.closedUntil).toBeNull();
    await expect(reopen(m.merchantId, '2025-06')).rejects.toMatchObject({ code: 'PERIOD_NOT_REOPENABLE' });
    await expectLedgerSound(m.merchantId);
  });
});

describe('dating around closed periods', () => {
  it('moves a late voucher to the first open instant, keeps the date asked for and names the closed period', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const onTime = await postPlan(deps(), transfer(m, '2025-08-31T23:59:59Z'));
    await close(m.merchantId, '2025-08');
    await close(m.merchantId, '2025-09');
    const late = await postPlan(deps(), transfer(m, '2025-08-15T09:30:00Z'));
    expect(late.entry).toMatchObject({
      postedAt: '2025-10-01T00:00:00.000Z',
      requestedAt: '2025-08-15T09:30:00.000Z',
    });
    const v = await voucher(late.voucherId);
    expect(v.postedAt.toISOString()).toBe('2025-10-01T00:00:00.000Z');
    expect(v.requestedAt?.toISOString()).toBe('2025-08-15T09:30:00.000Z');
    expect(v.metadata).toMatchObject({ closedPeriod: '2025-08' });
    expect(v.recordedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const lines = await prisma.financeTransaction.findMany({
      where: { financeVoucherId: BigInt(late.voucherId) },
    });
    expect(lines.map((l) => l.postedAt.toISOString())).toEqual(Array(2).fill('2025-10-01T00:00:00.000Z'));

    const kept = await voucher(onTime.voucherId);
    expect(kept.requestedAt).toBeNull();
    expect(kept.metadata).toEqual({});
    await expectLedgerSound(m.merchantId);
  });

  it('dates a reversal at the original when its month is open, else at the first open instant, or now when asked', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const open = await postPlan(deps(), transfer(m, '2025-10-05T10:00:00Z'));
    const inClosed = await postPlan(deps(), transfer(m, '2025-09-05T10:00:00Z'));
    const another = await postPlan(deps(), transfer(m, '2025-09-06T10:00:00Z'));
    await close(m.merchantId, '2025-09');

    const voidOf = (v: PostedVoucher, date?: 'original' | 'now') =>
      voidVoucher(deps(), {
        voucherId: v.voucherId,
        reason: 'test',
        requestedBy: 'u',
        ...(date ? { date } : {}),
      });
    const r1 = await voucher((await voidOf(open)).voucherId);
    expect(r1.postedAt.toISOString()).toBe('2025-10-05T10:00:00.000Z');
    expect(r1.requestedAt).toBeNull();

    const r2 = await voucher((await voidOf(inClosed, 'original')).voucherId);
    expect(r2.postedAt.toISOString()).toBe('2025-10-01T00:00:00.000Z');
    expect(r2.requestedAt?.toISOString()).toBe('2025-09-05T10:00:00.000Z');
    expect(r2.metadata).toMatchObject({ closedPeriod: '2025-09' });

    const before = Date.now();
    const r3 = await voucher((await voidOf(another, 'now')).voucherId);
    expect(r3.postedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(r3.requestedAt).toBeNull();
    // The closed month kept its closing balance: the reversals were not dated into it.
    await expectLedgerSound(m.merchantId);
  });

  it('numbers a December event that arrives after December closed in the new year', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const december = await postPlan(deps(), transfer(m, '2024-12-31T23:00:00Z'));
    expect(december.voucherNumber).toBe('TR-2024-000001');
    // UTC decides the year, not the producer's offset.
    const offset = await postPlan(deps(), transfer(m, '2024-12-31T23:30:00-05:00'));
    expect(offset.voucherNumber).toBe('TR-2025-000001');
    await close(m.merchantId, '2024-12');
    const late = await postPlan(deps(), transfer(m, '2024-12-28T08:00:00Z'));
    expect(late.voucherNumber).toBe('TR-2025-000002');
    expect(late.entry).toMatchObject({
      postedAt: '2025-01-01T00:00:00.000Z',
      requestedAt: '2024-12-28T08:00:00.000Z',
    });
    await expectLedgerSound(m.merchantId);
  });
});

describe('the close/posting race', () => {
  it('nothing is dated into a month after its close, and every closing balance equals the lines', async () => {
    const random = seededRandom('close-race');
    const m = await createTestMerchant(prisma, logs.logger);
    const rounds = 4;
    const posters = 8;
    for (let round = 0; round < rounds; round += 1) {
      const month = parsePeriod(`2024-${String(round + 1).padStart(2, '0')}`);
      let closedAt = 0;
      let stop = false;
      const posted: { v: PostedVoucher; startedAt: number; doneAt: number; asked: string }[] = [];
      const poster = async () => {
        while (!stop) {
          const asked = new Date(
            month.start.getTime() + Math.floor(random() * 27 * 86_400_000),
          ).toISOString();
          const startedAt = Date.now();
          const v = await postPlan(
            deps(),
            transfer(
              m,
              asked,
              `${1 + Math.floor(random() * 900)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`,
            ),
          );
          posted.push({ v, startedAt, doneAt: Date.now(), asked });
          if (closedAt && Date.now() - closedAt > 300) stop = true;
        }
      };
      const running = Array.from({ length: posters }, () => poster());
      try {
        await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 300)));
        const outcome = await close(m.merchantId, month.name);
        closedAt = Date.now();
        expect(outcome.kind).toBe('closed');
      } finally {
        if (!closedAt) stop = true;
        await Promise.allSettled(running);
      }
      await Promise.all(running);

      const before = posted.filter((p) => p.v.entry!.postedAt === p.asked);
      const moved = posted.filter((p) => p.v.entry!.postedAt !== p.asked);
      // Both sides of the race happened in this round: some postings landed before the close, some after.
      expect(before.length).toBeGreaterThan(0);
      expect(moved.length).toBeGreaterThan(0);
      for (const p of moved) {
        expect(p.v.entry!.postedAt).toBe(month.end.toISOString());
        expect(p.v.entry!.requestedAt).toBe(p.asked);
      }
      // A posting that started after the close returned can only have been moved.
      for (const p of posted.filter((x) => x.startedAt > closedAt)) expect(moved).toContain(p);

      // The stored closing balance of CASH equals the sum of every line dated before the month's end.
      const cash = await prisma.financeClosingBalance.findFirstOrThrow({
        where: { accountId: BigInt(m.accounts.CASH!), period: month.name, deletedAt: null },
      });
      const lines = await prisma.financeTransaction.findMany({
        where: { accountId: BigInt(m.accounts.CASH!), postedAt: { lt: month.end } },
      });
      const sum = lines.reduce(
        (s, l) =>
          s.plus(new Decimal(l.amount.toString()).times(balanceSign('DEBIT', l.direction as Direction))),
        new Decimal(0),
      );
      expect(cash.balance.toFixed(4)).toBe(sum.toFixed(4));
    }
    await expectLedgerSound(m.merchantId);
  });
});

describe('trial balance by period', () => {
  it('equals the one computed from all lines, for closed and open months', async () => {
    const random = seededRandom('period-trial-balance');
    const m = await createTestMerchant(prisma, logs.logger);
    const codes = ['CASH', 'BANK', 'OWNER_EQUITY', 'RECEIVABLE', 'PAYABLE'];
    for (let i = 0; i < 60; i += 1) {
      const month = 1 + Math.floor(random() * 4);
      const day = 1 + Math.floor(random() * 27);
      const [debit, credit] = [codes[Math.floor(random() * 5)]!, codes[Math.floor(random() * 5)]!];
      if (debit === credit) continue;
      const amount = `${1 + Math.floor(random() * 500)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`;
      await postPlan(deps(), {
        ...transfer(m, `2023-0${month}-${String(day).padStart(2, '0')}T10:00:00Z`),
        lines: [
          { account: { id: m.accounts[debit]! }, direction: 'DEBIT', amount },
          { account: { id: m.accounts[credit]! }, direction: 'CREDIT', amount },
        ],
      });
    }
    await close(m.merchantId, '2023-01');
    await close(m.merchantId, '2023-02');
    const closedUntil = (await listPeriods(db(), m.merchantId))!.closedUntil;
    const all = await prisma.financeTransaction.findMany({ where: { merchantId: BigInt(m.merchantId) } });
    const accounts = await prisma.financeAccount.findMany({ where: { merchantId: BigInt(m.merchantId) } });
    for (const name of ['2023-01', '2023-02', '2023-03', '2023-04']) {
      const period = parsePeriod(name);
      const report = periodTrialBalance(
        await periodAccountSums(db(), m.merchantId, period, closedUntil ? new Date(closedUntil) : null),
      );
      expect(report.balanced).toBe(true);
      for (const a of accounts) {
        const sign = (d: string) => balanceSign(a.normalBalance as Direction, d as Direction);
        const mine = all.filter((l) => l.accountId === a.id);
        const net = (ls: typeof mine) =>
          ls.reduce(
            (s, l) => s.plus(new Decimal(l.amount.toString()).times(sign(l.direction))),
            new Decimal(0),
          );
        const inMonth = mine.filter((l) => l.postedAt >= period.start && l.postedAt < period.end);
        const sum = (d: Direction) =>
          inMonth
            .filter((l) => l.direction === d)
            .reduce((s, l) => s.plus(l.amount.toString()), new Decimal(0));
        const row = report.accounts.find((r) => r.accountId === a.id.toString())!;
        expect({ ...row, period: name }).toMatchObject({
          opening: net(mine.filter((l) => l.postedAt < period.start)).toFixed(2),
          debit: sum('DEBIT').toFixed(2),
          credit: sum('CREDIT').toFixed(2),
          closing: net(mine.filter((l) => l.postedAt < period.end)).toFixed(2),
        });
      }
    }
  });
});
