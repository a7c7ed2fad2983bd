import { type TemporalConfig } from '../config/index.js';
import { type Db } from '../db/executor.js';
import { type EventRow, eventEnvelope, findEvent, listEvents, markEventsStarted } from '../db/events.js';
import { EVERY_MERCHANT } from '../db/tenancy.js';
import { type MerchantChange } from '../domain/events.js';
import { decodePostingEvent } from '../ingest/events.js';
import { createWorkflowStarter, type StartWorkflow } from '../ingest/workflow-starter.js';
import { isId } from '../lib/ids.js';
import { createTemporalClient } from '../temporal/client.js';
import { type IngestStart, postEventStart, provisionMerchantStart } from '../temporal/workflow-starts.js';
import { type Out, printable, table } from './output.js';
import { progress } from './progress.js';

export interface RedriveOptions {
  event?: string;
  merchant?: string;
  code?: string;
  since?: string;
  yes: boolean;
}

const PAGE = 500;

/**
 * `finance redrive`: starts the workflow of failed events again, from the
 * envelope their record stored (no Kafka needed), with the same workflow id
 * and policies as ingest — ALLOW_DUPLICATE_FAILED_ONLY, so a run can only
 * follow a failed one and a completed event never runs again. Dry run unless
 * `--yes`. Exit 0 when every selected event was started (or is running
 * already), 1 when one could not be, 2 on bad arguments.
 */
export async function runRedrive(
  db: Db,
  temporal: TemporalConfig,
  out: Out,
  o: RedriveOptions,
): Promise<number> {
  const problem = checkArguments(o);
  if (problem) {
    out.line(problem);
    return 2;
  }
  const events = await selectFailed(db, o);
  if (events === 'not-failed') return 1;
  if (events.length === 0) {
    out.line('No failed events match.');
    return 0;
  }
  out.line(
    `${events.length} failed event(s)${o.yes ? ' to re-drive' : ' would be re-driven (dry run; add --yes)'}:`,
  );
  for (const row of table([
    ['event', 'merchant', 'type', 'code', 'failed at'],
    ...events.map((e) => [e.id, e.merchantId ?? '', e.type ?? '', e.failureCode ?? '', e.finishedAt ?? '']),
  ]))
    out.line(`  ${row}`);
  if (!o.yes) return 0;

  const { client, connection } = await createTemporalClient(temporal);
  const start = createWorkflowStarter({ client, taskQueue: temporal.taskQueue, startTimeoutMs: 10_000 });
  const summary = { started: 0, running: 0, refused: [] as string[] };
  const bar = progress('redrive', events.length);
  try {
    for (const e of events) {
      const outcome = await redriveOne(db, temporal, start, e);
      if (outcome === 'started') summary.started += 1;
      else if (outcome === 'running') summary.running += 1;
      else summary.refused.push(`${e.id}: ${outcome}`);
      bar.tick(e.id);
    }
  } finally {
    bar.done();
    await connection.close();
  }
  out.line(
    `Re-driven: ${summary.started} started, ${summary.running} already running or completed, ${summary.refused.length} not started.`,
  );
  for (const r of summary.refused) out.line(`  ${printable(r)}`);
  out.line('Follow them with `npm run finance -- trace <event id>` or GET /events?status=FAILED.');
  return summary.refused.length === 0 ? 0 : 1;

  async function selectFailed(db: Db, o: RedriveOptions): Promise<EventRow[] | 'not-failed'> {
    // Event ids are checked by the lookup itself: anything else matches no record.
    if (o.event) {
      const e = await findEvent(db, EVERY_MERCHANT, o.event);
      if (!e) {
        out.line(`No event ${printable(o.event)}.`);
        return 'not-failed';
      }
      if (e.status !== 'FAILED') {
        out.line(
          `Event ${printable(e.id)} is ${e.status}: ${WHY_NOT[e.status] ?? 'only a FAILED event is re-driven'}.`,
        );
        return 'not-failed';
      }
      return [e];
    }
    const all: EventRow[] = [];
    let after: { receivedAt: Date; id: string } | null = null;
    for (;;) {
      const rows = await listEvents(
        db,
        EVERY_MERCHANT,
        {
          status: 'FAILED',
          ...(o.merchant ? { merchantId: o.merchant } : {}),
          ...(o.code ? { failureCode: o.code } : {}),
          ...(o.since ? { from: new Date(o.since) } : {}),
        },
        after,
        PAGE,
      );
      all.push(...rows.slice(0, PAGE));
      if (rows.length <= PAGE) return all.reverse(); // oldest first: the order they were received
      const last = rows[PAGE - 1]!;
      after = { receivedAt: new Date(last.receivedAt), id: last.id };
    }
  }
}

const WHY_NOT: Record<string, string> = {
  POSTED: 'it completed and never runs again',
  SKIPPED: 'it completed (skipped by rule) and never runs again',
  STARTED: 'its workflow is running',
  RECEIVED: 'its workflow is being started by ingest',
  DEAD_LETTERED: 'ingest refused it; fix the message and produce it again',
};

function checkArguments(o: RedriveOptions): string | null {
  if (o.event && (o.merchant || o.code || o.since))
    return 'Give --event alone, or --merchant/--code/--since.';
  if (!o.event && !o.merchant && !o.code && !o.since)
    return 'Say which failed events: --event <id>, or any of --merchant <id>, --code <failure code>, --since <ISO time>.';
  if (o.merchant && !isId(o.merchant)) return `--merchant "${printable(o.merchant)}" is not a merchant id.`;
  if (o.since && Number.isNaN(new Date(o.since).getTime()))
    return `--since "${printable(o.since)}" is not a time (e.g. 2026-11-29T08:00:00Z).`;
  return null;
}

/** One event's start again; the record becomes STARTED with the new run. */
async function redriveOne(
  db: Db,
  temporal: TemporalConfig,
  start: StartWorkflow,
  e: EventRow,
): Promise<'started' | 'running' | string> {
  const stored = await eventEnvelope(db, e.id);
  if (!stored?.workflowId) return 'no stored envelope or workflow id';
  const request = requestOf(temporal, e, stored.envelope, stored.workflowId);
  if (typeof request === 'string') return request;
  const outcome = await start(request);
  if (outcome.kind === 'started') {
    await markEventsStarted(db, [{ id: e.id, runId: outcome.runId }]);
    return 'started';
  }
  if (outcome.kind === 'duplicate') return 'running';
  return `Temporal refused the start (${outcome.code}): ${outcome.message}`;
}

function requestOf(
  temporal: TemporalConfig,
  e: EventRow,
  envelope: string,
  workflowId: string,
): IngestStart | string {
  const from = {
    origin:
      e.topic !== null && e.partition !== null && e.offset !== null
        ? { topic: e.topic, partition: e.partition, offset: e.offset }
        : undefined,
    requestId: e.requestId,
  };
  if (e.type?.startsWith('merchant.')) {
    return provisionMerchantStart(JSON.parse(envelope) as MerchantChange, workflowId, from);
  }
  const decoded = decodePostingEvent(JSON.parse(envelope));
  if (decoded.kind !== 'ok')
    return `the stored envelope no longer decodes (${decoded.kind === 'dlq' ? decoded.detail : 'skip'})`;
  const request = postEventStart(decoded.value, from);
  return request.workflowId === workflowId
    ? request
    : `its workflow id changed (${workflowId} → ${request.workflowId})`;
}
