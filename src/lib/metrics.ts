import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of every role (docs/runbook.md). One registry per
 * process: `RUN_MODE=all` serves the api's, worker's and ingest's series from
 * one `/metrics`. The names are a contract with deploy/prometheus/alerts.yml
 * and docs/runbook.md; rename them together or not at all.
 *
 * Label values are bounded sets (voucher types, error codes, event types,
 * route templates, topic/partition), never ids, so cardinality stays small.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'finance_' });

const registers = [registry];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  // ---- api
  httpRequests: new Counter({
    name: 'finance_http_requests_total',
    help: 'HTTP requests answered by the API, by route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers,
  }),
  httpDuration: new Histogram({
    name: 'finance_http_request_duration_seconds',
    help: 'Time from request received to response sent.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  }),

  wsConnections: new Gauge({
    name: 'finance_ws_connections',
    help: 'Open live-update WebSockets on this API replica.',
    registers,
  }),
  liveUpdatesDropped: new Counter({
    name: 'finance_live_updates_dropped_total',
    help: 'Live updates not delivered: where = publish (worker could not reach Redis), relay (replica overloaded), slow_consumer (socket dropped).',
    labelNames: ['where'] as const,
    registers,
  }),

  // ---- worker
  vouchersPosted: new Counter({
    name: 'finance_vouchers_posted_total',
    help: 'Vouchers committed by this worker, by voucher type (REVERSAL = voids). Idempotent replays are not counted.',
    labelNames: ['voucher_type'] as const,
    registers,
  }),
  idempotentReplays: new Counter({
    name: 'finance_idempotent_replays_total',
    help: 'Postings whose source was already posted: the existing voucher was returned (finance.voucher.idempotent_replay).',
    registers,
  }),
  postingFailures: new Counter({
    name: 'finance_posting_failures_total',
    help: 'Posting workflows that failed for good (finance.posting.failed), by ledger error code and workflow type.',
    labelNames: ['code', 'workflow'] as const,
    registers,
  }),
  postingsSkipped: new Counter({
    name: 'finance_postings_skipped_total',
    help: 'Events that post nothing by rule (SKIP voucher), by event type.',
    labelNames: ['event_type'] as const,
    registers,
  }),
  controlAccountMissing: new Counter({
    name: 'finance_control_account_missing_total',
    help: 'Posting attempts refused because the merchant or its INVENTORY/COGS control account does not exist yet (retried).',
    registers,
  }),
  accountNegative: new Counter({
    name: 'finance_account_negative_total',
    help: 'Postings that took a DEBIT-normal asset account below zero (finance.account.went_negative), by account code.',
    labelNames: ['account_code'] as const,
    registers,
  }),
  postingDuration: new Histogram({
    name: 'finance_posting_duration_seconds',
    help: 'Time of one posting (the locking statement and its round trip), successful or not.',
    buckets: LATENCY_BUCKETS,
    registers,
  }),

  // ---- ingest
  ingestSkipped: new Counter({
    name: 'finance_ingest_skipped_total',
    help: 'Kafka messages ingest passed over on purpose (e.g. a CDC tombstone), by reason.',
    labelNames: ['reason'] as const,
    registers,
  }),
  deadLetters: new Counter({
    name: 'finance_ingest_dead_letters_total',
    help: 'Kafka messages sent to the dead-letter topic, by reason code.',
    labelNames: ['reason'] as const,
    registers,
  }),
  workflowStarts: new Counter({
    name: 'finance_ingest_workflow_starts_total',
    help: 'Workflow starts accepted by Temporal: started, or already_started (a redelivery).',
    labelNames: ['outcome'] as const,
    registers,
  }),
  workflowStartDuration: new Histogram({
    name: 'finance_ingest_workflow_start_duration_seconds',
    help: 'Time for Temporal to accept one workflow start, client retries included.',
    buckets: LATENCY_BUCKETS,
    registers,
  }),
  consumerLag: new Gauge({
    name: 'finance_ingest_consumer_lag',
    help: 'Messages not yet committed by the consumer group, per partition (log end offset minus committed offset).',
    labelNames: ['topic', 'partition'] as const,
    registers,
  }),
};
