import { WorkflowNotFoundError } from '@temporalio/client';
import { type TemporalConfig } from '../config/index.js';
import { type Db } from '../db/executor.js';
import { findEvent } from '../db/events.js';
import { EVERY_MERCHANT } from '../db/tenancy.js';
import { findVoucher } from '../db/vouchers.js';
import { createTemporalClient } from '../temporal/client.js';
import { type Out, printable } from './output.js';
import { linesTable } from './voucher.js';

/** `finance trace <event id>`: the event's life on one screen — record, Kafka, workflow, vouchers and lines. */
export async function runTrace(db: Db, temporal: TemporalConfig, out: Out, eventId: string): Promise<number> {
  const e = await findEvent(db, EVERY_MERCHANT, eventId);
  if (!e) {
    out.line(`No event ${printable(eventId)}.`);
    return 1;
  }
  out.line(`event ${printable(e.id)}  ${e.type ?? '(unknown type)'}  merchant ${e.merchantId ?? '(none)'}`);
  out.line(`  status      ${e.status}${e.finishedAt ? ` at ${e.finishedAt}` : ''}`);
  if (e.failureCode || e.failureMessage)
    out.line(`  failure     ${e.failureCode ?? ''} ${printable(e.failureMessage ?? '')}`);
  out.line(`  received    ${e.receivedAt}${e.topic ? ` from ${e.topic}/${e.partition}@${e.offset}` : ''}`);
  out.line(`  request id  ${printable(e.requestId ?? '')}`);
  out.line(`  fingerprint ${e.fingerprint}`);
  out.line(`  workflow    ${e.workflowId ?? '(none)'}${e.runId ? ` run ${e.runId}` : ''}`);
  if (e.workflowId) out.line(`  temporal    ${await workflowStatus(temporal, e.workflowId)}`);
  for (const ref of e.vouchers) {
    const v = await findVoucher(db, EVERY_MERCHANT, ref.id);
    if (!v) continue;
    out.line('');
    out.line(
      `  ${v.voucherNumber}  ${v.type}  ${v.status}  source ${printable(`${v.sourceType}/${v.sourceId}`)}`,
    );
    for (const row of linesTable(v, { memo: false })) out.line(`    ${row}`);
  }
  if (e.vouchers.length === 0) out.line('  vouchers    none');
  return 0;
}

/** The workflow's latest run as Temporal sees it; the record stands on its own when Temporal cannot answer. */
async function workflowStatus(temporal: TemporalConfig, workflowId: string): Promise<string> {
  const { client, connection } = await createTemporalClient(temporal);
  try {
    const d = await client.withDeadline(Date.now() + 5_000, () =>
      client.workflow.getHandle(workflowId).describe(),
    );
    return `${d.status.name}, run ${d.runId}, started ${d.startTime.toISOString()}${d.closeTime ? `, closed ${d.closeTime.toISOString()}` : ''}`;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'not found (past the namespace retention?)';
    return `unknown (Temporal did not answer: ${(err as Error).message})`;
  } finally {
    await connection.close();
  }
}
