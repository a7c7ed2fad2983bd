import { type MerchantScope } from '../auth/roles.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';
import { and, tenancy } from './tenancy.js';

/**
 * The event record (docs/reference/events.md, "The event record"): one row per
 * ingested event id. Ingest inserts it before the workflow starts; the
 * posting statement sets POSTED (posting-statement.ts); the workflow's last
 * step sets SKIPPED or FAILED. Every status write here is conditional, so a
 * late or repeated write never moves a record backwards.
 */
export type EventStatus = 'RECEIVED' | 'STARTED' | 'POSTED' | 'SKIPPED' | 'FAILED' | 'DEAD_LETTERED';
export const EVENT_STATUSES: readonly EventStatus[] = [
  'RECEIVED',
  'STARTED',
  'POSTED',
  'SKIPPED',
  'FAILED',
  'DEAD_LETTERED',
];

export interface NewEventRecord {
  id: string;
  merchantId: string | null;
  type: string | null;
  fingerprint: string;
  envelope: string;
  topic: string;
  partition: number;
  offset: string;
  /** RECEIVED for an event about to start, DEAD_LETTERED for one ingest refused. */
  status: 'RECEIVED' | 'DEAD_LETTERED';
  failureCode: string | null;
  failureMessage: string | null;
  workflowId: string | null;
  requestId: string | null;
}

/** What the record of an id holds after the insert: the first fingerprint stands. */
export interface StoredEvent {
  fingerprint: string;
  status: EventStatus;
  inserted: boolean;
}

/**
 * A dead-lettered record gives way to a valid message under its id (the
 * producer fixed and re-sent it); any other record stays as it is.
 */
const REPLACED_BY_VALID = `e.status = 'DEAD_LETTERED' AND excluded.status = 'RECEIVED'`;
const replaceDeadLetter = Prisma.raw(
  [
    'merchant_id',
    'type',
    'fingerprint',
    'envelope',
    'topic',
    'kafka_partition',
    'kafka_offset',
    'status',
    'failure_code',
    'failure_message',
    'workflow_id',
    'request_id',
    'finished_at',
    'updated_at',
  ]
    .map((c) => `${c} = CASE WHEN ${REPLACED_BY_VALID} THEN excluded.${c} ELSE e.${c} END`)
    .join(', '),
);

/**
 * Records a chunk of messages in ONE statement and returns, for every id,
 * the fingerprint it is stored under — a differing one is a conflicting
 * duplicate. `ON CONFLICT DO UPDATE` (rather than DO NOTHING) because only it
 * returns the existing row, at its latest committed version, even when a
 * concurrent ingest inserted it after this statement's snapshot; the update
 * changes nothing but a dead-lettered record. Rows are sorted by id so two chunks that
 * share ids lock them in one order. Ids must be distinct (one row may be
 * affected once per statement): the caller sends each id's first message.
 */
export async function recordEvents(db: Db, records: NewEventRecord[]): Promise<Map<string, StoredEvent>> {
  if (records.length === 0) return new Map();
  const rows = [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const col = <K extends keyof NewEventRecord>(k: K) => rows.map((r) => r[k]);
  const stored = await db.query<{ id: string; fingerprint: string; status: EventStatus; inserted: boolean }>(
    Prisma.sql`
    INSERT INTO finance."FinanceEvent" AS e (id, merchant_id, type, fingerprint, envelope, topic, kafka_partition,
                                            kafka_offset, status, failure_code, failure_message, workflow_id,
                                            request_id, finished_at, created_at, updated_at)
    SELECT r.id, r.merchant_id, r.type, r.fingerprint, r.envelope, r.topic, r.kafka_partition, r.kafka_offset,
           r.status::finance."FinanceEventStatus", r.failure_code, r.failure_message, r.workflow_id, r.request_id,
           CASE WHEN r.status = 'DEAD_LETTERED' THEN now() END, now(), now()
      FROM unnest(${col('id')}::text[], ${col('merchantId')}::bigint[], ${col('type')}::text[],
                  ${col('fingerprint')}::text[], ${col('envelope')}::text[], ${col('topic')}::text[],
                  ${col('partition')}::int[], ${col('offset')}::bigint[], ${col('status')}::text[],
                  ${col('failureCode')}::text[], ${col('failureMessage')}::text[], ${col('workflowId')}::text[],
                  ${col('requestId')}::text[])
           WITH ORDINALITY AS r(id, merchant_id, type, fingerprint, envelope, topic, kafka_partition, kafka_offset,
                                status, failure_code, failure_message, workflow_id, request_id, n)
     ORDER BY r.n
    ON CONFLICT (id) DO UPDATE SET ${replaceDeadLetter}
    RETURNING e.id, e.fingerprint, e.status::text AS status, (xmax = 0) AS inserted`,
    { name: 'finance_record_events' },
  );
  return new Map(
    stored.map((s) => [s.id, { fingerprint: s.fingerprint, status: s.status, inserted: s.inserted }]),
  );
}

/**
 * STARTED, with the run that was started, for records still waiting for it:
 * RECEIVED, or FAILED by an earlier run (a re-drive). A run that already
 * finished (POSTED, SKIPPED, or FAILED by this very run) is never overwritten.
 */
export async function markEventsStarted(db: Db, starts: { id: string; runId: string }[]): Promise<void> {
  if (starts.length === 0) return;
  await db.execute(Prisma.sql`
    UPDATE finance."FinanceEvent" e
       SET status = 'STARTED', run_id = s.run_id, failure_code = NULL, failure_message = NULL,
           finished_at = NULL, updated_at = now()
      FROM unnest(${starts.map((s) => s.id)}::text[], ${starts.map((s) => s.runId)}::text[]) AS s(id, run_id)
     WHERE e.id = s.id
       AND (e.status IN ('RECEIVED', 'DEAD_LETTERED')
            OR (e.status = 'FAILED' AND e.run_id IS DISTINCT FROM s.run_id)
            OR (e.status = 'STARTED' AND e.run_id IS DISTINCT FROM s.run_id))`);
}

export interface EventOutcome {
  id: string;
  runId: string;
  /** POSTED here only for a merchant change (applied; it posts no voucher): an event's POSTED commits with its posting. */
  status: 'POSTED' | 'SKIPPED' | 'FAILED';
  code: string | null;
  message: string | null;
}

/**
 * The end of a run that posted no voucher: SKIPPED, FAILED with its code, or
 * a merchant change applied (POSTED). A POSTED or SKIPPED record is final and
 * stays as it is.
 */
export async function finishEvent(db: Db, o: EventOutcome): Promise<boolean> {
  const n = await db.execute(Prisma.sql`
    UPDATE finance."FinanceEvent" e
       SET status = ${o.status}::finance."FinanceEventStatus", run_id = ${o.runId},
           failure_code = left(${o.code}::text, 64), failure_message = left(${o.message}::text, 2000),
           finished_at = now(), updated_at = now()
     WHERE e.id = ${o.id} AND e.status NOT IN ('POSTED', 'SKIPPED')`);
  return n > 0;
}

/**
 * POSTED outside the posting statement: only for the one path where the
 * statement did not commit but the event's voucher exists — a concurrent
 * duplicate of the same source won the race on its unique index.
 */
export async function markEventPosted(db: Db, id: string, runId: string | null): Promise<void> {
  await db.execute(Prisma.sql`
    UPDATE finance."FinanceEvent" e
       SET status = 'POSTED', run_id = coalesce(${runId}::text, e.run_id), failure_code = NULL,
           failure_message = NULL, finished_at = now(), updated_at = now()
     WHERE e.id = ${id} AND e.status <> 'POSTED'`);
}
/**
 * Of these runs, the events whose record has reached a final status (POSTED,
 * SKIPPED or FAILED); with a run id, written by that run (a redelivered event
 * still shows its earlier run's FAILED until the new run is marked STARTED).
 */
export async function finishedRuns(db: Db, runs: { id: string; runId: string | null }[]): Promise<string[]> {
  if (runs.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    Prisma.sql`
    SELECT DISTINCT w.id
      FROM unnest(${runs.map((r) => r.id)}::text[], ${runs.map((r) => r.runId)}::text[]) AS w(id, run_id)
      JOIN finance."FinanceEvent" e ON e.id = w.id
     WHERE e.status IN ('POSTED', 'SKIPPED', 'FAILED')
       AND (w.run_id IS NULL OR e.run_id = w.run_id)`,
    { name: 'finance_finished_runs' },
  );
  return rows.map((r) => r.id);
}

export interface EventRow {
  id: string;
  merchantId: string | null;
  type: string | null;
  fingerprint: string;
  status: EventStatus;
  topic: string | null;
  partition: number | null;
  offset: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  workflowId: string | null;
  runId: string | null;
  requestId: string | null;
  receivedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  vouchers: { id: string; voucherNumber: string; type: string; status: string }[];
}

const columns = Prisma.sql`e.id, e.merchant_id::text AS "merchantId", e.type, e.fingerprint, e.status::text AS status,
  e.topic, e.kafka_partition AS partition, e.kafka_offset::text AS "offset", e.failure_code AS "failureCode",
  e.failure_message AS "failureMessage", e.workflow_id AS "workflowId", e.run_id AS "runId",
  e.request_id AS "requestId", e.created_at AS "receivedAt", e.updated_at AS "updatedAt", e.finished_at AS "finishedAt",
  (SELECT coalesce(json_agg(json_build_object('id', v.id::text, 'voucherNumber', v.voucher_number,
                                              'type', v.type, 'status', v.status) ORDER BY v.id), '[]'::json)
     FROM finance."FinanceVoucher" v
    WHERE v.event_id = e.id AND v.merchant_id = e.merchant_id AND v.deleted_at IS NULL) AS vouchers`;

type RawEvent = Omit<EventRow, 'receivedAt' | 'updatedAt' | 'finishedAt'> & {
  receivedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
};

const toEvent = (e: RawEvent): EventRow => ({
  ...e,
  receivedAt: e.receivedAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
  finishedAt: e.finishedAt?.toISOString() ?? null,
});

/**
 * One event, if the scope may see it. A record without a merchant (a dead
 * letter that named none) belongs to no tenant: only EVERY_MERCHANT sees it.
 * A missing record and another tenant's look the same.
 */
export async function findEvent(db: Db, scope: MerchantScope, id: string): Promise<EventRow | null> {
  const tenant = scope.all ? Prisma.sql`TRUE` : tenancy(scope, Prisma.sql`e.merchant_id`);
  if (!tenant) return null;
  const rows = await db.query<RawEvent>(Prisma.sql`
    SELECT ${columns} FROM finance."FinanceEvent" e WHERE e.id = ${id} AND e.deleted_at IS NULL AND ${tenant}`);
  return rows[0] ? toEvent(rows[0]) : null;
}

export interface EventFilter {
  merchantId?: string;
  status?: EventStatus;
  type?: string;
  failureCode?: string;
  from?: Date;
  to?: Date;
}

/** Events the scope may see, newest first; one more than `limit` tells a next page exists. */
export async function listEvents(
  db: Db,
  scope: MerchantScope,
  f: EventFilter,
  after: { receivedAt: Date; id: string } | null,
  limit: number,
): Promise<EventRow[]> {
  const tenant =
    scope.all && f.merchantId === undefined
      ? Prisma.sql`TRUE`
      : tenancy(scope, Prisma.sql`e.merchant_id`, f.merchantId);
  if (!tenant) return [];
  const rows = await db.query<RawEvent>(Prisma.sql`
    SELECT ${columns} FROM finance."FinanceEvent" e
     WHERE ${and([
       Prisma.sql`e.deleted_at IS NULL`,
       tenant,
       f.status !== undefined && Prisma.sql`e.status = ${f.status}::finance."FinanceEventStatus"`,
       f.type !== undefined && Prisma.sql`e.type = ${f.type}`,
       f.failureCode !== undefined && Prisma.sql`e.failure_code = ${f.failureCode}`,
       f.from && Prisma.sql`e.created_at >= ${f.from}`,
       f.to && Prisma.sql`e.created_at < ${f.to}`,
       after && Prisma.sql`(e.created_at, e.id) < (${after.receivedAt}, ${after.id})`,
     ])}
     ORDER BY e.created_at DESC, e.id DESC LIMIT ${limit + 1}`);
  return rows.map(toEvent);
}

/** What a re-drive starts the event's workflow again from. */
export async function eventEnvelope(
  db: Db,
  id: string,
): Promise<{ envelope: string; workflowId: string | null; type: string | null } | null> {
  const rows = await db.query<{
    envelope: string;
    workflowId: string | null;
    type: string | null;
  }>(Prisma.sql`
    SELECT envelope, workflow_id AS "workflowId", type FROM finance."FinanceEvent"
     WHERE id = ${id} AND deleted_at IS NULL`);
  return rows[0] ?? null;
}
