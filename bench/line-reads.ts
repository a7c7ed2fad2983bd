import type pg from 'pg';
import { applyMerchantChange } from '../src/activities/merchants.js';
import { postPlan } from '../src/activities/posting.js';
import { accountLines, lineSumsAt, merchantLineSumsAt } from '../src/db/account-ledger.js';
import { listAccounts } from '../src/db/accounts.js';
import { closePrisma, createPrisma, poolOf, type Prisma } from '../src/db/client.js';
import { type Db, dbOf } from '../src/db/executor.js';
import { applyMigrations } from '../src/db/migrate.js';
import { EVERY_MERCHANT } from '../src/db/tenancy.js';
import { balanceOf, trialBalance } from '../src/domain/trial-balance.js';
import { IdGenerator } from '../src/lib/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { ensureDatabase } from './ledger.js';
import { fmt } from './stats.js';

/**
 * `npm run bench line-reads`: the API's date-ranged reads of one account with
 * a long history — GET /accounts/:id/transactions?from=&to=, GET
 * /accounts/:id/balance?at= and the trial balance — each run through the
 * API's own repository functions: its plan (EXPLAIN ANALYZE, as a custom plan and
 * as the generic plan a prepared statement may switch to after five runs) and
 * its median time over repeated runs on the pool, as the API runs it.
 *
 * Builds once, in its own database (`seller_finance_line_reads`, or
 * LINE_READS_DB), a merchant
 * whose CASH account has LINE_READS_LINES lines (default 50,000) over two
 * years, every hundredth one a late event dated three days back; the other
 * side of each voucher rotates over nine other accounts.
 */
const LINES = Number(process.env.LINE_READS_LINES ?? 50_000);
const RUNS = Number(process.env.LINE_READS_RUNS ?? 30);
const MERCHANT = '7700000001';
const START = Date.parse('2025-01-01T00:00:00Z');
const SPAN_MS = 2 * 365 * 24 * 3600 * 1000;
const COUNTER_ACCOUNTS = ['BANK', 'RECEIVABLE', 'INVENTORY', 'PAYABLE', 'OWNER_EQUITY', 'SALES_REVENUE'];
const DAY = 24 * 3600 * 1000;

export async function runLineReadsBench(): Promise<void> {
  const base = process.env.BENCH_DB_BASE ?? 'postgresql://postgres:postgres@127.0.0.1:5432';
  const dbUrl = `${base}/${process.env.LINE_READS_DB ?? 'seller_finance_line_reads'}`;
  await ensureDatabase(dbUrl);
  await applyMigrations({ databaseUrl: dbUrl });
  const prisma = createPrisma({ url: dbUrl, poolSize: 4, applicationName: 'bench-line-reads' });
  try {
    const cash = await buildHistory(dbOf(prisma));
    const pool = poolOf(prisma)!;
    await pool.query('ANALYZE finance."FinanceTransaction"');
    const indexes = await pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'finance' AND tablename = 'FinanceTransaction' ORDER BY 1`,
    );
    console.log(
      `\nline reads: account CASH ${cash.id} with ${cash.lines} lines; indexes on FinanceTransaction:`,
    );
    for (const r of indexes.rows) console.log(`  ${r.indexname}`);

    const end = START + SPAN_MS;
    const balanceAt = async (db: Db, at: Date) => balanceOf('DEBIT', await lineSumsAt(db, cash.id, at));
    const trialBalanceAt = async (db: Db, at: Date) =>
      trialBalance(await merchantLineSumsAt(db, MERCHANT, at));
    const reads: [string, (sql: Db) => Promise<unknown>][] = [
      ['transactions, first page, no range', (sql) => accountLines(sql, cash.id, {}, 50)],
      [
        'transactions, the last 30 days',
        (sql) => accountLines(sql, cash.id, { from: new Date(end - 30 * DAY), to: new Date(end) }, 50),
      ],
      [
        'transactions, a month a year and a half ago',
        (sql) =>
          accountLines(
            sql,
            cash.id,
            { from: new Date(START + 60 * DAY), to: new Date(START + 90 * DAY) },
            50,
          ),
      ],
      [
        'transactions, one day two years ago',
        (sql) =>
          accountLines(
            sql,
            cash.id,
            { from: new Date(START + 10 * DAY), to: new Date(START + 11 * DAY) },
            50,
          ),
      ],
      [
        'transactions, the whole two years',
        (sql) => accountLines(sql, cash.id, { from: new Date(START), to: new Date(end) }, 50),
      ],
      ['balance at yesterday', (sql) => balanceAt(sql, new Date(end - DAY))],
      ['balance at a month after the start', (sql) => balanceAt(sql, new Date(START + 30 * DAY))],
      ['trial balance at a month after the start', (sql) => trialBalanceAt(sql, new Date(START + 30 * DAY))],
      ['trial balance at yesterday', (sql) => trialBalanceAt(sql, new Date(end - DAY))],
    ];
    const client = await pool.connect();
    try {
      for (const [name, read] of reads) {
        console.log(`\n### ${name}`);
        for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
          await client.query(`SET plan_cache_mode = ${mode}`);
          const plans = await explain(client, read);
          console.log(`-- ${mode === 'force_custom_plan' ? 'custom plan' : 'generic plan'}:`);
          for (const plan of plans) console.log(plan);
        }
        await client.query('RESET plan_cache_mode');
        const times: number[] = [];
        const sql = dbOf(prisma);
        for (let i = 0; i < RUNS; i += 1) {
          const t0 = performance.now();
          await read(sql);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        console.log(
          `-- through the API's prepared statements, ${RUNS} runs: median ${fmt(times[Math.floor(RUNS / 2)]!)} ms, max ${fmt(times[RUNS - 1]!)} ms`,
        );
      }
    } finally {
      client.release();
    }
  } finally {
    await closePrisma(prisma);
  }
}

/** Runs a read with every statement it sends EXPLAINed (as a prepared statement) before it runs. */
async function explain(client: pg.PoolClient, read: (sql: Db) => Promise<unknown>): Promise<string[]> {
  const plans: string[] = [];
  const explaining: Db = {
    async query<T>(s: Prisma.Sql) {
      await client.query('DEALLOCATE ALL');
      await client.query(`PREPARE line_read AS ${s.text}`);
      // EXECUTE takes its arguments as literals, not as bind parameters.
      const args = s.values.map((v) => literal(client, v)).join(', ');
      const res = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) EXECUTE line_read${args ? `(${args})` : ''}`,
      );
      plans.push(res.rows.map((r) => `   ${r['QUERY PLAN']}`).join('\n'));
      return (await client.query({ text: s.text, values: s.values as unknown[] })).rows as T[];
    },
    execute: () => Promise.resolve(0),
    transaction: (fn) => fn(explaining),
  };
  await read(explaining);
  return plans;
}

function literal(client: pg.PoolClient, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return client.escapeLiteral(value.toISOString());
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return client.escapeLiteral(String(value));
}

/** The merchant and its CASH history; posts only what an earlier run did not. */
async function buildHistory(db: Db): Promise<{ id: string; lines: number }> {
  const ids = new IdGenerator(12);
  const logger = createLogger({ level: 'error' });
  const deps = { db, ids, logger };
  await applyMerchantChange(deps, {
    op: 'c',
    position: '1',
    merchant: { id: MERCHANT, name: 'Line reads', currency: 'USD', status: 'ACTIVE' },
  });
  const cashOf = async () =>
    (await listAccounts(db, EVERY_MERCHANT, { merchantId: MERCHANT, code: 'CASH' }, null, 1))[0]!;
  const cash = await cashOf();
  let next = cash.postingSequence;
  if (next < LINES) console.log(`line reads: posting ${LINES - next} vouchers (once per database)…`);
  const post = async (i: number) => {
    const late = i % 100 === 99 ? 3 * DAY : 0;
    const postedAt = new Date(START + Math.floor((i * SPAN_MS) / LINES) - late).toISOString();
    const other = { code: COUNTER_ACCOUNTS[i % COUNTER_ACCOUNTS.length]! };
    const cashSide = { code: 'CASH' };
    await postPlan(deps, {
      merchantId: MERCHANT,
      voucherType: 'ADJUSTMENT',
      sourceType: 'bench.line-reads',
      sourceId: String(i),
      postedAt,
      description: `line ${i}`,
      reason: 'correction',
      createdBy: 'bench',
      lines: [
        { account: i % 2 ? cashSide : other, direction: 'DEBIT', amount: `${(i % 997) + 1}.25` },
        { account: i % 2 ? other : cashSide, direction: 'CREDIT', amount: `${(i % 997) + 1}.25` },
      ],
    });
  };
  while (next < LINES) {
    const batch = Array.from({ length: Math.min(8, LINES - next) }, (_, k) => next + k);
    await Promise.all(batch.map(post));
    next += batch.length;
  }
  // The account's posting sequence counts its lines (db/invariants.ts: balance-equals-lines).
  return { id: cash.id, lines: (await cashOf()).postingSequence };
}
