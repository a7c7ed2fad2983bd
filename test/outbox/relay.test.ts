import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Consumer, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { voidVoucher } from '../../src/activities/voids.js';
import { type KafkaConfig } from '../../src/config/index.js';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { type Db, dbOf } from '../../src/db/executor.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { type PostingPlan, twoLines } from '../../src/domain/posting-plan.js';
import { ensureTopics } from '../../src/ingest/topics.js';
import { startOutboxRelay, VOUCHER_ID_HEADER } from '../../src/outbox/relay.js';
import { createScratchDatabase, createTestMerchant, type ScratchDatabase, testIds } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { ingestTestConfig, testKafka } from '../support/ingest.js';
import { capturingLogger } from '../support/logs.js';

/**
 * The outbound voucher stream against real PostgreSQL and Kafka: a scratch
 * database of its own (so the relays see only this file's entries) and a
 * topic per test.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { logger } = capturingLogger();
let scratch: ScratchDatabase;
let prisma: PrismaClient;
let db: Db;

beforeAll(async () => {
  scratch = await createScratchDatabase('sf_outbox');
  await applyMigrations({ databaseUrl: scratch.url });
  prisma = createPrisma({ url: scratch.url, poolSize: 12, applicationName: 'sf-outbox-test' });
  db = dbOf(prisma);
}, 120_000);
afterAll(async () => {
  await prisma?.$disconnect();
  await scratch?.drop();
});

const deps = () => ({ db, ids: testIds, logger });
const sale = (merchantId: string, amount = '10.00'): PostingPlan => ({
  merchantId,
  voucherType: 'SALE',
  sourceType: 'sale.order',
  sourceId: uniqueName('order'),
  currency: 'USD',
  postedAt: '2026-11-25T10:00:00Z',
  description: 'stream test sale',
  createdBy: 'system',
  lines: twoLines({ code: 'RECEIVABLE' }, { code: 'SALES_REVENUE' }, amount),
});

/** A topic of its own (and client id) for each test. */
const topicConfig = (): KafkaConfig => ingestTestConfig().kafka;

interface Received {
  merchantId: string;
  voucherId: string;
  value: string;
  partition: number;
}

/** Reads the topic from the beginning until `until` holds for what arrived (or the time is up). */
async function readTopic(
  kafka: Kafka,
  topic: string,
  until: (got: Received[]) => boolean,
  timeoutMs = 60_000,
): Promise<Received[]> {
  // The relay creates the topic too; whoever comes first, the reader must not subscribe to a missing one.
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [topic], 3, logger).finally(() => admin.disconnect());
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const got: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        got.push({
          merchantId: message.key!.toString(),
          voucherId: message.headers![VOUCHER_ID_HEADER]!.toString(),
          value: message.value!.toString(),
          partition,
        });
        if (until(got)) done();
      },
    });
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    // A little longer, so a duplicate or a stray message would be seen too.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return got;
  } finally {
    await consumer.disconnect();
  }
}

/** The stored entries of these merchants, by merchant, in sequence order. */
async function storedEntries(merchantIds: string[]) {
  const rows = await prisma.outboxEntry.findMany({
    where: { merchantId: { in: merchantIds.map(BigInt) } },
    orderBy: [{ merchantId: 'asc' }, { seq: 'asc' }],
  });
  return rows.map((r) => ({
    merchantId: r.merchantId.toString(),
    seq: Number(r.seq),
    voucherId: r.voucherId.toString(),
    value: r.value,
    published: r.publishedAt !== null,
  }));
}

/** Per merchant: the voucher ids in the order they first arrived. */
function firstArrivals(got: Received[]): Map<string, string[]> {
  const seen = new Set<string>();
  const order = new Map<string, string[]>();
  for (const r of got) {
    if (seen.has(r.voucherId)) continue;
    seen.add(r.voucherId);
    order.set(r.merchantId, [...(order.get(r.merchantId) ?? []), r.voucherId]);
  }
  return order;
}

async function inParallel<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

describe('outbound voucher stream', () => {
  it('publishes every committed voucher and void once, in commit order per merchant, and no rolled-back one', async () => {
    const merchants = await Promise.all([1, 2, 3].map(() => createTestMerchant(prisma, logger)));
    const ids = merchants.map((m) => m.merchantId);
    // Concurrent postings of the same merchants: their commit order is not their start order.
    const posted = await inParallel(
      8,
      Array.from({ length: 36 }, (_, i) => () => postPlan(deps(), sale(ids[i % 3]!, `${i + 1}.25`))),
    );
    const voided = posted.filter((_, i) => i % 5 === 0);
    const reversals = await inParallel(
      4,
      voided.map(
        (v) => () => voidVoucher(deps(), { voucherId: v.voucherId, reason: 'test', requestedBy: 'tester' }),
      ),
    );
    // A posting whose transaction rolls back, and one refused by its verdict: neither may appear.
    const rolledBack = uniqueName('rolled-back');
    await expect(
      db.transaction(async (tx) => {
        await postPlan({ ...deps(), db: tx }, { ...sale(ids[0]!), sourceId: rolledBack });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await expect(postPlan(deps(), { ...sale(ids[1]!), currency: 'EUR' })).rejects.toThrow(/currency/);

    const expected = new Set([...posted, ...reversals].map((v) => v.voucherId));
    const stored = await storedEntries(ids);
    expect(new Set(stored.map((e) => e.voucherId))).toEqual(expected);
    for (const id of ids) {
      const seqs = stored.filter((e) => e.merchantId === id).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }

    const config = topicConfig();
    const kafka = testKafka(config, logger);
    const relay = startOutboxRelay({
      db,
      kafka,
      topic: config.topics.vouchers,
      topicPartitions: 3,
      logger,
      pollMs: 50,
      retentionMs: 3_600_000,
    });
    let got: Received[];
    try {
      got = await readTopic(
        kafka,
        config.topics.vouchers,
        (g) => new Set(g.map((r) => r.voucherId)).size >= expected.size,
      );
    } finally {
      await relay.stop();
    }
    expect(got.length).toBe(expected.size);
    expect(new Set(got.map((r) => r.voucherId))).toEqual(expected);
    const byVoucher = new Map(stored.map((e) => [e.voucherId, e]));
    for (const r of got) expect(r.value).toBe(byVoucher.get(r.voucherId)!.value);
    for (const id of ids) {
      const arrived = got.filter((r) => r.merchantId === id);
      expect(new Set(arrived.map((r) => r.partition)).size).toBe(1);
      expect(arrived.map((r) => byVoucher.get(r.voucherId)!.seq)).toEqual(arrived.map((_, i) => i + 1));
      // Evidence of commit order beyond seq: the gapless voucher numbers (also taken under a lock held to
      // commit) rise along the stream, and every void arrives after the voucher it voids.
      const values = arrived.map(
        (r) =>
          JSON.parse(r.value) as {
            kind: string;
            id: string;
            type: string;
            voucherNumber: string;
            reversalOfId: string | null;
          },
      );
      for (const type of ['SALE', 'REVERSAL']) {
        const numbers = values.filter((v) => v.type === type).map((v) => v.voucherNumber);
        expect(numbers).toEqual([...numbers].sort());
      }
      const position = new Map(values.map((v, i) => [v.id, i]));
      for (const v of values.filter((x) => x.reversalOfId)) {
        expect(v.kind).toBe('voucher.voided');
        expect(position.get(v.reversalOfId!)!).toBeLessThan(position.get(v.id)!);
      }
    }
    expect((await storedEntries(ids)).every((e) => e.published)).toBe(true);
  }, 180_000);

  it('a relay SIGKILLed between publish and mark leaves at most duplicates with identical bytes, in order', async () => {
    const m = await createTestMerchant(prisma, logger);
    const posted = await inParallel(
      4,
      Array.from({ length: 12 }, (_, i) => () => postPlan(deps(), sale(m.merchantId, `${i + 1}.00`))),
    );
    const config = topicConfig();
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/outbox/relay-child.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        APP_ENV_DB_URL: scratch.url,
        APP_ENV_KAFKA_BROKERS: config.brokers.join(','),
        APP_ENV_KAFKA_TOPIC_VOUCHERS: config.topics.vouchers,
        APP_ENV_KAFKA_TOPIC_PARTITIONS: '3',
        RELAY_CHILD_PAUSE_MERCHANT: m.merchantId,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const paused = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = /PUBLISHED ([\d,]+)\n/.exec(out);
        if (line) resolve(line[1]!);
      });
      void exited.then(() => reject(new Error(`relay child exited before publishing: ${out}`)));
    });
    child.kill('SIGKILL');
    await exited;
    expect(paused.split(',').map(Number)).toEqual(posted.map((_, i) => i + 1));
    // Killed before the mark: nothing is marked, so everything is published again.
    expect((await storedEntries([m.merchantId])).some((e) => e.published)).toBe(false);

    const kafka = testKafka(config, logger);
    const relay = startOutboxRelay({
      db,
      kafka,
      topic: config.topics.vouchers,
      topicPartitions: 3,
      logger,
      pollMs: 50,
      retentionMs: 3_600_000,
    });
    let got: Received[];
    try {
      got = await readTopic(
        kafka,
        config.topics.vouchers,
        (g) => g.filter((r) => r.merchantId === m.merchantId).length >= 2 * posted.length,
      );
    } finally {
      await relay.stop();
    }
    const mine = got.filter((r) => r.merchantId === m.merchantId);
    const stored = await storedEntries([m.merchantId]);
    expect(stored.every((e) => e.published)).toBe(true);
    // Each voucher twice (the killed relay's send and the retry), byte for byte the stored message, and the
    // first arrivals in sequence order.
    expect(mine.length).toBe(2 * posted.length);
    const byVoucher = new Map(stored.map((e) => [e.voucherId, e]));
    for (const r of mine) expect(r.value).toBe(byVoucher.get(r.voucherId)!.value);
    expect(firstArrivals(mine).get(m.merchantId)).toEqual(stored.map((e) => e.voucherId));
    expect(mine.slice(posted.length).map((r) => r.voucherId)).toEqual(stored.map((e) => e.voucherId));
  }, 180_000);

  it('two relays at once publish every message once, with no reordering per merchant', async () => {
    const merchants = await Promise.all([1, 2, 3, 4].map(() => createTestMerchant(prisma, logger)));
    const ids = merchants.map((m) => m.merchantId);
    const config = topicConfig();
    const relays = [1, 2].map((n) =>
      startOutboxRelay({
        db,
        kafka: testKafka({ ...config, clientId: `${config.clientId}-${n}` }, logger),
        topic: config.topics.vouchers,
        topicPartitions: 3,
        logger,
        pollMs: 10,
        retentionMs: 3_600_000,
        batch: { merchants: 2, perMerchant: 3 },
      }),
    );
    let got: Received[];
    let posted: { voucherId: string }[];
    try {
      // Posted while both relays run: each pass sees a moving outbox.
      posted = await inParallel(
        8,
        Array.from({ length: 60 }, (_, i) => () => postPlan(deps(), sale(ids[i % 4]!, `${i + 1}.10`))),
      );
      got = await readTopic(
        testKafka(config, logger),
        config.topics.vouchers,
        (g) => g.length >= posted.length,
      );
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
    const stored = await storedEntries(ids);
    expect(got.map((r) => r.voucherId).sort()).toEqual(posted.map((p) => p.voucherId).sort());
    for (const id of ids) {
      expect(got.filter((r) => r.merchantId === id).map((r) => r.voucherId)).toEqual(
        stored.filter((e) => e.merchantId === id).map((e) => e.voucherId),
      );
    }
  }, 180_000);
});
