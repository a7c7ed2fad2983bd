import { z } from 'zod';
import { type MerchantChange } from '../domain/events.js';
import { isStorableText } from '../domain/text.js';
import { currency, describeIssues } from './fields.js';
import { isPlainObject } from './json.js';
import { dlq, ok, skip, type StepResult } from './results.js';

/**
 * Debezium merchant CDC (docs/reference/events.md). The JSON converter writes the change
 * either bare (`schemas.enable=false`) or wrapped as `{ schema, payload }`;
 * both are accepted. Debezium encodes int8 columns and the LSN as JSON
 * numbers: the decoder parses those beyond 2^53 as bigint (json.ts), and a
 * JS number is accepted only while it is an exact integer.
 */
const integer = z
  .union([
    z.string().regex(/^\d{1,19}$/, 'must be a non-negative integer'),
    z.number().int().nonnegative().refine(Number.isSafeInteger, 'exceeds 2^53: precision was lost in JSON'),
    z.bigint().nonnegative(),
  ])
  .transform(String)
  .refine((s) => BigInt(s) <= 9_223_372_036_854_775_807n, 'exceeds a 64-bit integer');

const merchantId = integer.refine((s) => /^[1-9]\d*$/.test(s), 'must be a positive 64-bit id');

const status = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(['ACTIVE', 'INACTIVE'], { message: 'must be ACTIVE or INACTIVE' }));

/**
 * The merchant's name is the commerce system's, mirrored as it is: only what
 * PostgreSQL cannot store is refused (the CLI escapes the rest when it prints).
 */
const name = z.string().max(512).refine(isStorableText, 'must not contain NUL characters or lone surrogates');

/** A full row (c/r/u `after`). */
const fullRow = z.object({ id: merchantId, name, currency, status });

/**
 * A deleted row (`before` of op d). With the table's default replica identity
 * Debezium sends only the key, so everything but the id is optional; the
 * activity only needs the id to mark the merchant INACTIVE.
 */
const deletedRow = z.object({
  id: merchantId,
  name: name.nullish(),
  currency: z.string().nullish(),
  status: z.string().nullish(),
});

const change = z.object({
  op: z.string(),
  before: z.record(z.string(), z.unknown()).nullish(),
  after: z.record(z.string(), z.unknown()).nullish(),
  source: z.object({ lsn: integer.nullish(), ts_ms: integer.nullish() }).nullish(),
  ts_ms: integer.nullish(),
});

export interface DecodedMerchantChange {
  change: MerchantChange;
  /** Whether the position is a WAL LSN (unique per change) or only a timestamp. */
  positionKind: 'lsn' | 'ts_ms';
  /** The row data as it was in the record, for a content-derived workflow ID when there is no LSN. */
  rowFingerprint: string;
}

/** Kafka value (already JSON-parsed, or null for a tombstone) → a merchant change, skip or dead letter. */
export function decodeMerchantChange(json: unknown): StepResult<DecodedMerchantChange> {
  // Tombstones (null value, or a wrapped null payload) follow deletes for log compaction: nothing to apply.
  if (json === null) return skip('CDC tombstone');
  if (!isPlainObject(json)) return dlq('INVALID_CDC_RECORD', 'a Debezium change must be a JSON object');
  const record = 'payload' in json && 'schema' in json ? json.payload : json;
  if (record === null) return skip('CDC tombstone');

  const parsed = change.safeParse(record);
  if (!parsed.success) return dlq('INVALID_CDC_RECORD', describeIssues(parsed.error.issues));
  const { op, before, after, source, ts_ms } = parsed.data;
  if (op === 't' || op === 'm')
    return skip(`Debezium op "${op}" (truncate/message) is not a merchant change`);
  if (op !== 'c' && op !== 'r' && op !== 'u' && op !== 'd') {
    return dlq('INVALID_CDC_RECORD', `unknown Debezium op "${op.slice(0, 20)}"`);
  }

  const position = source?.lsn ?? source?.ts_ms ?? ts_ms;
  if (position === undefined || position === null) {
    return dlq('INVALID_CDC_RECORD', 'record has neither source.lsn nor a ts_ms to order it by');
  }
  const positionKind = source?.lsn !== undefined && source?.lsn !== null ? 'lsn' : 'ts_ms';

  if (op === 'd') {
    const row = deletedRow.safeParse(before);
    if (!row.success) return dlq('INVALID_CDC_RECORD', `op d: ${describeIssues(row.error.issues, 'before')}`);
    const merchant = {
      id: row.data.id,
      name: row.data.name ?? '',
      currency: row.data.currency ?? '',
      status: 'INACTIVE' as const,
    };
    return ok({ change: { op, merchant, position }, positionKind, rowFingerprint: fingerprint(before) });
  }
  const row = fullRow.safeParse(after);
  if (!row.success)
    return dlq('INVALID_CDC_RECORD', `op ${op}: ${describeIssues(row.error.issues, 'after')}`);
  return ok({
    change: { op, merchant: row.data, position },
    positionKind,
    rowFingerprint: fingerprint(after),
  });
}

/** JSON.stringify cannot serialise the bigints the exact-integer parser produces. */
const fingerprint = (row: unknown): string =>
  JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
