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

const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
  new Counter<L>({ name, help, labelNames, registers });
const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
  new Gauge<L>({ name, help, labelNames, registers });
/** Latency histograms, all on the same buckets (seconds). */
const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
  new Histogram<L>({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers });

export const metrics = {
  // ---- api
  httpRequests: counter(
    'finance_http_requests_total',
    'HTTP requests answered by the API, by route template and status code.',
    ['method', 'route', 'status_code'],
  ),
  httpDuration: histogram(
    'finance_http_request_duration_seconds',
    'Time from request received to response sent.',
    ['method', 'route'],
  ),

  wsConnections: gauge('finance_ws_connections', 'Open live-update WebSockets on this API replica.'),
  liveUpdatesDropped: counter(
    'finance_live_updates_dropped_total',
    'Live updates not delivered: where = publish (worker could not reach Redis), relay (replica overloaded), slow_consumer (socket dropped).',
    ['where'],
  ),

  // ---- worker
  vouchersPosted: counter(
    'finance_vouchers_posted_total',
    'Vouchers committed by this worker, by voucher type (REVERSAL = voids). Idempotent replays are not counted.',
    ['voucher_type'],
  ),
  idempotentReplays: counter(
    'finance_idempotent_replays_total',
    'Postings whose source was already posted: the existing voucher was returned (finance.voucher.idempotent_replay).',
  ),
  postingFailures: counter(
    'finance_posting_failures_total',
    'Posting workflows that failed for good (finance.posting.failed), by ledger error code and workflow type.',
    ['code', 'workflow'],
  ),
  postingsSkipped: counter(
    'finance_postings_skipped_total',
    'Events that post nothing by rule (SKIP voucher), by event type.',
    ['event_type'],
  ),
  controlAccountMissing: counter(
    'finance_control_account_missing_total',
    'Posting attempts refused because the merchant or its INVENTORY/COGS control account does not exist yet (retried).',
  ),
  accountNegative: counter(
    'finance_account_negative_total',
    'Postings that took a DEBIT-normal asset account below zero (finance.account.went_negative), by account code.',
    ['account_code'],
  ),
  outboxOldestSeconds: gauge(
    'finance_outbox_oldest_seconds',
    'Age of the oldest outbox entry not yet published to the voucher stream (0 when none waits), read from the database by the relay.',
  ),
  outboxPublished: counter(
    'finance_outbox_published_total',
    'Outbox entries this relay published to the voucher stream (a crash before marking publishes some again).',
  ),
  postingDuration: histogram(
    'finance_posting_duration_seconds',
    'Time of one posting (the locking statement and its round trip), successful or not.',
  ),

  // ---- ingest
  ingestSkipped: counter(
    'finance_ingest_skipped_total',
    'Kafka messages ingest passed over on purpose (e.g. a CDC tombstone), by reason.',
    ['reason'],
  ),
  deadLetters: counter(
    'finance_ingest_dead_letters_total',
    'Kafka messages sent to the dead-letter topic, by reason code.',
    ['reason'],
  ),
  eventConflicts: counter(
    'finance_event_conflicts_total',
    'Events that arrived again under a known id with another payload (dead-lettered as CONFLICTING_DUPLICATE).',
  ),
  workflowStarts: counter(
    'finance_ingest_workflow_starts_total',
    'Workflow starts accepted by Temporal: started, or already_started (a redelivery).',
    ['outcome'],
  ),
  workflowStartDuration: histogram(
    'finance_ingest_workflow_start_duration_seconds',
    'Time for Temporal to accept one workflow start, client retries included.',
  ),
  ingestOpenWorkflows: gauge(
    'finance_ingest_open_workflows',
    'Workflows this ingest instance started (or found running) that have not closed yet; bounded by APP_ENV_INGEST_MAX_OPEN_WORKFLOWS.',
  ),
  consumerLag: gauge(
    'finance_ingest_consumer_lag',
    'Messages not yet committed by the consumer group, per partition (log end offset minus committed offset).',
    ['topic', 'partition'],
  ),
};
