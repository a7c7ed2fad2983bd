import { isSingleLineText } from '../domain/text.js';
import { canonicalJson, sha256Hex } from '../lib/canonical-json.js';
import { isId } from '../lib/ids.js';
import { ID_PATTERN } from './fields.js';
import { isPlainObject } from './json.js';

/**
 * What the event record keeps of a message (db/events.ts): its id, and the
 * canonical JSON of the five envelope fields with its SHA-256 — the
 * fingerprint that tells a redelivery (same) from a conflicting duplicate
 * (another payload under the same id). Computed from the JSON as produced,
 * not from the decoded event, so fields the decoder normalises still count.
 */
export interface EventIdentity {
  id: string;
  merchantId: string | null;
  type: string | null;
  envelope: string;
  fingerprint: string;
}

const TYPE_MAX = 64;

/** The identity of an event message, or null when not even its id is readable (then it cannot have a record). */
export function eventIdentity(json: unknown): EventIdentity | null {
  if (!isPlainObject(json) || typeof json.id !== 'string' || !ID_PATTERN.test(json.id)) return null;
  const { id, type, merchantId, occurredAt, data } = json;
  const envelope = canonicalJson({ id, type, merchantId, occurredAt, data });
  return {
    id,
    merchantId: typeof merchantId === 'string' && isId(merchantId) ? merchantId : null,
    type: typeof type === 'string' && type.length <= TYPE_MAX && isSingleLineText(type) ? type : null,
    envelope,
    fingerprint: sha256Hex(envelope),
  };
}

/** A merchant CDC record's identity: its workflow id names the change (merchant and position). */
export function changeIdentity(
  recordId: string,
  merchantId: string,
  type: string,
  change: unknown,
): EventIdentity {
  const envelope = canonicalJson(change);
  return { id: recordId, merchantId, type, envelope, fingerprint: sha256Hex(envelope) };
}

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/**
 * The correlation id of a message: its `x-request-id` header, else the trace
 * id of its W3C `traceparent`, else none (the event id stands in). A value
 * that could forge a log line or overflow its column is ignored.
 */
export function requestIdOf(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
) {
  const first = (name: string) => {
    const v = headers?.[name];
    const one = Array.isArray(v) ? v[0] : v;
    return one === undefined ? undefined : one.toString();
  };
  const requestId = first('x-request-id');
  if (requestId && REQUEST_ID.test(requestId)) return requestId;
  const trace = first('traceparent')?.match(TRACEPARENT);
  return trace ? trace[1]! : null;
}
