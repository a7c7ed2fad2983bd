import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { runVoucher } from '../../src/cli/voucher.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { REFUSED_IN_TEXT } from '../../src/domain/text.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';

/**
 * `npm run finance -- voucher` prints what API users and producers wrote.
 * Rows stored before today's validation (or by a path that skips it) may hold
 * terminal escapes: the command must print them inert.
 */
describe('finance voucher prints stored text inert', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;

  beforeAll(async () => {
    prisma = await testPrisma();
  });
  afterAll(async () => {
    await prisma?.$disconnect();
  });

  it('escapes control characters in the description, source and memos', async () => {
    const { merchantId } = await createTestMerchant(prisma, logger);
    const clearScreen = '\u001b[2J\u001b[H';
    const title = '\u001b]0;owned\u0007';
    const v = await postPlan(
      { db: dbOf(prisma), ids: testIds, logger },
      {
        merchantId,
        voucherType: 'ADJUSTMENT',
        sourceType: 'manual',
        sourceId: uniqueName('k'),
        postedAt: new Date().toISOString(),
        description: `fix ${clearScreen}\u009b31mred\nforged line`,
        reason: 'correction',
        createdBy: 'legacy',
        lines: [
          { account: { code: 'CASH' }, direction: 'DEBIT', amount: '1.00', memo: `memo ${title}` },
          { account: { code: 'BANK' }, direction: 'CREDIT', amount: '1.00', memo: 'rtl \u202eevil' },
        ],
      },
    );
    const printed: string[] = [];
    expect(await runVoucher(dbOf(prisma), { line: (t) => printed.push(t) }, v.voucherId)).toBe(0);
    for (const line of printed) expect(line).not.toMatch(new RegExp(`[${REFUSED_IN_TEXT}]`));
    const text = printed.join('\n');
    expect(printed).toContain('  fix \\x1b[2J\\x1b[H\\x9b31mred\\x0aforged line');
    expect(text).toContain('memo \\x1b]0;owned\\x07');
    expect(text).toContain('rtl \\u202eevil');
  });
});
