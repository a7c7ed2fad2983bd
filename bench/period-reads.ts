import { applyMerchantChange } from '../src/activities/merchants.js';
import { postPlan } from '../src/activities/posting.js';
import { merchantLineSumsAt } from '../src/db/account-ledger.js';
import { listAccounts } from '../src/db/accounts.js';
import { closePrisma, createPrisma, poolOf, Prisma } from '../src/db/client.js';
import { type Db, dbOf } from '../src/db/executor.js';
import { applyMigrations } from '../src/db/migrate.js';
import { closedUntilOf, closePeriod, periodAccountSums } from '../src/db/periods.js';
import { EVERY_MERCHANT } from '../src/db/tenancy.js';
import { parsePeriod, periodsBetween } from '../src/domain/periods.js';
import { periodTrialBalance, trialBalance } from '../src/domain/trial-balance.js';
import { IdGenerator } from '../src/lib/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { ensureDatabase } from './ledger.js';
import { fmt } from './stats.js';

/**
 * `npm run bench period-reads`: the trial balance of one month, by period
 * (GET /reports/trial-balance?period=) and as of its end (?at=), for a
 * merchant with PERIOD_READS_LINES (default 1,000,000) lines in earlier,
 * closed months and one with none, each with the same MONTH_VOUCHERS
 * vouchers in the month itself. Runs the API's own repository functions on
 * the pool, median of RUNS runs, plus the server's EXPLAIN ANALYZE time.
 *
 * The history is bulk-loaded with SQL (a posting per line would take an hour
 * on this machine), once per database (`seller_finance_period_reads`, or
 * PERIOD_READS_DB): vouchers of two lines, CASH against SALES_REVENUE, from
 * 2024-01 to 2026-09, with coherent sequences, running balances and account
 * balances. Those months are then closed through the API's close. The month
 * measured, 2026-10, is posted through the posting statement.
 */
const LINES = Number(process.env.PERIOD_READS_LINES ?? 1_000_000);
const MONTH_VOUCHERS = Number(process.env.PERIOD_READS_MONTH_VOUCHERS ?? 2_000);
const RUNS = Number(process.env.PERIOD_READS_RUNS ?? 20);
const BIG = '7800000001';
const SMALL = '7800000002';
const FIRST = parsePeriod('2024-01');
const LAST_CLOSED = parsePeriod('2026-09');
const MONTH = parsePeriod('2026-10');

export async function runPeriodReadsBench(): Promise<void> {
  const base = process.env.BENCH_DB_BASE ?? 'postgresql://postgres:postgres@127.0.0.1:5432';
  const dbUrl = `${base}/${process.env.PERIOD_READS_DB ?? 'seller_finance_period_reads'}`;
  await ensureDatabase(dbUrl);
  await applyMigrations({ databaseUrl: dbUrl });
  // Loading the history runs minutes-long statements.
  const prisma = createPrisma({
    url: dbUrl,
    poolSize: 4,
    applicationName: 'bench-period-reads',
    statementTimeoutMs: 900_000,
  });
  try {
    const db = dbOf(prisma);
    const ids = new IdGenerator(13);
    const deps = { db, ids, logger: createLogger({ level: 'error' }) };
    for (const id of [BIG, SMALL])
      await applyMerchantChange(deps, {
        op: 'c',
        position: '1',
        merchant: { id, name: `Period reads ${id}`, currency: 'USD', status: 'ACTIVE' },
      });
    await loadHistory(db, BIG);
    for (const merchantId of [BIG, SMALL]) {
      for (const p of periodsBetween(FIRST, LAST_CLOSED))
        await closePeriod(db, { merchantId, period: p, closedBy: 'bench', now: new Date() });
      await postMonth(deps, merchantId);
    }
    await poolOf(prisma)!.query('VACUUM ANALYZE finance."FinanceTransaction"');
    const [{ n }] = (
      await poolOf(prisma)!.query<{ n: string }>(
        `SELECT count(*) AS n FROM finance."FinanceTransaction" WHERE merchant_id = ${BIG} AND posted_at < $1`,
        [MONTH.start],
      )
    ).rows as [{ n: string }];
    console.log(
      `\nperiod reads: trial balance of ${MONTH.name}; merchant ${BIG} has ${n} lines before it (closed), ${SMALL} none; ` +
        `each has ${MONTH_VOUCHERS} vouchers in ${MONTH.name}`,
    );
    const byPeriod = async (merchantId: string) =>
      periodTrialBalance(
        await periodAccountSums(db, merchantId, MONTH, (await closedUntilOf(db, merchantId)) ?? null),
      );
    const atEnd = async (merchantId: string) =>
      trialBalance(await merchantLineSumsAt(db, merchantId, new Date(MONTH.end.getTime() - 1)));
    for (const [name, read] of [
      [`period=${MONTH.name}, ${BIG} (long history)`, () => byPeriod(BIG)],
      [`period=${MONTH.name}, ${SMALL} (no history)`, () => byPeriod(SMALL)],
      [`at=end of ${MONTH.name}, ${BIG} (long history)`, () => atEnd(BIG)],
      [`at=end of ${MONTH.name}, ${SMALL} (no history)`, () => atEnd(SMALL)],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        const t0 = performance.now();
        await read();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      console.log(
        `  ${name.padEnd(48)} median ${fmt(times[Math.floor(RUNS / 2)]!).padStart(8)} ms, max ${fmt(times[RUNS - 1]!).padStart(8)} ms`,
      );
    }
  } finally {
    await closePrisma(prisma);
  }
}

/** Bulk-loads the history of `merchantId` (once): LINES lines spread evenly over FIRST..LAST_CLOSED. */
async function loadHistory(db: Db, merchantId: string): Promise<void> {
  const accounts = await listAccounts(db, EVERY_MERCHANT, { merchantId }, null, 100);
  const cash = accounts.find((a) => a.code === 'CASH')!;
  const revenue = accounts.find((a) => a.code === 'SALES_REVENUE')!;
  if (Number(cash.postingSequence) > 0) return;
  const vouchers = LINES / 2;
  const from = FIRST.start.getTime();
  const span = LAST_CLOSED.end.getTime() - from;
  console.log(`period reads: loading ${LINES} lines for merchant ${merchantId} (once per database)…`);
  await db.transaction(async (tx) => {
    await tx.execute(
      Prisma.raw(`INSERT INTO finance."FinanceVoucher" (id, merchant_id, voucher_number, type, status, source_type, source_id,
                                              description, posted_at, created_by, metadata, created_at, updated_at)
           SELECT g, ${merchantId}, 'AD-BULK-' || g, 'ADJUSTMENT', 'POSTED', 'bench.period-reads', g::text, 'bulk',
                  to_timestamp(${from / 1000} + (g - 1) * ${span / 1000 / vouchers}), 'bench', '{}', now(), now()
             FROM generate_series(1, ${vouchers}) g`),
    );
    await tx.execute(
      Prisma.raw(`INSERT INTO finance."FinanceTransaction" (id, finance_voucher_id, line_number, merchant_id, account_id, direction,
                                                  amount, balance_after, posting_sequence, memo, posted_at, created_at, updated_at)
           SELECT g * 2 + s.n, g, s.n, ${merchantId}, s.account, s.direction::finance."Direction", 10, g * 10, g, NULL,
                  to_timestamp(${from / 1000} + (g - 1) * ${span / 1000 / vouchers}), now(), now()
             FROM generate_series(1, ${vouchers}) g,
                  (VALUES (1, ${cash.id}::bigint, 'DEBIT'), (2, ${revenue.id}::bigint, 'CREDIT')) AS s(n, account, direction)`),
    );
    await tx.execute(
      Prisma.raw(`UPDATE finance."FinanceAccount" SET balance = ${vouchers} * 10, posting_sequence = ${vouchers}
            WHERE id IN (${cash.id}, ${revenue.id})`),
    );
  });
}

/** MONTH_VOUCHERS vouchers in MONTH, through the posting statement, unless an earlier run posted them. */
async function postMonth(deps: Parameters<typeof postPlan>[0], merchantId: string): Promise<void> {
  const ms = MONTH.end.getTime() - MONTH.start.getTime();
  for (let i = 0; i < MONTH_VOUCHERS; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, MONTH_VOUCHERS - i) }, (_, k) =>
        postPlan(deps, {
          merchantId,
          voucherType: 'ADJUSTMENT',
          sourceType: 'bench.period-reads.month',
          sourceId: String(i + k),
          postedAt: new Date(
            MONTH.start.getTime() + Math.floor(((i + k) * ms) / MONTH_VOUCHERS),
          ).toISOString(),
          description: 'month',
          reason: 'correction',
          createdBy: 'bench',
          lines: [
            { account: { code: (i + k) % 2 ? 'CASH' : 'BANK' }, direction: 'DEBIT', amount: '7.25' },
            { account: { code: 'SALES_REVENUE' }, direction: 'CREDIT', amount: '7.25' },
          ],
        }),
      ),
    );
  }
}
