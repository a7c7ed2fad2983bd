import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type Prisma, poolOf, type PrismaClient } from '../../src/db/client.js';
import { type Db, dbOf } from '../../src/db/executor.js';
import { twoLines } from '../../src/domain/posting-plan.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';

/**
 * The posting statement runs as a prepared statement, and PostgreSQL soon
 * runs those on a generic plan, one that cannot see how few accounts a
 * voucher touches. That plan must still reach the accounts it updates
 * through the voucher's merchant, never by reading every account.
 */
const { logger } = capturingLogger();
let prisma: PrismaClient;
beforeAll(async () => {
  prisma = await testPrisma();
});
afterAll(async () => {
  await prisma.$disconnect();
});

interface PlanNode {
  'Node Type': string;
  Operation?: string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

const descendants = (node: PlanNode): PlanNode[] => [
  node,
  ...(node.Plans ?? []).flatMap((child) => descendants(child)),
];

/** A bound value as SQL text for EXECUTE (the statement casts every parameter itself). */
function literal(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value))
    return `{${value.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/(["\\])/g, '\\$1')}"`)).join(',')}}`;
  return String(value);
}

describe('the posting statement on its generic plan', () => {
  it("updates balances through the voucher's merchant, not a scan of every account", async () => {
    const m = await createTestMerchant(prisma, logger);
    const db = dbOf(prisma);
    let statement: Prisma.Sql | undefined;
    const recording: Db = {
      ...db,
      query: (s, opts) => {
        statement = s;
        return db.query(s, opts);
      },
    };
    const posted = await postPlan(
      { db: recording, ids: testIds, logger },
      {
        merchantId: m.merchantId,
        voucherType: 'TRANSFER',
        sourceType: 'test.plan',
        sourceId: uniqueName('plan'),
        postedAt: '2026-11-25T10:00:00Z',
        description: 'plan',
        createdBy: 'system',
        lines: twoLines({ code: 'CASH' }, { code: 'BANK' }, '1.00'),
      },
    );
    expect(posted.replayed).toBe(false);

    const client = await poolOf(prisma)!.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE posting_plan_probe AS ${statement!.text}`);
      const args = statement!.values.map((v) => {
        const text = literal(v);
        return text === null ? 'NULL' : client.escapeLiteral(text);
      });
      const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `EXPLAIN (FORMAT JSON) EXECUTE posting_plan_probe(${args.join(', ')})`,
      );
      const nodes = descendants(rows[0]!['QUERY PLAN'][0]!.Plan);
      const update = nodes.find(
        (n) =>
          n['Node Type'] === 'ModifyTable' &&
          n.Operation === 'Update' &&
          n['Relation Name'] === 'FinanceAccount',
      );
      expect(update).toBeDefined();
      const reads = descendants(update!).filter(
        (n) => n !== update && n['Relation Name'] === 'FinanceAccount',
      );
      expect(reads.length).toBeGreaterThan(0);
      for (const read of reads) {
        const conditions = [read['Index Cond'], read['Recheck Cond'], read.Filter].join(' ');
        expect(conditions, `${read['Node Type']} on FinanceAccount`).toMatch(/merchant_id|\(id = /);
      }
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
