import { type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { runProvision } from '../../src/cli/provision.js';
import { runRedrive } from '../../src/cli/redrive.js';
import { runTrace } from '../../src/cli/trace.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { createIngest, type RunningIngest } from '../../src/ingest/index.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueMerchantId, uniqueName } from '../support/env.js';
import { envelope, ingestTestConfig, produceJson, testKafka, testProducer } from '../support/ingest.js';
import { eventually, ledgerOf } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import { startTestWorker } from '../support/temporal.js';

/**
 * The operator's side of the event record: find a failed event, fix its
 * cause, `redrive` it (no Kafka needed: from the stored envelope), `trace` it;
 * `provision` a merchant's missing accounts. Real Kafka, Temporal and PostgreSQL.
 */
const logs = capturingLogger('info');
installTemporalRuntime(logs.logger);
const config = ingestTestConfig();

let prisma: PrismaClient;
let worker: { stop(): Promise<void> };
let ingest: RunningIngest;
let producer: Producer;

beforeAll(async () => {
  prisma = await testPrisma();
  worker = await startTestWorker({
    ...config.temporal,
    activities: createActivities({ db: dbOf(prisma), ids: testIds, logger: logs.logger }),
  });
  ingest = await createIngest({
    kafka: config.kafka,
    temporal: config.temporal,
    db: dbOf(prisma),
    logger: logs.logger,
  });
  producer = await testProducer(testKafka(config.kafka, logs.logger));
});

afterAll(async () => {
  await ingest?.stop();
  await worker?.stop();
  await producer?.disconnect();
  await prisma?.$disconnect();
});

const output = () => {
  const lines: string[] = [];
  return { out: { line: (t: string) => lines.push(t) }, lines, text: () => lines.join('\n') };
};

const statusOf = async (id: string) => (await prisma.financeEvent.findUnique({ where: { id } }))?.status;

const failedPayment = async () => {
  const m = await createTestMerchant(prisma, logs.logger);
  await prisma.financeAccount.update({
    where: { id: BigInt(m.accounts.BANK!) },
    data: { status: 'ARCHIVED' },
  });
  const e = envelope('sale.payment.captured', m.merchantId, {
    paymentId: uniqueName('pay'),
    orderId: 'o-1',
    amount: '12.00',
    currency: 'USD',
    method: 'card',
    attempt: { finance: { source: { id: m.accounts.BANK } } },
  });
  await produceJson(producer, config.kafka.topics.sale, m.merchantId, e);
  await eventually(
    async () => ((await statusOf(e.id)) === 'FAILED' ? true : undefined),
    60_000,
    `${e.id} FAILED`,
  );
  return { ...m, event: e };
};

describe('finance redrive / trace / provision', () => {
  it('a failed event: dry run changes nothing; after the fix, redrive --yes posts it once; then it never runs again', async () => {
    const { merchantId, accounts, event } = await failedPayment();
    const db = dbOf(prisma);

    const dry = output();
    expect(await runRedrive(db, config.temporal, dry.out, { event: event.id, yes: false })).toBe(0);
    expect(dry.text()).toMatch(/would be re-driven \(dry run; add --yes\)/);
    expect(dry.text()).toContain('ACCOUNT_INACTIVE');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await statusOf(event.id)).toBe('FAILED');

    await prisma.financeAccount.update({ where: { id: BigInt(accounts.BANK!) }, data: { status: 'ACTIVE' } });
    const run = output();
    expect(await runRedrive(db, config.temporal, run.out, { event: event.id, yes: true })).toBe(0);
    expect(run.text()).toMatch(/Re-driven: 1 started, 0 already running or completed, 0 not started/);
    await eventually(
      async () => ((await statusOf(event.id)) === 'POSTED' ? true : undefined),
      60_000,
      'POSTED',
    );
    expect((await ledgerOf(prisma, merchantId)).balances.BANK).toBe('12.0000');

    const again = output();
    expect(await runRedrive(db, config.temporal, again.out, { event: event.id, yes: true })).toBe(1);
    expect(again.text()).toMatch(/is POSTED: it completed and never runs again/);
    expect(await prisma.financeVoucher.count({ where: { eventId: event.id } })).toBe(1);

    // The record is POSTED with the posting; the workflow closes a moment later.
    const trace = await eventually(
      async () => {
        const t = output();
        expect(await runTrace(db, config.temporal, t.out, event.id)).toBe(0);
        return /temporal\s+COMPLETED/.test(t.text()) ? t : undefined;
      },
      30_000,
      'trace to show the completed workflow',
    );
    expect(trace.text()).toMatch(/status\s+POSTED/);
    expect(trace.text()).toMatch(/RC-2026-\d{6}\s+RECEIPT\s+POSTED/);
    expect(trace.text()).toMatch(/BANK \(\d+\)\s+12\.00\b/);
  });

  it('selects by merchant and failure code, and refuses arguments that select nothing sensible', async () => {
    const a = await failedPayment();
    await failedPayment();
    const db = dbOf(prisma);
    const dry = output();
    expect(
      await runRedrive(db, config.temporal, dry.out, {
        merchant: a.merchantId,
        code: 'ACCOUNT_INACTIVE',
        yes: false,
      }),
    ).toBe(0);
    expect(dry.text()).toMatch(/^1 failed event\(s\)/);
    expect(dry.text()).toContain(a.event.id);
    const none = output();
    expect(
      await runRedrive(db, config.temporal, none.out, {
        merchant: a.merchantId,
        code: 'CURRENCY_MISMATCH',
        yes: true,
      }),
    ).toBe(0);
    expect(none.text()).toBe('No failed events match.');
    for (const bad of [{}, { event: 'x', merchant: '1' }, { merchant: 'abc' }, { since: 'yesterday' }]) {
      const o = output();
      expect(await runRedrive(db, config.temporal, o.out, { ...bad, yes: true })).toBe(2);
    }
  });

  it('provision creates the default accounts a known merchant lacks, and refuses an unknown one', async () => {
    const db = dbOf(prisma);
    const unknown = output();
    expect(await runProvision(db, testIds, unknown.out, uniqueMerchantId())).toBe(1);
    expect(unknown.text()).toMatch(/unknown to the ledger.*nothing was created/);

    const { merchantId, accounts } = await createTestMerchant(prisma, logs.logger);
    await prisma.financeAccount.update({
      where: { id: BigInt(accounts.COGS!) },
      data: { deletedAt: new Date() },
    });
    const repaired = output();
    expect(await runProvision(db, testIds, repaired.out, merchantId)).toBe(0);
    expect(repaired.text()).toBe(`Merchant ${merchantId}: created COGS.`);
    const twice = output();
    expect(await runProvision(db, testIds, twice.out, merchantId)).toBe(0);
    expect(twice.text()).toMatch(/already has every default account/);
  });
});
