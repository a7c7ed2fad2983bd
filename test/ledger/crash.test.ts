import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { verifyLedger } from '../../src/db/verify.js';
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

/** Runs the posting child; in crash mode `written` resolves when it is about to COMMIT. */
function runChild(plan: PostingPlan, mode: 'crash' | 'commit') {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(plan), mode], {
    env: { ...process.env, APP_ENV_DB_URL: testEnv.dbUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const written = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      if (lines.includes('WRITTEN')) resolve();
    });
    proc.on('exit', (code, signal) =>
      lines.includes('WRITTEN') || mode === 'commit' ? resolve() : reject(new Error(`child exited ${code ?? signal}: ${lines.join('|')}`)),
    );
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, lines, written, exited };
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
      accounts: (await prisma.financeAccount.findMany({ where: { merchantId: BigInt(m.merchantId) }, orderBy: { id: 'asc' } })).map(
        (a) => `${a.code}:${a.balance.toFixed(2)}:${a.postingSequence}`,
      ),
    });
    const before = await snapshot();

    const crashing = runChild(plan, 'crash');
    await crashing.written; // the write statement ran; COMMIT is next
    crashing.proc.kill('SIGKILL');
    expect((await crashing.exited).signal).toBe('SIGKILL');

    // The server notices the dead connection and rolls back; the row locks are released.
    expect(await snapshot()).toEqual(before);

    const retry = runChild(plan, 'commit');
    expect((await retry.exited).code).toBe(0);
    const posted = JSON.parse(retry.lines.find((l) => l.startsWith('POSTED '))!.slice(7)) as { voucherNumber: string; replayed: boolean };
    expect(posted).toMatchObject({ voucherNumber: 'RC-2026-000001', replayed: false });

    const after = await snapshot();
    expect([after.vouchers, after.lines, after.counters]).toEqual([1, 2, 1]);
    expect(after.accounts.filter((a) => a.startsWith('BANK:') || a.startsWith('RECEIVABLE:')).sort()).toEqual([
      'BANK:250.00:1',
      'RECEIVABLE:-250.00:1',
    ]);
    const again = runChild(plan, 'commit');
    expect((await again.exited).code).toBe(0);
    expect(again.lines.find((l) => l.startsWith('POSTED '))).toContain('"replayed":true');
    expect((await verifyLedger(prisma, { merchantId: m.merchantId })).flatMap((r) => r.violations)).toEqual([]);
  });
});
