import { ensureDatabase, runLedgerBench } from './ledger.js';
import { fmt } from './stats.js';
import { prepareYardstick, runYardstick, YARDSTICK_SCENARIOS, YardstickError } from './yardstick.js';

/**
 * `npm run bench [ledger|ingest|api|yardstick|line-reads|period-reads|sale-pairs ...]`: prints figures and ratios
 * to their yardsticks (BENCHMARKS.md records them). Needs the stack (`npm run
 * stack:up`). BENCH_SECONDS sets the length of each measurement (default 15);
 * BENCH_DB_NAME the ledger and ingest benchmarks' database (default seller_finance_bench).
 * `yardstick`, `line-reads`, `period-reads` and `sale-pairs` run only when named.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const base = process.env.BENCH_DB_BASE ?? 'postgresql://postgres:postgres@127.0.0.1:5432';
const which = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wanted = (name: string) => which.length === 0 || which.includes(name);

const yardstickUrl = `${base}/yardstick`;

console.log(`seller-finance benchmarks — ${new Date().toISOString()}, ${seconds} s per measurement`);
try {
  if (which.includes('yardstick')) {
    await ensureDatabase(yardstickUrl);
    await prepareYardstick(yardstickUrl);
    console.log('\nRaw-SQL yardstick: pgbench, 8 clients');
    for (const scenario of YARDSTICK_SCENARIOS)
      console.log(
        `  ${scenario.padEnd(26)} ${fmt(runYardstick(yardstickUrl, scenario, 8, seconds)).padStart(6)} vouchers/s`,
      );
  }
  if (wanted('ledger')) {
    const dbUrl = `${base}/${process.env.BENCH_DB_NAME ?? 'seller_finance_bench'}`;
    await ensureDatabase(dbUrl);
    await ensureDatabase(yardstickUrl);
    await runLedgerBench({ dbUrl, yardstickUrl, seconds, callers: 8 });
  }
} catch (err) {
  if (!(err instanceof YardstickError)) throw err;
  console.error(`\nbench: ${err.message}`);
  process.exit(1);
}
for (const name of ['ingest', 'api'] as const) {
  if (!wanted(name)) continue;
  const path = `./${name}.js`;
  try {
    const mod = (await import(path)) as Record<string, () => Promise<unknown>>;
    await mod[`run${name[0]!.toUpperCase()}${name.slice(1)}Bench`]!();
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND')
      console.log(`\n${name}: benchmark not built yet`);
    else throw err;
  }
}
// Plans rather than throughput, and a 50,000-line history to build once: only when asked for by name.
if (which.includes('line-reads')) {
  const { runLineReadsBench } = await import('./line-reads.js');
  await runLineReadsBench();
}
// Two ways of posting a sale's vouchers: only when asked for by name.
if (which.includes('sale-pairs')) {
  const { runSalePairsBench } = await import('./sale-pairs.js');
  await runSalePairsBench(`${base}/${process.env.BENCH_DB_NAME ?? 'seller_finance_bench'}`, seconds);
}
// A 1,000,000-line history to load once: only when asked for by name.
if (which.includes('period-reads')) {
  const { runPeriodReadsBench } = await import('./period-reads.js');
  await runPeriodReadsBench();
}
process.exit(0);
