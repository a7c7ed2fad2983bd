import { isId } from '../lib/ids.js';
import { ApiError } from './errors.js';

/**
 * Opaque keyset cursors: base64url JSON naming the list they belong to and
 * the last row's sort key. A cursor from another list, or a forged one,
 * is a 400, never a query error.
 */
export type CursorKind = 'accounts' | 'lines' | 'vouchers' | 'integrations' | 'grants' | 'events';

export function encodeCursor(kind: CursorKind, key: Record<string, string>): string {
  return Buffer.from(JSON.stringify({ k: kind, ...key }), 'utf8').toString('base64url');
}

export function decodeCursor<K extends string>(
  kind: CursorKind,
  cursor: string | undefined,
  fields: readonly K[],
): Record<K, string> | null {
  if (cursor === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!parsed || typeof parsed !== 'object' || (parsed as { k?: unknown }).k !== kind) throw invalidCursor();
  const out = {} as Record<K, string>;
  for (const f of fields) {
    const v = (parsed as Record<string, unknown>)[f];
    if (typeof v !== 'string' || v.length > 64) throw invalidCursor();
    out[f] = v;
  }
  return out;
}

export const cursorId = (v: string): string => {
  if (!isId(v)) throw invalidCursor();
  return v;
};

export const cursorDate = (v: string): Date => {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalidCursor();
  return d;
};

export const invalidCursor = () => new ApiError('VALIDATION_FAILED', 'cursor is invalid');

/** Fetch limit + 1 rows; the extra one says whether there is a next page. */
export function page<T>(
  rows: T[],
  limit: number,
  cursorOf: (last: T) => string,
): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorOf(items[items.length - 1]!) };
}

/** A decimal ID from the path or query; one that cannot exist (beyond int64) is simply not found. */
export function idOrNotFound(value: string, what: string): string {
  if (!isId(value)) throw new ApiError('NOT_FOUND', `${what} not found`);
  return value;
}

/** Parses an optional ISO timestamp from a query. */
export function parseInstant(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999) {
    throw new ApiError('VALIDATION_FAILED', `${field} must be an ISO 8601 date-time`);
  }
  return d;
}
