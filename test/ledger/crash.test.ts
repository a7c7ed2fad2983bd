import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { verifyLedger } from '../../src/db/invariants.js';
import { type PostingPlan } from '../../src/domain/posting-plan.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { testEnv, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';

let prisma: PrismaClient;
const logs = capturingLogger();
const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

beforeAll(async () => {
  prisma = await testPrisma();
});
afterAll(async () => {
  await prisma.$disconnect();
});

function runChild(plan: PostingPlan) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(plan)], {
    env: { ...process.env, APP_ENV_DB_URL: testEnv.dbUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return { proc, exited };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a posting process killed mid-transaction', () => {
  it('leaves no voucher, line, number or balance change; a retry posts it exactly once', async () => {
    const m = await createTestMerchant(prisma, logs.logger);
    const plan: PostingPlan = {
      merchantId: m.merchantId,
      voucherType: 'RECEIPT',
      sourceType: 'sale.payment',
      sourceId: uniqueName('pay'),
      currency: 'USD',
      postedAt: '2026-11-25T10:00:00Z',
      description: 'crash',
      createdBy: 'system',
      lines: [
        { account: { code: 'BANK' }, direction: 'DEBIT', amount: '250.00' },
        { account: { code: 'RECEIVABLE' }, direction: 'CREDIT', amount: '250.00' },
      ],
    };
    const snapshot = async () => ({
      vouchers: await prisma.financeVoucher.count({ where: { merchantId: BigInt(m.merchantId) } }),
      lines: await prisma.financeTransaction.count({ where: { merchantId: BigInt(m.merchantId) } }),
      counters: await prisma.voucherNumberCounter.count({ where: { merchantId: BigInt(m.merchantId) } }),
      accounts: (
        await prisma.financeAccount.findMany({
          where: { merchantId: BigInt(m.merchantId) },
          orderBy: { id: 'asc' },
        })
      ).map((a) => `${a.code}:${a.balance.toFixed(2)}:${a.postingSequence}`),
    });
    const before = await snapshot();

    // Hold the lock of the later of the two accounts (locks are taken in id order), so the
    // posting transaction locks the first, then waits: it is killed in the middle.
    const [, later] = [m.accounts.BANK!, m.accounts.RECEIVABLE!].sort((a, b) =>
      BigInt(a) < BigInt(b) ? -1 : 1,
    );
    const blocker = new pg.Client({ connectionString: testEnv.dbUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM finance."FinanceAccount" WHERE id = $1 FOR UPDATE', [later]);

    // pg_stat_activity is a snapshot inside a transaction: watch from another session.
    const watcher = new pg.Client({ connectionString: testEnv.dbUrl });
    await watcher.connect();
    const crashing = runChild(plan);
    const victim = await until('the posting transaction to wait for the row lock', async () => {
      const { rows } = await watcher.query<{ pid: number; xid: string | null }>(
        `SELECT pid, backend_xid::text AS xid FROM pg_stat_activity
          WHERE application_name = 'sf-crash-child' AND wait_event_type = 'Lock'`,
      );
      return rows[0];
    });
    expect(victim.xid, 'the posting transaction already holds a row lock (it has an xid)').not.toBeNull();
    crashing.proc.kill('SIGKILL');
    expect((await crashing.exited).signal).toBe('SIGKILL');
    // The server notices the lost client (client_connection_check_interval) and aborts its transaction.
    await until('the killed backend to end', async () => {
      const { rowCount } = await watcher.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [victim.pid]);
      return rowCount === 0 ? true : undefined;
    });
    await blocker.query('ROLLBACK');
    await blocker.end();
    await watcher.end();
    expect(await snapshot()).toEqual(before);

    const retry = await runChild(plan).exited;
    expect(retry.code).toBe(0);
    expect(retry.out).toContain('"voucherNumber":"RC-2026-000001"');
    expect(retry.out).toContain('"replayed":false');
    const after = await snapshot();
    expect([after.vouchers, after.lines, after.counters]).toEqual([1, 2, 1]);
    expect(after.accounts.filter((a) => a.startsWith('BANK:') || a.startsWith('RECEIVABLE:')).sort()).toEqual(
      ['BANK:250.00:1', 'RECEIVABLE:-250.00:1'],
    );
    const again = await runChild(plan).exited;
    expect(again.out).toContain('"replayed":true');
    expect(
      (await verifyLedger(dbOf(prisma), { merchantId: m.merchantId })).flatMap((r) => r.violations),
    ).toEqual([]);
  });
});
