import { Prisma } from './client.js';

/**
 * Classifies database failures by what the server and the drivers report in
 * structured form — the PostgreSQL SQLSTATE, Prisma's error codes, the pg
 * driver adapter's error kinds, Node's socket error codes and error classes —
 * never by the wording of a message, which changes between versions and
 * locales. Failures below SQL that carry none of these (a dropped connection,
 * a pool whose wait timed out) are typed by the executor (executor.ts) as
 * `DatabaseUnavailableError`.
 */

/** The database could not be reached or the connection broke: retry later (the API answers 503). */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  constructor(cause: unknown) {
    super(`the database is unavailable (${cause instanceof Error ? cause.message : String(cause)})`, {
      cause,
    });
  }
}

const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected (never expected: locks are taken in id order)
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);
/** Classes whose every member is worth retrying: connection exceptions, insufficient resources. */
const TRANSIENT_CLASSES = ['08', '53'];

/**
 * Classes no retry can change: data exceptions (a value the column cannot
 * hold: too long, out of range, NUL, invalid text) and program limits; also
 * every integrity violation but uniqueness, which a concurrent duplicate
 * causes and a retry resolves.
 */
const PERMANENT_CLASSES = ['22', '23', '54'];
const UNIQUE_VIOLATION = '23505';

/** Prisma's codes for a lost or unreachable connection, a write conflict, a closed transaction. */
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034']);
const UNIQUE_PRISMA_CODE = 'P2002';

/** The pg driver adapter's kinds for failures below SQL (they carry no SQLSTATE). */
const TRANSIENT_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
]);

/** Node's socket error codes (`err.code` of a system error). */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** Every object in an error's chain: causes, Prisma's `meta.driverAdapterError`, the adapter's `cause`. */
function* chain(err: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  const stack = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (!e || typeof e !== 'object' || seen.has(e) || seen.size > 16) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    yield o;
    stack.push(o.cause, (o.meta as Record<string, unknown> | undefined)?.driverAdapterError, o.error);
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The PostgreSQL SQLSTATE, wherever pg (`code`) or the Prisma adapter (`originalCode`) put it. */
export function sqlState(err: unknown): string | undefined {
  for (const o of chain(err)) {
    for (const candidate of [o.originalCode, o.code]) {
      // Prisma's own codes (P2010, …) have the same shape; PostgreSQL's P0xxx are PL/pgSQL raises we never use.
      if (typeof candidate === 'string' && SQLSTATE.test(candidate) && !candidate.startsWith('P'))
        return candidate;
    }
  }
  return undefined;
}

const codesOf = (err: unknown): string[] =>
  [...chain(err)].flatMap((o) => (typeof o.code === 'string' ? [o.code] : []));
const kindsOf = (err: unknown): string[] =>
  [...chain(err)].flatMap((o) => (typeof o.kind === 'string' ? [o.kind] : []));

export function isUniqueViolation(err: unknown): boolean {
  return (
    sqlState(err) === UNIQUE_VIOLATION ||
    codesOf(err).includes(UNIQUE_PRISMA_CODE) ||
    kindsOf(err).includes('UniqueConstraintViolation')
  );
}

/** Worth retrying as is: the connection, a lock, a timeout or a conflict, not the statement. */
export function isTransientDbError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const state = sqlState(err);
  if (state) return TRANSIENT_SQLSTATES.has(state) || TRANSIENT_CLASSES.includes(state.slice(0, 2));
  return (
    codesOf(err).some((c) => TRANSIENT_PRISMA_CODES.has(c) || TRANSIENT_SOCKET_CODES.has(c)) ||
    kindsOf(err).some((k) => TRANSIENT_ADAPTER_KINDS.has(k))
  );
}

/** The statement or its values can never succeed: retrying would only repeat the refusal. */
export function isPermanentDbError(err: unknown): boolean {
  const state = sqlState(err);
  if (state) return state !== UNIQUE_VIOLATION && PERMANENT_CLASSES.includes(state.slice(0, 2));
  return [...chain(err)].some((o) => o instanceof Prisma.PrismaClientValidationError);
}

/** A one-line description of a database failure for logs and workflow failures (never SQL text or parameters). */
export function describeDbError(err: unknown): string {
  const state = sqlState(err);
  const messages: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth += 1) {
    const o = e as { message?: unknown; cause?: unknown; kind?: unknown };
    if (typeof o.message === 'string' && o.message.trim() && !messages.includes(o.message.trim()))
      messages.push(o.message.trim());
    else if (typeof o.kind === 'string') messages.push(o.kind);
    e = o.cause;
  }
  return `${state ? `SQLSTATE ${state}: ` : ''}${messages.join(' — ').split('\n')[0] || 'unknown database error'}`;
}

/** What a permanent refusal means, by SQLSTATE: no value, no SQL text (both may be sensitive). */
const REFUSALS: Record<string, string> = {
  '22001': 'a text longer than its column',
  '22003': 'a number beyond its column’s range',
  '22021': 'a character the database cannot store (NUL)',
  '22P02': 'a value of the wrong form',
  '22P05': 'a character jsonb cannot store',
  '23502': 'a required value missing',
  '23503': 'a reference to a row that does not exist',
  '23514': 'a value a check constraint refuses',
};

export function describeRefusal(err: unknown): string {
  const state = sqlState(err);
  if (!state) return 'a query the database client refuses';
  return `${REFUSALS[state] ?? 'a value the database refuses'} (SQLSTATE ${state})`;
}
