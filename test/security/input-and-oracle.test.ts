import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { testEnv, uniqueMerchantId, uniqueName } from '../support/env.js';
import { createTestApi, startApiTestWorker, user, type TestApi } from '../api/support.js';
import { type PostingEvent } from '../../src/domain/events.js';
import { INPUT_ROWS, ORACLE_ROWS, type SecurityRow } from './input-and-oracle.rows.js';

interface Merchant {
  merchantId: string;
  accounts: Record<string, string>;
}

/** Text of exactly `n` characters (code points), mixing scripts and an astral character. */
const TEXT = [...'Ledger ü€日😀 '];
const textOf = (n: number) => Array.from({ length: n }, (_, i) => TEXT[i % TEXT.length]).join('');

describe('security table: input that cannot be stored, and no existence oracle', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let worker: { taskQueue: string; stop(): Promise<void> };
  let m: Merchant;
  let f: Merchant;
  let foreignIntegration: string;
  const users = {
    accountant: user('sec-accountant'),
    admin: user('sec-admin'),
    'admin-of-both': user('sec-admin-both'),
  };
  const fixed: Record<string, string> = {};
  const answers = new Map<SecurityRow, { status: number; body: unknown; target?: string }>();

  const sale = async (merchantId: string) =>
    (
      await postPlan(
        { db: dbOf(prisma), ids: testIds, logger },
        {
          merchantId,
          voucherType: 'SALE',
          sourceType: 'sale.order',
          sourceId: uniqueName('o'),
          postedAt: new Date().toISOString(),
          description: 'sale',
          createdBy: 'system',
          lines: [
            { account: { code: 'RECEIVABLE' }, direction: 'DEBIT', amount: '10' },
            { account: { code: 'SALES_REVENUE' }, direction: 'CREDIT', amount: '10' },
          ],
        },
      )
    ).voucherId;

  beforeAll(async () => {
    prisma = await testPrisma();
    [m, f] = await Promise.all([createTestMerchant(prisma, logger), createTestMerchant(prisma, logger)]);
    worker = await startApiTestWorker(prisma, logger);
    api = await createTestApi({ logger, taskQueue: worker.taskQueue, waitMs: 20_000 });
    await api.grant(users.accountant, 'accountant', m.merchantId);
    await api.grant(users.admin, 'admin', m.merchantId);
    await api.grant(users['admin-of-both'], 'admin', m.merchantId);
    await api.grant(users['admin-of-both'], 'admin', f.merchantId);
    const created = await api.call(users['admin-of-both'], 'POST', '/payment-integrations', {
      merchantId: f.merchantId,
      provider: 'stripe',
      name: 'theirs',
      credential: 'sk_test_theirs_0123',
    });
    foreignIntegration = (created.json() as { id: string }).id;
    Object.assign(fixed, {
      M: m.merchantId,
      F: f.merchantId,
      GHOST: uniqueMerchantId(),
      MISSING: testIds.nextString(),
      NO_VOUCHER: testIds.nextString(),
      NO_INTEGRATION: testIds.nextString(),
      'F.integration': foreignIntegration,
      ...Object.fromEntries(Object.entries(m.accounts).map(([code, id]) => [`M.${code}`, id])),
      ...Object.fromEntries(Object.entries(f.accounts).map(([code, id]) => [`F.${code}`, id])),
    });
  });

  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await prisma?.$disconnect();
  });

  /** Replaces every `{placeholder}` in a string, JSON-deeply; fresh vouchers and keys per call. */
  const resolve = async (value: unknown): Promise<unknown> => {
    if (typeof value === 'string') {
      let out = value;
      for (const match of value.matchAll(/\{([A-Za-z_.:-]+\d*)\}/g)) {
        const [token, name] = match as unknown as [string, string];
        out = out.replace(token, await placeholder(name));
      }
      return out;
    }
    if (Array.isArray(value)) return Promise.all(value.map(resolve));
    if (value && typeof value === 'object')
      return Object.fromEntries(
        await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolve(v)] as const)),
      );
    return value;
  };

  const placeholder = async (name: string): Promise<string> => {
    if (name in fixed) return fixed[name]!;
    if (name === 'target') return '{target}'; // the row's own target, filled in by run()
    if (name === 'key') return uniqueName('k');
    if (name === 'M.voucher') return sale(m.merchantId);
    if (name === 'F.voucher') return sale(f.merchantId);
    const [kind, n] = name.split(':');
    if (kind === 'text') return textOf(Number(n));
    if (kind === 'digits') return '9'.repeat(Number(n));
    throw new Error(`unknown placeholder {${name}}`);
  };

  const run = async (row: SecurityRow) => {
    const request = (await resolve(row.request)) as SecurityRow['request'];
    const target = row.target ? ((await resolve(row.target)) as string) : undefined;
    const res = await api.call(users[row.who], request.method, request.path, request.body, request.headers);
    const body: unknown = res.body ? res.json() : null;
    answers.set(row, { status: res.statusCode, body, ...(target ? { target } : {}) });
    expect(res.statusCode, `${row.name}: ${res.body}`).toBe(row.expect.status);
    if (row.expect.code) expect(body).toMatchObject({ code: row.expect.code, requestId: expect.any(String) });
    if (row.expect.message) {
      const message = ((await resolve(row.expect.message)) as string).replaceAll('{target}', target ?? '');
      expect((body as { message: string }).message).toBe(message);
    }
    if (row.expect.body !== undefined) expect(body).toEqual(await resolve(row.expect.body));
    if (res.statusCode >= 400) expect(res.body).not.toMatch(/SELECT|INSERT|SQLSTATE|prisma|\.ts:\d+/i);
  };

  describe('nothing accepted that cannot be stored', () => {
    it.each(INPUT_ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => run(row));
  });

  describe('another merchant’s entity answers like a missing one', () => {
    it.each(ORACLE_ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => run(row));

    it('every pair of oracle rows answered identically', () => {
      const groups = new Map<string, string[]>();
      for (const row of ORACLE_ROWS) {
        const answer = answers.get(row);
        expect(answer, `${row.name} did not run`).toBeDefined();
        const { requestId: _ignored, ...rest } = (answer!.body ?? {}) as Record<string, unknown>;
        const masked = JSON.stringify({ status: answer!.status, ...rest }).replaceAll(
          answer!.target ?? '\u0000',
          '{target}',
        );
        groups.set(row.oracle!, [...(groups.get(row.oracle!) ?? []), masked]);
      }
      for (const [oracle, bodies] of groups) {
        expect(bodies.length, oracle).toBeGreaterThanOrEqual(2);
        expect(new Set(bodies).size, `${oracle}: ${bodies.join(' ≠ ')}`).toBe(1);
      }
    });

    it('left the foreign merchant’s accounts untouched', async () => {
      const rows = await prisma.financeAccount.findMany({
        where: { merchantId: BigInt(f.merchantId), code: { in: ['CASH', 'BANK', 'OWNER_EQUITY'] } },
      });
      expect(rows.map((r) => [r.code, r.postingSequence, r.balance.toString(), r.name])).toEqual(
        expect.arrayContaining([
          ['CASH', 0n, '0', 'Cash'],
          ['BANK', 0n, '0', 'Bank'],
          ['OWNER_EQUITY', 0n, '0', "Owner's equity"],
        ]),
      );
    });

    it('never locks a foreign account: a posting naming one answers while another transaction holds its row', async () => {
      const holder = new pg.Client({ connectionString: testEnv.dbUrl });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT id FROM finance."FinanceAccount" WHERE id = $1 FOR UPDATE', [
          f.accounts.CASH,
        ]);
        const started = Date.now();
        const res = await api.call(
          users['admin-of-both'],
          'POST',
          '/vouchers',
          {
            merchantId: m.merchantId,
            type: 'TRANSFER',
            lines: [
              { accountId: m.accounts.BANK, direction: 'DEBIT', amount: '1.00' },
              { accountId: f.accounts.CASH, direction: 'CREDIT', amount: '1.00' },
            ],
          },
          { 'idempotency-key': uniqueName('k') },
        );
        expect(res.statusCode, res.body).toBe(422);
        expect(res.json()).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
        // The pool's lock_timeout is 10 s: a statement that tried to lock the row would wait that long.
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await holder.query('ROLLBACK');
        await holder.end();
      }
    });
  });
  /**
   * Whatever still gets past the API (a workflow started by another client,
   * an event from a producer that skipped validation, a limit that drifted)
   * fails its workflow at once with a code: one activity attempt, no retry.
   */
  describe('and the worker fails at once, with a code, whatever gets past the API', () => {
    const runToFailure = async (workflowType: string, workflowId: string, input: unknown) => {
      const { client } = api.app.temporal;
      const started = Date.now();
      const handle = await client.workflow.start(workflowType, {
        taskQueue: worker.taskQueue,
        workflowId,
        args: [input],
      });
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      const history = await handle.fetchHistory();
      const attempts = history.events?.filter((e) => e.activityTaskStartedEventAttributes).length ?? 0;
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      return { cause: cause as ApplicationFailure, attempts, ms: Date.now() - started };
    };
    const manual = (lines: unknown[]) => ({
      request: { kind: 'lines', type: 'ADJUSTMENT', reason: 'correction', lines },
      context: {
        merchantId: m.merchantId,
        idempotencyKey: uniqueName('k'),
        createdBy: users.accountant,
        postedAt: new Date().toISOString(),
      },
    });

    it.each([
      ['a 500-character void reason', 'r'.repeat(500), /text longer than its column \(SQLSTATE 22001\)/],
      ['a void reason with a lone surrogate', 'x\ud800', /\(SQLSTATE 22P02\)/],
      ['a void reason with a NUL', 'a\u0000', /\(NUL\) \(SQLSTATE 22021\)/],
    ] as const)(
      'voiding with %s: UNSTORABLE_VALUE, one attempt, nothing voided',
      async (_name, reason, message) => {
        const voucherId = await sale(m.merchantId);
        const { cause, attempts } = await runToFailure('voidVoucherWorkflow', `finance-void-${voucherId}`, {
          voucherId,
          merchantId: m.merchantId,
          reason,
          requestedBy: users.accountant,
        });
        expect(cause).toMatchObject({ type: 'UNSTORABLE_VALUE', nonRetryable: true });
        expect(cause.message).toMatch(message);
        expect(attempts).toBe(1);
        expect((await prisma.financeVoucher.findUnique({ where: { id: BigInt(voucherId) } }))?.status).toBe(
          'POSTED',
        );
      },
    );

    it('a manual voucher with a NUL in a memo: UNSTORABLE_VALUE, one attempt, nothing posted', async () => {
      const input = manual([
        { accountId: m.accounts.CASH, direction: 'DEBIT', amount: '1.00', memo: 'a\u0000b' },
        { accountId: m.accounts.OWNER_EQUITY, direction: 'CREDIT', amount: '1.00' },
      ]);
      const { cause, attempts } = await runToFailure(
        'manualVoucherWorkflow',
        `finance-manual-${m.merchantId}-${input.context.idempotencyKey}`,
        input,
      );
      expect(cause).toMatchObject({ type: 'UNSTORABLE_VALUE', nonRetryable: true });
      expect(attempts).toBe(1);
      expect(await prisma.financeVoucher.count({ where: { sourceId: input.context.idempotencyKey } })).toBe(
        0,
      );
    });

    it('a manual voucher of 20-digit amounts: VALIDATION_FAILED, one attempt', async () => {
      const input = manual([
        { accountId: m.accounts.CASH, direction: 'DEBIT', amount: '99999999999999999999' },
        { accountId: m.accounts.OWNER_EQUITY, direction: 'CREDIT', amount: '99999999999999999999' },
      ]);
      const { cause, attempts } = await runToFailure(
        'manualVoucherWorkflow',
        `finance-manual-${m.merchantId}-${input.context.idempotencyKey}`,
        input,
      );
      expect(cause).toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
      expect(cause.message).toContain('at most 12 integer digits');
      expect(attempts).toBe(1);
    });

    it('a cash count of 13 digits: VALIDATION_FAILED, one attempt', async () => {
      const key = uniqueName('k');
      const { cause, attempts } = await runToFailure(
        'manualVoucherWorkflow',
        `finance-manual-${m.merchantId}-${key}`,
        {
          request: {
            kind: 'cash_count',
            type: 'ADJUSTMENT',
            reason: 'cash_count',
            accountId: m.accounts.CASH,
            countedBalance: '1234567890123',
          },
          context: {
            merchantId: m.merchantId,
            idempotencyKey: key,
            createdBy: 'x',
            postedAt: new Date().toISOString(),
          },
        },
      );
      expect(cause).toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
      expect(attempts).toBe(1);
    });

    it('an event whose order number holds a NUL: UNSTORABLE_VALUE, one attempt', async () => {
      const event: PostingEvent = {
        id: uniqueName('evt'),
        type: 'sale.order.completed',
        merchantId: m.merchantId,
        occurredAt: new Date().toISOString(),
        data: {
          orderId: uniqueName('o'),
          orderNumber: 'SO\u0000-1',
          currency: 'USD',
          total: '5.00',
          costTotal: '0',
        },
      };
      const { cause, attempts } = await runToFailure('postEventWorkflow', `finance-event-${event.id}`, {
        event,
        missingAccountRetryHours: 1,
      });
      expect(cause).toMatchObject({ type: 'UNSTORABLE_VALUE', nonRetryable: true });
      expect(attempts).toBe(1);
    });
  });
});
