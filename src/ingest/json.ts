import { isInteger, isSafeNumber, parse as parseLossless } from 'lossless-json';
import { dlq, ok, type StepResult } from './results.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes → JSON value, refusing what cannot be an event: an oversized payload
 * (checked before parsing, so a huge message costs no CPU), invalid UTF-8
 * (a lenient decoder would silently turn it into U+FFFD) and bad JSON.
 *
 * `exactIntegers`: Debezium writes int8 columns (ids, the LSN) as JSON
 * numbers, and JSON.parse rounds those above 2^53 — a Snowflake merchant id
 * would silently become another merchant's. Then integers beyond the safe
 * range are parsed as bigint instead (lossless-json; JSON.parse cannot see a
 * number's source text on Node 20).
 */
export function parseJsonMessage(
  value: Buffer,
  maxMessageBytes: number,
  options: { exactIntegers?: boolean } = {},
): StepResult<unknown> {
  if (value.length > maxMessageBytes) {
    return dlq('MESSAGE_TOO_LARGE', `message is ${value.length} bytes; the limit is ${maxMessageBytes}`);
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return dlq('INVALID_ENCODING', 'message value is not valid UTF-8');
  }
  try {
    return ok(options.exactIntegers ? parseLossless(text, null, exactNumber) : (JSON.parse(text) as unknown));
  } catch (err) {
    return dlq('INVALID_JSON', `message value is not JSON: ${(err as Error).message}`);
  }
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const exactNumber = (source: string): number | bigint =>
  isInteger(source) && !isSafeNumber(source) ? BigInt(source) : Number(source);
