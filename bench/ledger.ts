import pg from 'pg';
import { postPlan } from '../src/activities/posting.js';
import { applyMerchantChange } from '../src/activities/merchants.js';
import { insertAccount, listAccounts } from '../src/db/accounts.js';
import { closePrisma, createPrisma } from '../src/db/client.js';
import { dbOf } from '../src/db/executor.js';
import { EVERY_MERCHANT } from '../src/db/tenancy.js';
import { applyMigrations } from '../src/db/migrate.js';
import { type PostingPlan } from '../src/domain/posting-plan.js';
import { IdGenerator } from '../src/lib/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { closedLoop, fmt, summarize } from './stats.js';
import { findPgbench, prepareYardstick, runYardstick, type YardstickScenario } from './yardstick.js';

/**
 * Ledger-core benchmark: post vouchers by calling the posting code directly
 * (no Kafka, no Temporal) with concurrent callers in three scenarios, each
 * beside the raw-SQL yardstick of the same scenario (bench/yardstick.ts) run
 * in the same invocation, and report the ratio.
 */
const SCENARIOS = ['spread', 'one-merchant', 'hot-account'] as const;
type Scenario = (typeof SCENARIOS)[number];
const YARDSTICK_OF: Record<Scenario, YardstickScenario> = {
  spread: 'spread',
  'one-merchant': 'one-merchant-number-last',
  'hot-account': 'hot-account',
};

export interface LedgerBenchOptions {
  dbUrl: string;
  yardstickUrl: string;
  seconds: number;
  callers: number;
}

export async function runLedgerBench(opts: LedgerBenchOptions) {
  const pgbench = findPgbench();
  await prepareYardstick(opts.yardstickUrl);
  await applyMigrations({ databaseUrl: opts.dbUrl });
  const prisma = createPrisma({ url: opts.dbUrl, poolSize: opts.callers + 2, applicationName: 'bench' });
  const ids = new IdGenerator(9);
  const logger = createLogger({ level: 'error' });
  const deps = { db: dbOf(prisma), ids, logger };
  const run = Date.now().toString(36);
  const merchants = await createMerchants(deps, 100, run);
  const rows: string[][] = [];
  console.log(`\nLedger posting: ${opts.callers} concurrent callers, ${opts.seconds} s per scenario`);
  for (const scenario of SCENARIOS) {
    const yardstick = runYardstick(
      opts.yardstickUrl,
      YARDSTICK_OF[scenario],
      opts.callers,
      opts.seconds,
      pgbench,
    );
    const plan = planner(scenario, merchants, run);
    const m = summarize(await closedLoop(opts.callers, opts.seconds, (c, i) => postPlan(deps, plan(c, i))));
    const ratio = m.perSecond / yardstick;
    rows.push([
      scenario,
      fmt(m.perSecond),
      fmt(m.p50, 1),
      fmt(m.p99, 1),
      String(m.errors),
      fmt(yardstick),
      fmt(ratio, 2),
    ]);
    console.log(
      `  ${scenario.padEnd(13)} ${fmt(m.perSecond).padStart(6)} vouchers/s  p50 ${fmt(m.p50, 1)} ms  p99 ${fmt(m.p99, 1)} ms  errors ${m.errors}  yardstick ${fmt(yardstick)}/s  ratio ${fmt(ratio, 2)}`,
    );
  }
  await closePrisma(prisma);
  return rows;
}

interface BenchMerchant {
  id: string;
  accounts: string[];
}

async function createMerchants(
  deps: Parameters<typeof applyMerchantChange>[0],
  n: number,
  run: string,
): Promise<BenchMerchant[]> {
  const base = BigInt(Date.now()) * 1000n;
  const merchants: BenchMerchant[] = [];
  for (let i = 0; i < n; i += 1) {
    const id = (base + BigInt(i)).toString();
    await applyMerchantChange(deps, {
      op: 'c',
      position: '1',
      merchant: { id, name: `bench ${run} ${i}`, currency: 'USD', status: 'ACTIVE' },
    });
    // 20 accounts per merchant: the 11 defaults and 9 more, all DEBIT-normal assets or defaults.
    for (let k = 0; k < 9; k += 1) {
      await insertAccount(deps.db, {
        id: deps.ids.nextString(),
        merchantId: id,
        code: `BENCH_${k}`,
        name: `Bench ${k}`,
        type: 'ASSET',
        normalBalance: 'DEBIT',
      });
    }
    const accounts = await listAccounts(deps.db, EVERY_MERCHANT, { merchantId: id }, null, 100);
    merchants.push({ id, accounts: accounts.map((a) => a.id) });
  }
  return merchants;
}

function planner(scenario: Scenario, merchants: BenchMerchant[], run: string) {
  let seq = 0;
  return (caller: number, i: number): PostingPlan => {
    seq += 1;
    const merchant =
      scenario === 'spread' ? merchants[Math.floor(Math.random() * merchants.length)]! : merchants[0]!;
    const pick = () => merchant.accounts[Math.floor(Math.random() * merchant.accounts.length)]!;
    const debit = scenario === 'hot-account' ? merchant.accounts[0]! : pick();
    let credit = pick();
    if (credit === debit)
      credit = merchant.accounts[(merchant.accounts.indexOf(debit) + 1) % merchant.accounts.length]!;
    return {
      merchantId: merchant.id,
      voucherType: 'TRANSFER',
      sourceType: `bench.${scenario}`,
      sourceId: `${run}-${caller}-${i}-${seq}`,
      postedAt: new Date().toISOString(),
      description: 'bench',
      createdBy: 'bench',
      lines: [
        { account: { id: debit }, direction: 'DEBIT', amount: '10.00' },
        { account: { id: credit }, direction: 'CREDIT', amount: '10.00' },
      ],
    };
  };
}

export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}
