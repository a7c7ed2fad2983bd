import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth and no whitespace: two spellings
 * of one value (key order, spacing) give the same text, and so the same hash.
 * Strings are escaped by JSON.stringify, which also escapes control
 * characters and lone surrogates, so the text is always storable.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/** SHA-256 (hex) of a value's canonical JSON. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
