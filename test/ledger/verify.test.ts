import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { twoLines } from '../../src/domain/posting-plan.js';
import { createScratchDatabase, createTestMerchant, testIds, type ScratchDatabase } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';

const run = promisify(execFile);
const logs = capturingLogger();
// This test corrupts the books on purpose, so it works in a database of its own: other files
// verify every merchant of the shared test database while it runs.
let db: ScratchDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createScratchDatabase('sf_verify');
  await applyMigrations({ databaseUrl: db.url });
  prisma = createPrisma({ url: db.url, poolSize: 2 });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

async function finance(...args: string[]) {
  try {
    const { stdout } = await run('npx', ['tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, APP_ENV_DB_URL: db.url },
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('npm run finance -- verify', () => {
  it('passes on a sound ledger and names each violation with a non-zero exit', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const posted = await postPlan(
      { db: dbOf(prisma), ids: testIds, logger: logs.logger },
      {
        merchantId: m.merchantId,
        voucherType: 'SALE',
        sourceType: 'sale.order',
        sourceId: uniqueName('o'),
        postedAt: '2026-11-25T10:00:00Z',
        description: 'verify',
        createdBy: 'system',
        lines: twoLines({ code: 'RECEIVABLE' }, { code: 'SALES_REVENUE' }, '10.00'),
      },
    );
    for (const scope of [['--merchant', m.merchantId], []]) {
      const sound = await finance('verify', ...scope);
      expect(sound.code, sound.stdout).toBe(0);
      expect(sound.stdout).toContain('All 10 invariants hold');
    }

    const voucherLine = await finance('voucher', posted!.voucherId);
    expect(voucherLine.code).toBe(0);
    expect(voucherLine.stdout).toMatch(/SL-2026-000001 +SALE +POSTED/);
    expect(voucherLine.stdout).toMatch(/RECEIVABLE \(\d+\) +10\.00/);

    // Corrupt the books behind the ledger's back: a balance drifts and a line is unbalanced.
    await prisma.$executeRaw`UPDATE finance."FinanceAccount" SET balance = balance + 1 WHERE id = ${m.accounts.CASH}::bigint`;
    await prisma.$executeRaw`UPDATE finance."FinanceTransaction" SET amount = 11 WHERE finance_voucher_id = ${posted!.voucherId}::bigint AND line_number = 1`;
    const broken = await finance('verify', '--merchant', m.merchantId);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/FAIL +balanced-vouchers/);
    expect(broken.stdout).toMatch(/FAIL +balance-equals-lines/);
    expect(broken.stdout).toContain('CASH: balance 1.0000 vs lines 0');
    expect(broken.stdout).toMatch(/invariants violated: .*balanced-vouchers.*balance-equals-lines/);
  });
});
