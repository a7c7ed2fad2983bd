import { type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { type Logger } from '../lib/logger.js';
import { metrics } from '../lib/metrics.js';
import { type BackoffOptions, PartitionBackoff } from './backoff.js';
import { sendDeadLetter } from './dead-letters.js';
import { decideMessage, type DecodeOptions } from './decode.js';
import { type Db } from '../db/executor.js';
import { type EventStatus, markEventsStarted } from '../db/events.js';
import { requestIdOf } from './event-identity.js';
import { type ConsumerGroupTimeouts } from './kafka.js';
import { OpenWorkflows } from './open-workflows.js';
import { type EventConflict, recordDecisions, reportConflict } from './records.js';
import { type Dlq, type IngestDecision } from './results.js';
import { type IngestStart, type MessageOrigin } from '../temporal/workflow-starts.js';
import { EVENT_WORKFLOW_PREFIX } from '../workflows/ids.js';
import { type WhenDone } from './run-watcher.js';
import { type StartWorkflow } from './workflow-starter.js';

export interface IngestConsumerOptions {
  kafka: Kafka;
  groupId: string;
  /** The topics to consume and what each carries. */
  decode: DecodeOptions;
  dlqTopic: string;
  producer: Producer;
  startWorkflow: StartWorkflow;
  /** Where the event records are written (db/events.ts). */
  db: Db;
  logger: Logger;
  /** Batches (one per partition) processed at once; one partition is never processed concurrently. */
  partitionsConsumedConcurrently: number;
  /** Workflow starts in flight per partition; offsets are still resolved strictly in order. */
  startsInFlightPerPartition?: number;
  backoff?: BackoffOptions;
  /**
   * The bound on this instance's open event workflows, and how it learns one
   * closed. Merchant CDC is never held back: provisioning a merchant is what
   * lets events waiting for it finish.
   */
  openWorkflows: { limit: number; whenDone: WhenDone };
  /** The consumer group's session, heartbeat and rebalance timeouts (`consumerGroupTimeouts`, kafka.ts). */
  group: ConsumerGroupTimeouts;
}

export interface IngestStats {
  started: number;
  duplicates: number;
  skipped: number;
  deadLettered: number;
  /** Failed hand-offs (Temporal or DLQ unreachable) that paused a partition. */
  retries: number;
}

export interface IngestConsumer {
  start(): Promise<void>;
  /** Stops fetching, lets the in-flight batch finish its starts, commits what was accepted, leaves the group. */
  stop(): Promise<void>;
  /** Rejects if kafkajs gives up on the consumer for good. */
  readonly done: Promise<void>;
  readonly stats: IngestStats;
}

/**
 * The broker's long-poll for a fetch that finds nothing new, and, in kafkajs,
 * also how long the fetch loop sleeps while every partition is paused; a
 * resume takes effect only at the next fetch. With kafkajs' default of 5 s a
 * resume at the open-workflow bound's low mark (a quarter of the bound
 * freed) came seconds after the workflows still open had finished, and a
 * backlog drained in bursts with the worker idle between them (BENCHMARKS.md,
 * "The fetch loop's sleep"). 250 ms is far shorter than the time the worker
 * needs for the three quarters of the bound still open, and costs an idle
 * consumer four fetch requests a second.
 */
const FETCH_MAX_WAIT_MS = 250;

/**
 * Kafka → Temporal. Per message: decide (start | skip | dlq), hand it off,
 * and only then resolve its offset; kafkajs commits resolved offsets only.
 *
 * The failure rule is "pause, never skip, never throw": when Temporal or the
 * DLQ cannot take a message, the partition is paused and resumed with
 * backoff, and the batch returns without resolving that message, so the
 * committed offset never passes it. Throwing instead would make kafkajs
 * retry, then leave and rejoin the group (a rebalance storm), and a
 * TypeError-like throw would stop the consumer for good. Only kafkajs' own
 * errors (from heartbeat/commit, e.g. a rebalance) propagate.
 */
export function createIngestConsumer(options: IngestConsumerOptions): IngestConsumer {
  const { kafka, groupId, decode, dlqTopic, producer, startWorkflow, logger, db } = options;
  const log = logger.child({ component: 'ingest' });
  const inFlight = Math.max(1, options.startsInFlightPerPartition ?? 8);
  const backoff = new PartitionBackoff(options.backoff ?? { initialMs: 1_000, maxMs: 15_000 });
  const stats: IngestStats = { started: 0, duplicates: 0, skipped: 0, deadLettered: 0, retries: 0 };
  const open = new OpenWorkflows(options.openWorkflows.limit);
  const { whenDone } = options.openWorkflows;
  const { heartbeatInterval } = options.group;
  const consumer: Consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    ...options.group,
  });

  let settle: { resolve: () => void; reject: (err: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Observed by whoever awaits `done`; never an unhandled rejection when nobody does.
  done.catch(() => undefined);
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) {
      log.warn(
        { err: payload.error, groupId },
        'Kafka consumer crashed; kafkajs restarts it (uncommitted messages are re-read)',
      );
    } else {
      log.error({ err: payload.error, groupId }, 'Kafka consumer crashed and will not restart');
      settle.reject(payload.error);
    }
  });

  /**
   * Starts one workflow; accepted when Temporal holds it (now or before). Never throws.
   * A held slot is given back when the run is done (a duplicate may still be running
   * from an earlier delivery, so it is watched too), or at once when the start was refused.
   */
  async function start(
    at: MessageOrigin,
    request: IngestStart,
    holdsSlot: boolean,
    recorded?: EventStatus,
  ): Promise<{ accepted: boolean; runId?: string }> {
    const outcome = await startOnce(at, request, recorded);
    if (holdsSlot) {
      if (outcome.accepted)
        void whenDone(request.workflowId.slice(EVENT_WORKFLOW_PREFIX.length), outcome.runId).then(() =>
          open.release(),
        );
      else open.release();
    }
    return outcome;
  }

  /** One start attempt: accepted (with the run, none for a duplicate) or not. Never throws. */
  async function startOnce(
    at: MessageOrigin,
    request: IngestStart,
    recorded?: EventStatus,
  ): Promise<{ accepted: boolean; runId?: string }> {
    const fields = {
      ...at,
      workflowId: request.workflowId,
      merchantId: request.merchantId,
      eventType: request.eventType,
    };
    try {
      const endTimer = metrics.workflowStartDuration.startTimer();
      const outcome = await startWorkflow(request);
      endTimer();
      if (outcome.kind === 'started') {
        stats.started += 1;
        metrics.workflowStarts.inc({ outcome: 'started' });
        log.info(
          { ...fields, runId: outcome.runId, eager: outcome.eager, event: 'finance.ingest.workflow_started' },
          `workflow started: ${request.summary}`,
        );
        return { accepted: true, runId: outcome.runId };
      }
      if (outcome.kind === 'duplicate' && recorded === 'FAILED') {
        // The record says the last run failed, yet its ID is taken: that run wrote FAILED and is
        // closing. Absorbing this redelivery as a duplicate would lose the re-run; retry it shortly.
        log.info(
          { ...fields, event: 'finance.ingest.rerun_waits' },
          `workflow ${request.workflowId} failed and is still closing; the re-run is retried`,
        );
        return { accepted: false };
      }
      if (outcome.kind === 'duplicate') {
        stats.duplicates += 1;
        metrics.workflowStarts.inc({ outcome: 'already_started' });
        log.info(
          { ...fields, event: 'finance.ingest.duplicate' },
          `duplicate: workflow ${request.workflowId} was already started or completed; nothing to do`,
        );
        return { accepted: true };
      }
      log.warn(
        { ...fields, code: outcome.code, error: outcome.message },
        `workflow start not accepted (${outcome.code}); will retry`,
      );
    } catch (err) {
      log.error({ ...fields, err }, 'workflow start failed unexpectedly; will retry');
    }
    return { accepted: false };
  }

  /** Sends one dead letter; true once the DLQ acknowledged it. Never throws. */
  async function deadLetter(
    at: MessageOrigin,
    message: KafkaMessage,
    verdict: Dlq & { conflict?: EventConflict },
  ): Promise<boolean> {
    const fields = { ...at, reason: verdict.reason, detail: verdict.detail, dlqTopic };
    try {
      const original = {
        ...at,
        key: message.key,
        value: message.value,
        headers: message.headers,
        timestamp: message.timestamp,
      };
      await sendDeadLetter(producer, dlqTopic, original, verdict);
      stats.deadLettered += 1;
      metrics.deadLetters.inc({ reason: verdict.reason });
      if (verdict.conflict) reportConflict(log, at, verdict.conflict);
      log.warn(
        { ...fields, event: 'finance.ingest.dead_lettered' },
        `message dead-lettered to ${dlqTopic}: ${verdict.reason}`,
      );
      return true;
    } catch (err) {
      log.error({ ...fields, err }, 'could not send a dead letter; will retry');
      return false;
    }
  }

  /**
   * Hands a chunk of one partition's messages off and returns how many, from
   * the first, were handed off (fewer than given when it reached the
   * open-workflow bound) and how many of those may be resolved. First the
   * chunk's event records are written in one statement (records.ts), which
   * also finds conflicting duplicates; when that fails, nothing of the chunk
   * is accepted. Workflow starts then run concurrently; skips and dead letters
   * are acted on in order, only once everything before them was accepted, so
   * a retried chunk never
   * dead-letters a message twice.
   */
  async function handOff(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
  ): Promise<{ handled: number; accepted: number }> {
    const bounded = decode.topicRoles.get(topic) === 'events';
    const raw = messages.map((m) => ({
      topic,
      partition,
      offset: m.offset,
      value: m.value,
      requestId: requestIdOf(m.headers),
    }));
    const decided = raw.map((m) => decideMessage(m, decode));
    // The chunk ends before the first start that finds no free slot; the rest is fetched again after the resume.
    let end = decided.findIndex((d) => d.kind === 'start' && bounded && !open.tryTake());
    if (end < 0) end = decided.length;
    const chunk = messages.slice(0, end);
    const origins = chunk.map((m) => ({ topic, partition, offset: m.offset }));
    const slots = bounded ? decided.slice(0, end).filter((d) => d.kind === 'start').length : 0;
    let decisions: IngestDecision[];
    try {
      decisions = await recordDecisions(db, raw.slice(0, end), decided.slice(0, end));
    } catch (err) {
      for (let k = 0; k < slots; k += 1) open.release();
      log.error(
        { topic, partition, offset: chunk[0]!.offset, err },
        'could not write the event records; will retry',
      );
      return { handled: end, accepted: 0 };
    }
    // A start the record turned into a dead letter (a conflicting duplicate) gives its slot back.
    if (bounded)
      decisions.forEach((d, j) => d.kind !== 'start' && decided[j]!.kind === 'start' && open.release());
    const runs: { id: string; runId: string }[] = [];
    const starts = decisions.map((d, j) =>
      d.kind === 'start'
        ? start(origins[j]!, d.start, bounded, d.recorded).then((outcome) => {
            if (outcome.runId) runs.push({ id: d.identity.id, runId: outcome.runId });
            return outcome.accepted;
          })
        : undefined,
    );
    let accepted = 0;
    for (const [j, decision] of decisions.entries()) {
      let ok: boolean;
      if (decision.kind === 'start') ok = await starts[j]!;
      else if (decision.kind === 'dlq') ok = await deadLetter(origins[j]!, chunk[j]!, decision);
      else {
        stats.skipped += 1;
        metrics.ingestSkipped.inc({ reason: decision.reason });
        log.info(
          { ...origins[j], reason: decision.reason, event: 'finance.ingest.skipped' },
          `message skipped: ${decision.reason}`,
        );
        ok = true;
      }
      if (!ok) break;
      accepted += 1;
    }
    // Starts after a refused one still run to their deadline; wait, so none outlives the batch.
    await Promise.all(starts);
    await markEventsStarted(db, runs).catch((err: unknown) =>
      // Not worth a retry: the run ends the record anyway (POSTED, SKIPPED or FAILED).
      log.warn({ topic, partition, err }, 'could not mark the started events STARTED'),
    );
    return { handled: end, accepted };
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause } = payload;
    const { topic, partition, messages } = batch;
    for (let i = 0; i < messages.length; i += inFlight) {
      // Stopping, or the partition was revoked/seeked: leave the rest unresolved for whoever reads next.
      if (!isRunning() || isStale()) return;
      const chunk = messages.slice(i, i + inFlight);
      const { handled, accepted } = await heartbeatWhile(heartbeat, handOff(topic, partition, chunk));
      // In order only: a later start that succeeded is started again after the pause and recognised as a duplicate.
      for (const m of chunk.slice(0, accepted)) resolveOffset(m.offset);
      if (accepted < handled) {
        stats.retries += 1;
        const refused = chunk[accepted]!.offset;
        const { delayMs, attempt } = backoff.pause(topic, partition, pause);
        log.warn(
          {
            topic,
            partition,
            offset: refused,
            attempt,
            retryInMs: delayMs,
            event: 'finance.ingest.partition_paused',
          },
          `partition ${topic}/${partition} paused at offset ${refused}; retrying in ${delayMs} ms`,
        );
        return;
      }
      backoff.succeeded(topic, partition);
      if (handled < chunk.length) {
        // Not a failure: Temporal has this instance's share of work; Kafka keeps the rest until completions free slots.
        open.pauseUntilFree(topic, partition, pause);
        log.debug({ topic, partition, open: open.count }, 'partition paused at the open-workflow bound');
        return;
      }
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /**
   * kafkajs heartbeats only when asked (between batches, or from the batch);
   * a chunk waits on Temporal up to the start timeout, longer than the short
   * session timeout that lets a crashed member's partitions move quickly, so
   * the membership is kept alive while it waits. A failed heartbeat (e.g. a
   * rebalance) is not recorded as sent, so the heartbeat after the chunk
   * meets the same error and hands it to kafkajs.
   */
  async function heartbeatWhile<T>(heartbeat: () => Promise<void>, work: Promise<T>): Promise<T> {
    const timer = setInterval(() => void heartbeat().catch(() => undefined), heartbeatInterval);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  }

  return {
    stats,
    done,
    async start() {
      await consumer.connect();
      // fromBeginning: a new group starts at the earliest offset; with "latest", a group that has no
      // committed offset yet and restarts after an error may skip messages (kafkajs #238).
      await consumer.subscribe({ topics: [...decode.topicRoles.keys()], fromBeginning: true });
      await consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        // Long batches commit their accepted prefix as they go (besides the commit at each batch end).
        autoCommitInterval: 1_000,
        eachBatch,
      });
      log.info({ groupId, topics: [...decode.topicRoles.keys()], dlqTopic }, 'ingest consuming');
    },
    async stop() {
      await consumer.disconnect();
      backoff.clear();
      open.clear();
      settle.resolve();
      log.info({ groupId, ...stats }, 'ingest stopped');
    },
  };
}
