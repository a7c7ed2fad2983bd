import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { type Admin, type Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { DLQ_HEADERS } from '../../src/ingest/dead-letters.js';
import { ensureTopics } from '../../src/ingest/topics.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { testEnv } from '../support/env.js';
import {
  groupCaughtUp,
  ingestTestConfig,
  readWholeTopic,
  testKafka,
  testProducer,
} from '../support/ingest.js';
import { eventually } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import { type RoleProcess, spawnRole } from '../support/processes.js';
import { seededRandom, testSeed } from '../support/seed.js';
import { buildEventStream, EVENT_ID_HEADER, type ProducedEvent } from './event-stream.js';

/**
 * The crash proof: ≥ 2,000 events ingested while the ingest process
 * and, separately, the worker process are SIGKILLed 3 times each at random
 * moments and restarted. Afterwards every produced event ID has exactly one
 * outcome (posted once, skipped, or dead-lettered) and the ledger verifies.
 * The kill order and moments come from the run's seed (SF_TEST_SEED), so a
 * failing schedule can be replayed; the machine's timing cannot.
 * Slow (about 2 minutes): runs when SF_RESILIENCE_TESTS=1.
 */
const EVENTS = 2_000;
const MERCHANTS = 20;
const KILLS_EACH = 3;

const logs = capturingLogger('warn');
const config = ingestTestConfig({ APP_ENV_KAFKA_TOPIC_PARTITIONS: '6' });
const { sale, inventory, merchantCdc, dlq } = config.kafka.topics;
/** The voucher stream the worker's outbox relay publishes to: this run's own topic. */
const vouchersTopic = config.kafka.topics.vouchers;
const childEnv: Record<string, string> = {
  APP_ENV_DB_URL: testEnv.dbUrl,
  APP_ENV_REDIS_URL: testEnv.redisUrl,
  APP_ENV_KAFKA_BROKERS: config.kafka.brokers.join(','),
  APP_ENV_KAFKA_CLIENT_ID: config.kafka.clientId,
  APP_ENV_KAFKA_GROUP_ID: config.kafka.groupId,
  APP_ENV_KAFKA_TOPIC_SALE: sale,
  APP_ENV_KAFKA_TOPIC_INVENTORY: inventory,
  APP_ENV_KAFKA_TOPIC_MERCHANT_CDC: merchantCdc,
  APP_ENV_KAFKA_TOPIC_DLQ: dlq,
  APP_ENV_KAFKA_TOPIC_VOUCHERS: vouchersTopic,
  APP_ENV_KAFKA_TOPIC_PARTITIONS: '6',
  APP_ENV_TEMPORAL_ADDRESS: config.temporal.address,
  APP_ENV_TEMPORAL_NAMESPACE: config.temporal.namespace,
  APP_ENV_TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
  LOG_LEVEL: 'info',
};
const logDir = mkdtempSync(join(tmpdir(), 'sf-crash-'));

let prisma: PrismaClient;
let kafka: Kafka;
let producer: Producer;
let admin: Admin;
let temporal: { client: Client; connection: Connection };
const roles: Record<'ingest' | 'worker', RoleProcess | undefined> = { ingest: undefined, worker: undefined };

const start = (role: 'ingest' | 'worker') =>
  (roles[role] = spawnRole(role, childEnv, join(logDir, `${role}.log`)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function killAndRestart(role: 'ingest' | 'worker'): Promise<void> {
  roles[role]!.kill('SIGKILL');
  await roles[role]!.exited;
  start(role);
}

describe.skipIf(!process.env.SF_RESILIENCE_TESTS)(
  'crash: SIGKILL ingest and worker while 2,000 events flow',
  () => {
    beforeAll(async () => {
      prisma = await testPrisma();
      kafka = testKafka(config.kafka, logs.logger);
      admin = kafka.admin();
      [producer] = await Promise.all([testProducer(kafka), admin.connect()]);
      await ensureTopics(admin, [sale, inventory, merchantCdc, dlq], 6, logs.logger);
      const connection = await Connection.connect({ address: config.temporal.address });
      temporal = { connection, client: new Client({ connection, namespace: config.temporal.namespace }) };
    });

    afterAll(async () => {
      roles.ingest?.kill('SIGTERM');
      roles.worker?.kill('SIGTERM');
      await Promise.all([roles.ingest?.exited, roles.worker?.exited]);
      await producer?.disconnect();
      await admin?.disconnect();
      await temporal?.connection.close();
      await prisma?.$disconnect();
    });

    it(
      'every event ends posted once, skipped or dead-lettered, and the ledger verifies',
      { timeout: 900_000 },
      async () => {
        const merchants = await Promise.all(
          Array.from({ length: MERCHANTS }, () => createTestMerchant(prisma, logs.logger)),
        );
        const events = buildEventStream(merchants, EVENTS);
        start('worker');
        start('ingest');

        // Produce in small batches while a killer SIGKILLs each role 3 times at random moments.
        const kills = [...Array(KILLS_EACH).fill('ingest'), ...Array(KILLS_EACH).fill('worker')] as (
          'ingest' | 'worker'
        )[];
        const random = seededRandom('crash kill schedule');
        const schedule = shuffle(kills, random).map((role) => ({
          role,
          afterMs: 1_000 + Math.round(random() * 4_000),
        }));
        console.log(
          `crash test: seed ${testSeed()}, kills ${schedule.map((k) => `${k.role}+${k.afterMs}ms`).join(', ')}`,
        );
        const killer = (async () => {
          for (const { role, afterMs } of schedule) {
            // A moment while the role is really working, not while it is still booting.
            await roles[role]!.ready;
            await sleep(afterMs);
            await killAndRestart(role);
          }
        })();
        for (let i = 0; i < events.length; i += 50) {
          await producer.sendBatch({
            topicMessages: [sale, inventory].map((topic) => ({
              topic,
              messages: events
                .slice(i, i + 50)
                .filter((e) => e.topic === (topic === sale ? 'sale' : 'inventory'))
                .map((e) => ({ key: e.merchantId, value: e.value, headers: { [EVENT_ID_HEADER]: e.id } })),
            })),
          });
          await sleep(250);
        }
        await killer;

        // Drain: everything handed off, and every expected voucher posted (a killed worker's activity is retried
        // only after its 30 s start-to-close timeout).
        const topics = [sale, inventory, merchantCdc];
        await eventually(
          async () => ((await groupCaughtUp(admin, config.kafka.groupId, topics)) ? true : undefined),
          300_000,
          'ingest to drain',
        );
        const expectedVouchers = events.reduce(
          (n, e) => n + (e.outcome.kind === 'posted' ? e.outcome.vouchers : 0),
          0,
        );
        const merchantIds = merchants.map((m) => BigInt(m.merchantId));
        await eventually(
          async () =>
            (await prisma.financeVoucher.count({ where: { merchantId: { in: merchantIds } } })) >=
            expectedVouchers
              ? true
              : undefined,
          300_000,
          `${expectedVouchers} vouchers`,
        );
        await assertExactlyOneOutcome(events, merchantIds);
        await assertEventRecords(events);

        const verify = await promisify(execFile)('npm', ['run', '--silent', 'finance', '--', 'verify'], {
          env: { ...process.env, APP_ENV_DB_URL: testEnv.dbUrl },
        });
        expect(verify.stdout).toContain('invariants hold');

        await assertEveryVoucherOnTheStream(merchantIds);
      },
    );

    it('after a SIGKILL of ingest, the next voucher commits within 15 s', { timeout: 300_000 }, async () => {
      const seconds = await secondsFromIngestKillToNextVoucher();
      console.log(`crash test: SIGKILL of ingest → next committed voucher in ${seconds.toFixed(1)} s`);
      expect(seconds).toBeLessThan(15);
    });
  },
);

/**
 * Consumer recovery, measured as an operator sees it: ingest is SIGKILLed and
 * restarted at once (as an orchestrator would), events keep arriving, and the
 * clock runs until the first of them is posted. The restarted member joins
 * at once, but the group hands out partitions only once the dead member's
 * session expired; the events are produced after the kill, so no workflow
 * the dead process started can stand in for recovery.
 */
async function secondsFromIngestKillToNextVoucher(): Promise<number> {
  for (const role of ['worker', 'ingest'] as const) if (!roles[role]) start(role);
  expect(await roles.worker!.ready).toBe(true);
  expect(await roles.ingest!.ready).toBe(true);
  // Two sets of merchants: the stream's sources (order ids, receipts) repeat per merchant from one stream to the next.
  const merchants = await Promise.all(
    Array.from({ length: 6 }, () => createTestMerchant(prisma, logs.logger)),
  );
  const produce = async (events: ProducedEvent[]) => {
    for (const topic of ['sale', 'inventory'] as const)
      await producer.send({
        topic: topic === 'sale' ? sale : inventory,
        messages: events
          .filter((e) => e.topic === topic)
          .map((e) => ({ key: e.merchantId, value: e.value, headers: { [EVENT_ID_HEADER]: e.id } })),
      });
  };
  const vouchersOf = (events: ProducedEvent[]) =>
    prisma.financeVoucher.findMany({
      where: { eventId: { in: events.map((e) => e.id) } },
      select: { createdAt: true },
    });
  const expected = (events: ProducedEvent[]) =>
    events.reduce((n, e) => n + (e.outcome.kind === 'posted' ? e.outcome.vouchers : 0), 0);

  // The group is stable and the worker warm: a first round posts before the kill.
  const warmUp = buildEventStream(merchants.slice(0, 3), 12);
  await produce(warmUp);
  await eventually(
    async () => ((await vouchersOf(warmUp)).length >= expected(warmUp) ? true : undefined),
    120_000,
    'the warm-up events to post',
  );

  const killedAt = Date.now();
  await killAndRestart('ingest');
  const after = buildEventStream(merchants.slice(3), 12);
  await produce(after);
  const first = await eventually(
    async () => {
      const rows = await vouchersOf(after);
      return rows.length > 0 ? Math.min(...rows.map((r) => r.createdAt.getTime())) : undefined;
    },
    120_000,
    'a voucher of an event produced after the kill',
  );
  // Each of them posts, and only once.
  await eventually(
    async () => ((await vouchersOf(after)).length >= expected(after) ? true : undefined),
    120_000,
    'every event produced after the kill to post',
  );
  expect((await vouchersOf(after)).length).toBe(expected(after));
  return (first - killedAt) / 1000;
}

/** Fisher–Yates with the given random numbers. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function assertExactlyOneOutcome(events: ProducedEvent[], merchantIds: bigint[]): Promise<void> {
  // Posted: each posting event has exactly its vouchers, carrying its event id.
  const rows = await prisma.financeVoucher.groupBy({
    by: ['eventId'],
    where: { merchantId: { in: merchantIds } },
    _count: true,
  });
  const vouchersOf = new Map(rows.map((r) => [r.eventId, r._count]));
  // Dead-lettered: the DLQ keeps the original headers, so each dead letter names the event it came from.
  // At-least-once: a kill between the DLQ send and the offset commit sends a letter again (same original offset).
  const letters = await readWholeTopic(kafka, admin, dlq);
  const deadLettered = new Set(letters.map((l) => l.headers?.[EVENT_ID_HEADER]?.toString()));
  const malformed = events.filter((e) => e.outcome.kind === 'dlq').length;
  console.log(
    `crash test: ${malformed} malformed events, ${letters.length} dead letters (${deadLettered.size} distinct)`,
  );
  expect(
    letters.every((l) => l.headers?.[DLQ_HEADERS.reason]?.toString() === 'AMOUNT_NOT_A_DECIMAL_STRING'),
  ).toBe(true);

  const problems: string[] = [];
  for (const e of events) {
    const posted = vouchersOf.get(e.id) ?? 0;
    const dead = deadLettered.has(e.id);
    const want = e.outcome;
    if (want.kind === 'posted' && (posted !== want.vouchers || dead))
      problems.push(`${e.id}: ${posted} vouchers, dlq=${dead}`);
    if (want.kind === 'dlq' && (posted !== 0 || !dead))
      problems.push(`${e.id}: expected a dead letter, ${posted} vouchers, dlq=${dead}`);
    if (want.kind === 'skipped') {
      const result = await temporal.client.workflow.getHandle(`finance-event-${e.id}`).result();
      if (posted !== 0 || dead || result.outcome !== 'skipped')
        problems.push(`${e.id}: expected skipped, got ${result.outcome}`);
    }
  }
  expect(problems, `seed ${testSeed()}`).toEqual([]);
}

/**
 * The voucher stream (the worker's outbox relay, killed with the worker): every
 * voucher of these merchants is on it, none missing and none unknown, a
 * re-sent one byte for byte the same, and each merchant's vouchers arrive
 * first in their commit (outbox sequence) order.
 */
async function assertEveryVoucherOnTheStream(merchantIds: bigint[]): Promise<void> {
  const entries = await prisma.outboxEntry.findMany({
    where: { merchantId: { in: merchantIds } },
    orderBy: [{ merchantId: 'asc' }, { seq: 'asc' }],
  });
  const vouchers = await prisma.financeVoucher.findMany({
    where: { merchantId: { in: merchantIds } },
    select: { id: true },
  });
  expect(new Set(entries.map((e) => e.voucherId.toString()))).toEqual(
    new Set(vouchers.map((v) => v.id.toString())),
  );
  const mine = new Set(merchantIds.map(String));
  const onStream = await eventually(
    async () => {
      await ensureTopics(admin, [vouchersTopic], 6, logs.logger);
      const messages = (await readWholeTopic(kafka, admin, vouchersTopic)).filter((m) =>
        mine.has(m.key!.toString()),
      );
      const ids = new Set(messages.map((m) => m.headers!['voucher-id']!.toString()));
      return ids.size >= entries.length ? messages : undefined;
    },
    300_000,
    `${entries.length} vouchers on ${vouchersTopic}`,
  );
  const stored = new Map(entries.map((e) => [e.voucherId.toString(), e]));
  const firstSeen: Record<string, string[]> = {};
  const problems: string[] = [];
  for (const m of onStream) {
    const id = m.headers!['voucher-id']!.toString();
    const entry = stored.get(id);
    if (!entry) {
      problems.push(`${id}: on the stream but not in the ledger`);
      continue;
    }
    if (m.value!.toString() !== entry.value) problems.push(`${id}: bytes differ from the stored message`);
    const merchant = m.key!.toString();
    const seen = (firstSeen[merchant] ??= []);
    if (!seen.includes(id)) seen.push(id);
  }
  for (const merchantId of mine) {
    const want = entries
      .filter((e) => e.merchantId.toString() === merchantId)
      .map((e) => e.voucherId.toString());
    expect(firstSeen[merchantId] ?? [], `merchant ${merchantId}: first arrivals in commit order`).toEqual(
      want,
    );
  }
  console.log(
    `crash test: ${onStream.length} stream messages for ${entries.length} vouchers (${onStream.length - entries.length} re-sent)`,
  );
  expect(problems, `seed ${testSeed()}`).toEqual([]);
}

/**
 * The event records after the crashes: every event ends with exactly one
 * final status — the one its outcome says — and POSTED holds exactly when its
 * vouchers exist (the record and the ledger commit together).
 */
async function assertEventRecords(events: ProducedEvent[]): Promise<void> {
  const final = { posted: 'POSTED', skipped: 'SKIPPED', dlq: 'DEAD_LETTERED' } as const;
  const ids = events.map((e) => e.id);
  // A SKIPPED record is written by its run's last step, which a killed worker retries after its timeout.
  const records = await eventually(
    async () => {
      const rows = await prisma.financeEvent.findMany({ where: { id: { in: ids } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return events.every((e) => byId.get(e.id)?.status === final[e.outcome.kind]) ? byId : undefined;
    },
    120_000,
    'every event record to reach its final status',
  ).catch(
    async () =>
      new Map((await prisma.financeEvent.findMany({ where: { id: { in: ids } } })).map((r) => [r.id, r])),
  );
  const counts = await prisma.financeVoucher.groupBy({
    by: ['eventId'],
    where: { eventId: { in: ids } },
    _count: true,
  });
  const vouchersOf = new Map(counts.map((c) => [c.eventId, c._count]));
  const problems: string[] = [];
  for (const e of events) {
    const r = records.get(e.id);
    if (r?.status !== final[e.outcome.kind])
      problems.push(`${e.id}: record ${r?.status ?? 'missing'}, expected ${final[e.outcome.kind]}`);
    const hasVouchers = (vouchersOf.get(e.id) ?? 0) > 0;
    if ((r?.status === 'POSTED') !== hasVouchers)
      problems.push(`${e.id}: record ${r?.status}, ${vouchersOf.get(e.id) ?? 0} vouchers`);
  }
  expect(problems, `seed ${testSeed()}`).toEqual([]);
}
