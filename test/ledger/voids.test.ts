import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { voidVoucher } from '../../src/activities/voids.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { verifyLedger } from '../../src/db/invariants.js';
import type { LedgerError } from '../../src/domain/errors.js';
import { planForEvent } from '../../src/domain/event-plans.js';
import { type PostingEvent } from '../../src/domain/events.js';
import { type PostingPlan } from '../../src/domain/posting-plan.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';

let prisma: PrismaClient;
const logs = capturingLogger('info');
const deps = () => ({ db: dbOf(prisma), ids: testIds, logger: logs.logger });

beforeAll(async () => {
  prisma = await testPrisma();
});
afterAll(async () => {
  await prisma.$disconnect();
});

const sale = (merchantId: string): PostingEvent => ({
  id: uniqueName('evt'),
  type: 'sale.order.completed',
  merchantId,
  occurredAt: '2026-11-25T10:00:00Z',
  data: {
    orderId: uniqueName('order'),
    orderNumber: 'SO-1',
    currency: 'USD',
    total: '120.00',
    costTotal: '70.00',
  },
});

function plansOf(event: PostingEvent): PostingPlan[] {
  const outcome = planForEvent(event);
  if (outcome.kind !== 'post') throw new Error('expected postings');
  return outcome.plans;
}

async function linesOf(voucherId: string) {
  const rows = await prisma.financeTransaction.findMany({
    where: { financeVoucherId: BigInt(voucherId) },
    orderBy: { lineNumber: 'asc' },
  });
  return rows.map((r) => ({
    accountId: r.accountId.toString(),
    direction: r.direction,
    amount: r.amount.toFixed(4),
  }));
}

describe('voidVoucher', () => {
  it('posts a mirrored REVERSAL, marks the original VOIDED, and answers a second void with the same reversal', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const event = sale(m.merchantId);
    const [salePlan] = plansOf(event);
    const original = (await postPlan(deps(), salePlan!))!;

    const reversal = await voidVoucher(deps(), {
      voucherId: original.voucherId,
      reason: 'customer cancelled',
      requestedBy: 'user-1',
    });
    expect(reversal).toMatchObject({
      voucherType: 'REVERSAL',
      voucherNumber: 'RV-' + new Date().getUTCFullYear() + '-000001',
      replayed: false,
    });
    const originalLines = await linesOf(original.voucherId);
    const reversalLines = await linesOf(reversal.voucherId);
    expect(reversalLines).toEqual(
      originalLines.map((l) => ({ ...l, direction: l.direction === 'DEBIT' ? 'CREDIT' : 'DEBIT' })),
    );
    const [o, r] = await Promise.all([
      prisma.financeVoucher.findUniqueOrThrow({ where: { id: BigInt(original.voucherId) } }),
      prisma.financeVoucher.findUniqueOrThrow({ where: { id: BigInt(reversal.voucherId) } }),
    ]);
    expect([o.status, o.reversedById?.toString()]).toEqual(['VOIDED', reversal.voucherId]);
    expect([r.status, r.reversalOfId?.toString(), r.createdBy]).toEqual([
      'POSTED',
      original.voucherId,
      'user-1',
    ]);

    const again = await voidVoucher(deps(), {
      voucherId: original.voucherId,
      reason: 'again',
      requestedBy: 'user-2',
    });
    expect(again).toMatchObject({ voucherId: reversal.voucherId, replayed: true });

    // The books are back where they started, and the original's source still can't post again.
    const accounts = await prisma.financeAccount.findMany({
      where: { merchantId: BigInt(m.merchantId), code: { in: ['RECEIVABLE', 'SALES_REVENUE'] } },
    });
    expect(accounts.map((a) => [a.code, a.balance.toFixed(2), a.postingSequence])).toEqual(
      expect.arrayContaining([
        ['RECEIVABLE', '0.00', 2n],
        ['SALES_REVENUE', '0.00', 2n],
      ]),
    );
    const replay = await postPlan(deps(), plansOf(event)[0]!);
    expect(replay).toMatchObject({ voucherId: original.voucherId, replayed: true, status: 'VOIDED' });
    const results = await verifyLedger(dbOf(prisma), { merchantId: m.merchantId });
    expect(results.flatMap((x) => x.violations)).toEqual([]);
  });

  it('concurrent voids of one voucher post one reversal', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const original = (await postPlan(deps(), plansOf(sale(m.merchantId))[0]!))!;
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        voidVoucher(deps(), { voucherId: original.voucherId, reason: `race ${i}`, requestedBy: 'u' }),
      ),
    );
    expect(new Set(answers.map((a) => a.voucherId)).size).toBe(1);
    expect(
      await prisma.financeVoucher.count({ where: { merchantId: BigInt(m.merchantId), type: 'REVERSAL' } }),
    ).toBe(1);
  });

  it('refuses COGS, INVENTORY_ADJUSTMENT and REVERSAL vouchers, and unknown ones', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const [salePlan, cogsPlan] = plansOf(sale(m.merchantId));
    const saleVoucher = (await postPlan(deps(), salePlan!))!;
    const cogs = (await postPlan(deps(), cogsPlan!))!;
    const adjustment = (await postPlan(
      deps(),
      plansOf({
        id: uniqueName('evt'),
        type: 'inventory.adjusted',
        merchantId: m.merchantId,
        occurredAt: '2026-11-25T10:00:00Z',
        data: { adjustmentId: uniqueName('adj'), currency: 'USD', valueDelta: '-3.50', reason: 'breakage' },
      })[0]!,
    ))!;
    const reversal = await voidVoucher(deps(), {
      voucherId: saleVoucher.voucherId,
      reason: 'x',
      requestedBy: 'u',
    });
    for (const v of [cogs, adjustment, reversal]) {
      const err = (await voidVoucher(deps(), { voucherId: v.voucherId, reason: 'x', requestedBy: 'u' }).catch(
        (e: unknown) => e,
      )) as LedgerError;
      expect(err.code, v.voucherType).toBe('VOUCHER_NOT_VOIDABLE');
      expect(err.retryable).toBe(false);
    }
    const missing = (await voidVoucher(deps(), { voucherId: '123', reason: 'x', requestedBy: 'u' }).catch(
      (e: unknown) => e,
    )) as LedgerError;
    expect(missing.code).toBe('VOUCHER_NOT_FOUND');
    const otherTenant = (await voidVoucher(deps(), {
      voucherId: cogs.voucherId,
      merchantId: '1',
      reason: 'x',
      requestedBy: 'u',
    }).catch((e: unknown) => e)) as LedgerError;
    expect(otherTenant.code).toBe('VOUCHER_NOT_FOUND');
  });
});
