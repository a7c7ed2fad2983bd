import { type Db } from '../db/executor.js';
import { type NewEventRecord, recordEvents } from '../db/events.js';
import { type Logger } from '../lib/logger.js';
import { metrics } from '../lib/metrics.js';
import { type RawMessage } from './decode.js';
import { type EventIdentity } from './event-identity.js';
import { dlq, type IngestDecision } from './results.js';
import { type MessageOrigin } from '../temporal/workflow-starts.js';

/** The same id seen with another payload: the first one's record stands. */
export interface EventConflict {
  eventId: string;
  storedFingerprint: string;
  fingerprint: string;
}

const FAILURE_MESSAGE_MAX = 2000;

/**
 * Writes the event records of one chunk in one statement, before any start,
 * and returns the decisions to act on: a start whose id is already recorded
 * under another fingerprint becomes the dead letter CONFLICTING_DUPLICATE
 * (its workflow is never started). Each id's first message in the chunk is
 * the one written; later ones are compared with what was stored.
 */
export async function recordDecisions(
  db: Db,
  messages: RawMessage[],
  decisions: IngestDecision[],
): Promise<IngestDecision[]> {
  const first = new Map<string, NewEventRecord>();
  decisions.forEach((d, j) => {
    if (d.kind === 'skip' || !d.identity || first.has(d.identity.id)) return;
    first.set(d.identity.id, recordOf(messages[j]!, d));
  });
  const stored = await recordEvents(db, [...first.values()]);
  return decisions.map((d) => {
    if (d.kind !== 'start') return d;
    const held = stored.get(d.identity.id);
    if (!held) return d;
    if (held.fingerprint === d.identity.fingerprint) return { ...d, recorded: held.status };
    const conflict = {
      eventId: d.identity.id,
      storedFingerprint: held.fingerprint,
      fingerprint: d.identity.fingerprint,
    };
    return {
      ...dlq(
        'CONFLICTING_DUPLICATE',
        `event ${d.identity.id} was already received with another payload (fingerprint ${held.fingerprint}, ` +
          `this one ${d.identity.fingerprint}); the first one stands`,
      ),
      conflict,
    };
  });
}

function recordOf(m: RawMessage, d: Exclude<IngestDecision, { kind: 'skip' }>): NewEventRecord {
  const identity = d.identity as EventIdentity;
  const started = d.kind === 'start';
  return {
    id: identity.id,
    merchantId: identity.merchantId,
    type: identity.type,
    fingerprint: identity.fingerprint,
    envelope: identity.envelope,
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    status: started ? 'RECEIVED' : 'DEAD_LETTERED',
    failureCode: started ? null : d.reason,
    // The detail quotes the message; JSON.stringify escapes what a text column or a log line must not hold.
    failureMessage: started ? null : JSON.stringify(d.detail).slice(1, -1).slice(0, FAILURE_MESSAGE_MAX),
    workflowId: started ? d.start.workflowId : null,
    requestId: started ? d.start.requestId : (m.requestId ?? identity.id),
  };
}

/** `finance.event.conflict`: WARN with both fingerprints, counted once the dead letter is sent. */
export function reportConflict(log: Logger, at: MessageOrigin, c: EventConflict): void {
  metrics.eventConflicts.inc();
  log.warn(
    { ...at, event: 'finance.event.conflict', ...c },
    `finance.event.conflict: event ${c.eventId} arrived again with another payload; dead-lettered, the first one stands`,
  );
}
