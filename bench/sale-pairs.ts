import { applyMerchantChange } from '../src/activities/merchants.js';
import { type LedgerDeps, postPlan } from '../src/activities/posting.js';
import { closePrisma, createPrisma, Prisma } from '../src/db/client.js';
import { dbOf } from '../src/db/executor.js';
import { applyMigrations } from '../src/db/migrate.js';
import { planForEvent } from '../src/domain/event-plans.js';
import { type PostingPlan } from '../src/domain/posting-plan.js';
import { IdGenerator } from '../src/lib/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { ensureDatabase } from './ledger.js';
import { closedLoop, fmt, summarize } from './stats.js';

/**
 * A sale's two vouchers (SALE and COGS, planned as the workflow plans them):
 * posted as two statements, each its own commit (what the service does),
 * against one transaction with both (`together`, below: the lever issue 14
 * asked to measure; BENCHMARKS.md). Sales per second with 8 concurrent
 * callers, on one merchant (its number counter serializes them) and spread
 * over 100, the two ways alternated in the same run, and the ratio
 * together/separate. `npm run bench sale-pairs` (BENCH_SECONDS, BENCH_ROUNDS: 2).
 */
export async function runSalePairsBench(dbUrl: string, seconds: number): Promise<void> {
  await ensureDatabase(dbUrl);
  await applyMigrations({ databaseUrl: dbUrl });
  const prisma = createPrisma({ url: dbUrl, poolSize: 10, applicationName: 'bench-sale-pairs' });
  const deps = { db: dbOf(prisma), ids: new IdGenerator(13), logger: createLogger({ level: 'error' }) };
  const run = Date.now().toString(36);
  const base = BigInt(Date.now()) * 1000n;
  const merchants: string[] = [];
  for (let i = 0; i < 100; i += 1) {
    const id = (base + BigInt(i)).toString();
    await applyMerchantChange(deps, {
      op: 'c',
      position: '1',
      merchant: { id, name: `sale pairs ${run} ${i}`, currency: 'USD', status: 'ACTIVE' },
    });
    merchants.push(id);
  }
  let seq = 0;
  const sale = (merchantId: string): PostingPlan[] => {
    seq += 1;
    const plan = planForEvent({
      id: `${run}-${seq}`,
      type: 'sale.order.completed',
      merchantId,
      occurredAt: new Date().toISOString(),
      data: {
        orderId: `${run}-${seq}`,
        orderNumber: `SO-${seq}`,
        currency: 'USD',
        total: '25.00',
        costTotal: '10.00',
      },
    });
    if (plan.kind !== 'post' || plan.plans.length !== 2)
      throw new Error('a sale with cost plans two vouchers');
    return plan.plans;
  };
  const ways = {
    separate: async (plans: PostingPlan[]) => {
      for (const p of plans) await postPlan(deps, p);
    },
    together: (plans: PostingPlan[]) => together(deps, plans),
  };
  console.log(`\nA sale's SALE + COGS: two commits or one transaction; 8 callers, ${seconds} s each`);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  for (const scenario of ['one merchant', 'spread'] as const) {
    const pick = () =>
      scenario === 'spread' ? merchants[Math.floor(Math.random() * merchants.length)]! : merchants[0]!;
    const rate: Record<keyof typeof ways, number[]> = { separate: [], together: [] };
    for (let r = 0; r < rounds; r += 1) {
      for (const way of ['separate', 'together'] as const) {
        const m = summarize(await closedLoop(8, seconds, () => ways[way](sale(pick()))));
        rate[way].push(m.perSecond);
        console.log(
          `  ${scenario.padEnd(12)} ${way.padEnd(8)} ${fmt(m.perSecond).padStart(5)} sales/s  p50 ${fmt(m.p50, 1)} ms  p99 ${fmt(m.p99, 1)} ms  errors ${m.errors}`,
        );
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `  ${scenario.padEnd(12)} together / separate: ${fmt(mean(rate.together) / mean(rate.separate), 2)}`,
    );
  }
  await closePrisma(prisma);
}

/**
 * Both vouchers in one transaction. To keep the posting statement's lock
 * order (gate → accounts → number counter → outbox sequence) across two
 * statements, the transaction first takes the gate and every account both
 * touch; otherwise the counter, held from the first statement to the
 * commit, would be held while the second waits for an account (a deadlock
 * with any posting that holds that account and waits for the counter). The
 * counter and the outbox sequence are then held across one more client
 * round trip per sale: that is what the measurement weighs against the
 * commit it saves.
 */
async function together(deps: LedgerDeps, plans: PostingPlan[]): Promise<void> {
  const merchantId = plans[0]!.merchantId;
  const codes = plans.flatMap((p) => p.lines.flatMap((l) => ('code' in l.account ? [l.account.code] : [])));
  await deps.db.transaction(async (tx) => {
    await tx.query(Prisma.sql`
      WITH gate AS (SELECT finance.period_closed_until(${merchantId}::bigint))
      SELECT a.id FROM finance."FinanceAccount" a
       WHERE a.merchant_id = ${merchantId}::bigint AND a.code = ANY(${codes}::text[]) AND a.deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM gate)
       ORDER BY a.id
         FOR UPDATE OF a`);
    for (const plan of plans) await postPlan({ ...deps, db: tx }, plan);
  });
}
