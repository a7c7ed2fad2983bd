import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { type Db } from '../db/executor.js';
import {
  claimOutboxEntries,
  markOutboxPublished,
  oldestUnpublishedSeconds,
  type OutboxEntry,
  pruneOutbox,
} from '../db/outbox.js';
import { ensureTopics } from '../ingest/topics.js';
import { type Logger } from '../lib/logger.js';
import { metrics } from '../lib/metrics.js';

export interface OutboxRelayOptions {
  db: Db;
  kafka: Kafka;
  topic: string;
  /** Partitions of the topic when the relay has to create it. */
  topicPartitions: number;
  logger: Logger;
  /** Pause between passes that found nothing to publish. */
  pollMs: number;
  /** Published entries are deleted once this old. */
  retentionMs: number;
  /** Merchants claimed per pass, and entries published per merchant per pass. */
  batch?: { merchants: number; perMerchant: number };
  /**
   * Runs after a batch is published and before it is marked: the seam the
   * crash test stops a real relay process at (test/outbox/relay-child.ts).
   */
  afterPublish?: (entries: OutboxEntry[]) => Promise<void>;
}

export interface OutboxRelay {
  /** Stops after the pass in flight and disconnects; resolves when stopped. */
  stop(): Promise<void>;
}

/** The Kafka header that names the voucher of a message (consumers dedupe by it). */
export const VOUCHER_ID_HEADER = 'voucher-id';

const PRUNE_EVERY_MS = 60_000;
/** The lag gauge is read from the database at most this often (a scrape is every 15 s or more). */
const LAG_REPORT_EVERY_MS = 1_000;
const PRUNE_BATCH = 5_000;
const BACKOFF = { initialMs: 1_000, maxMs: 15_000 };

/**
 * Publishes the outbox to `finance.vouchers` (docs/reference/voucher-stream.md).
 *
 * One pass is one transaction: claim merchants (an advisory lock each, so two
 * relays never publish the same merchant at once), read their unpublished
 * entries in sequence order, send them with the idempotent producer (one
 * request in flight, so Kafka keeps their order), mark them, commit. The
 * transaction waits for Kafka while it holds only those claims: postings
 * never wait for it. A crash before the commit leaves the entries unmarked;
 * the next pass sends the same stored bytes again (at least once, never
 * reordered: a merchant's entries are published by one relay at a time, as a
 * prefix of its sequence).
 *
 * Kafka or PostgreSQL down: the pass fails, is retried with backoff, and the
 * entries wait; `finance_outbox_oldest_seconds` shows how long.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, kafka, topic, logger } = options;
  const log = logger.child({ component: 'outbox-relay' });
  const batch = options.batch ?? { merchants: 100, perMerchant: 50 };
  let producer: Producer | null = null;
  let stopping = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });

  const connected = async (): Promise<Producer> => {
    if (producer) return producer;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [topic], options.topicPartitions, log);
    } finally {
      await admin.disconnect();
    }
    const created = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await created.connect();
    producer = created;
    return created;
  };

  const publishOnePass = (): Promise<number> =>
    db.transaction(async (tx) => {
      const entries = await claimOutboxEntries(tx, batch);
      if (entries.length === 0) return 0;
      const send = await connected();
      // In order, one request at a time (idempotent, one in flight): a merchant's entries stay a prefix.
      for (const chunk of sendChunks(entries.map(messageOf), MAX_SEND_BYTES))
        await send.send({ topic, acks: -1, messages: chunk });
      await options.afterPublish?.(entries);
      await markOutboxPublished(tx, entries);
      return entries.length;
    });

  let lastLagReport = 0;
  const reportLag = async () => {
    if (Date.now() - lastLagReport < LAG_REPORT_EVERY_MS) return;
    lastLagReport = Date.now();
    try {
      metrics.outboxOldestSeconds.set(await oldestUnpublishedSeconds(db));
    } catch (err) {
      log.debug({ err }, 'outbox relay: could not read the outbox lag');
    }
  };

  let lastPrune = 0;
  const pruneIfDue = async () => {
    if (Date.now() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = Date.now();
    const before = new Date(Date.now() - options.retentionMs);
    let pruned = 0;
    for (let n = PRUNE_BATCH; n === PRUNE_BATCH && !stopping; pruned += n)
      n = await pruneOutbox(db, before, PRUNE_BATCH);
    if (pruned > 0)
      log.info({ pruned, before: before.toISOString() }, 'outbox relay: pruned published entries');
  };

  const loop = async () => {
    let failures = 0;
    while (!stopping) {
      await reportLag();
      try {
        const published = await publishOnePass();
        if (published > 0) metrics.outboxPublished.inc(published);
        await pruneIfDue();
        failures = 0;
        if (published === 0) await sleep(options.pollMs);
      } catch (err) {
        failures += 1;
        const delayMs = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** Math.min(failures - 1, 10));
        log.warn(
          { event: 'finance.outbox.relay_failed', err, attempt: failures, retryInMs: delayMs },
          `finance.outbox.relay_failed: retrying in ${delayMs} ms`,
        );
        await dropProducer();
        await sleep(delayMs);
      }
    }
  };

  const dropProducer = async () => {
    const old = producer;
    producer = null;
    await old?.disconnect().catch(() => {});
  };

  const running = loop();
  log.info({ topic }, 'outbox relay started');
  return {
    async stop() {
      stopping = true;
      wake?.();
      await running;
      await dropProducer();
    },
  };
}

/** The stored message as sent: key = merchant id (a merchant's messages share a partition), value = the stored bytes. */
/**
 * A pass may claim thousands of entries after an outage, and the broker
 * refuses any partition's record batch above its `message.max.bytes` (1 MiB
 * by default) with MESSAGE_TOO_LARGE, on every retry: the relay would never
 * get past that backlog. Each request carries at most this many bytes of
 * keys, values and headers.
 */
const MAX_SEND_BYTES = 512 * 1024;

/** Splits messages, in order, into runs of at most `maxBytes` each (a larger message goes alone). */
export function sendChunks(messages: Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function sizeOf(m: Message): number {
  const len = (v: unknown) => (typeof v === 'string' || Buffer.isBuffer(v) ? Buffer.byteLength(v) : 0);
  const headers = Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + len(k) + len(v), 0);
  // Record overhead (lengths, offsets, timestamps): a few dozen bytes at most.
  return len(m.key) + len(m.value) + headers + 64;
}

function messageOf(entry: OutboxEntry): Message {
  return {
    key: entry.merchantId,
    value: entry.value,
    headers: { [VOUCHER_ID_HEADER]: entry.voucherId },
  };
}
