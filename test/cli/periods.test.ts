import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { runPeriodCommand } from '../../src/cli/periods.js';
import { runVoucher } from '../../src/cli/voucher.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { verifyLedger } from '../../src/db/invariants.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';

/** `npm run finance -- period close|reopen`: the operator's side of the periods API, with a readable summary. */
describe('finance period', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  const printed: string[] = [];
  const out = { line: (t: string) => printed.push(t) };
  const run = async (action: string | undefined, opts: Record<string, string>) => {
    printed.length = 0;
    const code = await runPeriodCommand(dbOf(prisma), out, action, opts);
    return { code, text: printed.join('\n') };
  };

  beforeAll(async () => {
    prisma = await testPrisma();
  });
  afterAll(async () => {
    await prisma?.$disconnect();
  });

  it('closes, says when nothing changed, refuses out of order, reopens with a reason; voucher shows the dates', async () => {
    const m = await createTestMerchant(prisma, logger);
    const merchant = m.merchantId;
    const post = (postedAt: string) =>
      postPlan(
        { db: dbOf(prisma), ids: testIds, logger },
        {
          merchantId: merchant,
          voucherType: 'TRANSFER',
          sourceType: 'test',
          sourceId: uniqueName('src'),
          postedAt,
          description: 'cli periods',
          createdBy: 'test',
          lines: [
            { account: { id: m.accounts.CASH! }, direction: 'DEBIT', amount: '3.00' },
            { account: { id: m.accounts.BANK! }, direction: 'CREDIT', amount: '3.00' },
          ],
        },
      );
    await post('2025-06-03T00:00:00Z');
    await post('2025-08-03T00:00:00Z');

    expect(await run('close', { merchant, period: '2025-08' })).toMatchObject({
      code: 1,
      text: expect.stringContaining('Refused: period 2025-06 has vouchers and is still open'),
    });
    expect(await run('close', { merchant, period: '2025-06' })).toMatchObject({
      code: 0,
      text: `Closed 2025-06 for merchant ${merchant}; closing balances stored. Now closed through 2025-06.`,
    });
    expect((await run('close', { merchant, period: '2025-08' })).text).toContain('Closed 2025-07, 2025-08');
    expect(await run('close', { merchant, period: '2025-07' })).toMatchObject({
      code: 0,
      text: expect.stringContaining('was already closed: nothing changed'),
    });
    expect(await run('reopen', { merchant, period: '2025-08' })).toMatchObject({
      code: 2,
      text: expect.stringContaining('--reason is required'),
    });
    expect(await run('reopen', { merchant, period: '2025-07', reason: 'x' })).toMatchObject({
      code: 1,
      text: expect.stringContaining('only the latest closed period, 2025-08'),
    });
    const reopened = await run('reopen', { merchant, period: '2025-08', reason: 'bank fee missing' });
    expect(reopened.code).toBe(0);
    expect(reopened.text).toContain('Reopened 2025-08');
    expect(reopened.text).toContain('Now closed through 2025-07');
    const row = await prisma.financePeriod.findFirstOrThrow({
      where: { merchantId: BigInt(merchant), period: '2025-08' },
    });
    expect(row.reopenedBy).toMatch(/^cli:/);
    expect(row.reopenReason).toBe('bank fee missing');

    expect((await run('close', { merchant: 'abc', period: '2025-08' })).code).toBe(2);
    expect((await run('close', { merchant, period: '2025-8' })).code).toBe(1);
    expect((await run('open', { merchant, period: '2025-08' })).code).toBe(2);
    expect((await run('close', { merchant: '9123456789012', period: '2025-01' })).text).toBe(
      'No merchant 9123456789012.',
    );

    const late = await post('2025-07-20T00:00:00Z');
    printed.length = 0;
    expect(await runVoucher(dbOf(prisma), out, late.voucherId)).toBe(0);
    expect(printed.join('\n')).toMatch(/posted 2025-08-01T00:00:00.000Z, recorded 20\d\d-/);
    expect(printed.join('\n')).toContain('requested 2025-07-20T00:00:00.000Z (period 2025-07 was closed)');
    const failed = (await verifyLedger(dbOf(prisma), { merchantId: merchant })).filter(
      (r) => r.violations.length,
    );
    expect(failed).toEqual([]);
  });
});
