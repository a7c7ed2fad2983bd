import pg from 'pg';

/**
 * Classifies database failures by class and by the SQLSTATE PostgreSQL
 * reports, never by the wording of a message, which changes between versions
 * and locales. Every statement runs through the executor (executor.ts), so a
 * failure is one of two kinds: what PostgreSQL reported (a `pg.DatabaseError`
 * with its SQLSTATE), or a `DatabaseUnavailableError` for everything below SQL
 * (a refused, silent or dropped connection, a pool whose wait timed out).
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

/**
 * The SQLSTATE PostgreSQL reported (pg puts it in `code` of a
 * `pg.DatabaseError`), looked up through the error's causes.
 */
export function sqlState(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 8; depth += 1) {
    if (e instanceof pg.DatabaseError) return e.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === UNIQUE_VIOLATION;
}

/** Worth retrying as is: the connection, a lock, a timeout or a conflict, not the statement. */
export function isTransientDbError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const state = sqlState(err);
  return (
    state !== undefined && (TRANSIENT_SQLSTATES.has(state) || TRANSIENT_CLASSES.includes(state.slice(0, 2)))
  );
}

/** The statement or its values can never succeed: retrying would only repeat the refusal. */
export function isPermanentDbError(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && state !== UNIQUE_VIOLATION && PERMANENT_CLASSES.includes(state.slice(0, 2));
}

/** A one-line description of a database failure for logs and workflow failures (never SQL text or parameters). */
export function describeDbError(err: unknown): string {
  const state = sqlState(err);
  const messages: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth += 1) {
    const o = e as { message?: unknown; cause?: unknown };
    if (typeof o.message === 'string' && o.message.trim() && !messages.includes(o.message.trim()))
      messages.push(o.message.trim());
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
