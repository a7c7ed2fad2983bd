import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { EVERY_MERCHANT } from '../../src/db/tenancy.js';
import { findVoucher } from '../../src/db/vouchers.js';
import { formatMoney, money, sumMoney } from '../../src/domain/money.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { seededRandom, testSeed } from '../support/seed.js';

/**
 * The voucher renderer is SQL (db/vouchers.ts, shared by the API and the
 * voucher stream); its money and time formats must be the domain's:
 * formatMoney and toISOString.
 */
const { logger } = capturingLogger();
let prisma: PrismaClient;
beforeAll(async () => {
  prisma = await testPrisma();
});
afterAll(async () => {
  await prisma.$disconnect();
});

describe('the SQL voucher renderer', () => {
  it('formats amounts and balances as formatMoney does, and times as toISOString', async () => {
    const random = seededRandom('voucher-json amounts');
    const fixed = [
      '0.01',
      '0.1',
      '1',
      '12.3',
      '12.34',
      '12.345',
      '12.3405',
      '12.3400',
      '100',
      '99999999.9999',
    ];
    const drawn = Array.from({ length: 30 }, () => {
      const units = Math.floor(random() * 10 ** (1 + Math.floor(random() * 9)));
      const fraction = Math.floor(random() * 10_000)
        .toString()
        .padStart(4, '0')
        .slice(0, 1 + Math.floor(random() * 4));
      const amount = `${units}.${fraction}`;
      // A line of zero is refused by the ledger; the draw stands for any positive amount.
      return /^0\.0*$/.test(amount) ? '0.0001' : amount;
    });
    const amounts = [...fixed, ...drawn];
    const m = await createTestMerchant(prisma, logger);
    const posted = await postPlan(
      { db: dbOf(prisma), ids: testIds, logger },
      {
        merchantId: m.merchantId,
        voucherType: 'SALE',
        sourceType: 'sale.order',
        sourceId: uniqueName('order'),
        currency: 'USD',
        postedAt: '2026-11-25T10:00:00.123Z',
        description: 'formats',
        createdBy: 'system',
        lines: [
          ...amounts.map((amount) => ({
            account: { code: 'RECEIVABLE' },
            direction: 'DEBIT' as const,
            amount,
          })),
          {
            account: { code: 'SALES_REVENUE' },
            direction: 'CREDIT' as const,
            amount: sumMoney(amounts.map(money)).toFixed(4),
          },
        ],
      },
    );
    const voucher = (await findVoucher(dbOf(prisma), EVERY_MERCHANT, posted.voucherId))!;
    const lines = await prisma.financeTransaction.findMany({
      where: { financeVoucherId: BigInt(posted.voucherId) },
      orderBy: { lineNumber: 'asc' },
    });
    expect(
      voucher.lines.map((l) => [l.amount, l.balanceAfter]),
      `seed ${testSeed()}`,
    ).toEqual(lines.map((l) => [formatMoney(l.amount.toFixed(4)), formatMoney(l.balanceAfter.toFixed(4))]));
    const stored = await prisma.financeVoucher.findUniqueOrThrow({ where: { id: BigInt(posted.voucherId) } });
    expect(voucher.postedAt).toBe('2026-11-25T10:00:00.123Z');
    expect(voucher.createdAt).toBe(stored.createdAt.toISOString());
  });
});
