import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { accountLines } from '../../src/db/account-ledger.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';

/**
 * GET /accounts/:id/transactions?from=&to= picks between walking back from
 * the newest line and reading the date range first (src/db/account-ledger.ts).
 * Whichever it picks, every page must hold exactly the lines a brute-force
 * filter and sort would, including late events dated before lines already
 * booked. A small probe cap makes each choice happen on a small account.
 */
describe('account lines by date range: both reading plans give the same pages', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let cash: string;
  const HOUR = 3600_000;
  const START = Date.parse('2026-03-01T00:00:00Z');
  const LINES = 150;
  /** posted_at of each line by posting sequence (1-based): hourly, every 10th a late event 30 h back. */
  const postedAt = (seq: number) => new Date(START + seq * HOUR - (seq % 10 === 0 ? 30 * HOUR : 0));

  beforeAll(async () => {
    prisma = await testPrisma();
    const m = await createTestMerchant(prisma, logger);
    cash = m.accounts.CASH!;
    for (let seq = 1; seq <= LINES; seq += 1) {
      await postPlan(
        { db: dbOf(prisma), ids: testIds, logger },
        {
          merchantId: m.merchantId,
          voucherType: 'ADJUSTMENT',
          sourceType: 'manual',
          sourceId: `lines-${m.merchantId}-${seq}`,
          postedAt: postedAt(seq).toISOString(),
          description: `line ${seq}`,
          reason: 'correction',
          createdBy: 'test',
          lines: [
            { account: { code: 'CASH' }, direction: 'DEBIT', amount: '1.00' },
            { account: { code: 'OWNER_EQUITY' }, direction: 'CREDIT', amount: '1.00' },
          ],
        },
      );
    }
  });

  afterAll(async () => {
    await prisma?.$disconnect();
  });

  const at = (hours: number) => new Date(START + hours * HOUR);
  const ranges: [string, { from?: Date; to?: Date }][] = [
    ['no range', {}],
    ['the newest day', { from: at(LINES - 24), to: at(LINES + 1) }],
    ['an old day, with late events in it', { from: at(20), to: at(44) }],
    ['an old half-day: read first with a cap of 20, over pages of 7', { from: at(20), to: at(32) }],
    ['an old hour', { from: at(31), to: at(32) }],
    ['nothing', { from: at(-100), to: at(-50) }],
    ['from only, in the future', { from: at(LINES + 100) }],
    ['from only', { from: at(100) }],
    ['to only', { to: at(60) }],
    ['everything', { from: at(-100), to: at(LINES + 100) }],
  ];

  it.each(ranges)('%s', async (_name, range) => {
    const expected = Array.from({ length: LINES }, (_, i) => LINES - i).filter(
      (seq) => (!range.from || postedAt(seq) >= range.from) && (!range.to || postedAt(seq) < range.to),
    );
    for (const probeCap of [3, 20, 5_000]) {
      for (const limit of [7, 50]) {
        const seen: number[] = [];
        let beforeSeq: string | null = null;
        for (let page = 0; page < 100; page += 1) {
          const rows = await accountLines(dbOf(prisma), cash, { ...range, beforeSeq }, limit, probeCap);
          const items = rows.slice(0, limit);
          seen.push(...items.map((r) => r.postingSequence));
          for (const r of items) expect(r.postedAt).toBe(postedAt(r.postingSequence).toISOString());
          if (rows.length <= limit) break;
          beforeSeq = String(items.at(-1)!.postingSequence);
        }
        expect(seen, `probe cap ${probeCap}, page size ${limit}`).toEqual(expected);
      }
    }
  });
});
