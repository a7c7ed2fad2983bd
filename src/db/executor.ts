import { createHash } from 'node:crypto';
import pg from 'pg';
import { poolOf, Prisma, type PrismaClient } from './client.js';
import { DatabaseUnavailableError } from './errors.js';

/**
 * The one way the service runs SQL: every repository function takes a `Db`,
 * which is either the process's pool or a transaction bound to one of its
 * connections — the same functions serve both.
 *
 * Statements run on the pg pool behind Prisma, not through Prisma's raw-query
 * path: the same connections and settings, but Prisma's path costs several
 * times the CPU per query (measured: ~350 µs vs ~90 µs for a read; ~2.4 ms vs
 * ~1.2 ms for the posting statement), which on this 2-core class of machine
 * is most of a posting's budget. Statements are built with `Prisma.sql`
 * (parameterized, never concatenated) and run as prepared statements, parsed
 * and planned once per connection instead of per call: named by the caller,
 * or by a hash of their text (queries are built from a bounded set of
 * shapes: filters add conditions, values stay parameters). pg returns int8
 * and numeric as strings, timestamptz as Date.
 *
 * Errors: what PostgreSQL reports (a `pg.DatabaseError`, with its SQLSTATE)
 * passes through as is, for errors.ts to classify. Anything else the driver
 * throws — a dropped connection, a refused or timed-out connect, a pool whose
 * wait for a free connection timed out — carries no SQLSTATE and often no
 * code at all; it is a transport failure and leaves as `DatabaseUnavailableError`.
 */
export interface Db {
  /** The rows a statement returns. */
  query<T>(statement: Prisma.Sql, opts?: { name?: string }): Promise<T[]>;
  /** How many rows a statement changed. */
  execute(statement: Prisma.Sql): Promise<number>;
  /**
   * Runs `fn` in one transaction on one connection (READ COMMITTED unless
   * asked otherwise) and commits when it returns; rolls back when it throws
   * and rethrows what it threw. `fn` gets a `Db` bound to that connection.
   * Inside a transaction, joins it: `fn` runs in the transaction already open.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>, opts?: { isolation?: Isolation }): Promise<T>;
}

export type Isolation = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/** Anything pg can run a query on: the pool or one checked-out connection. */
type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

const cache = new WeakMap<PrismaClient, Db>();

/** The executor on a Prisma client's pool (one per client, created by createPrisma). */
export function dbOf(prisma: PrismaClient): Db {
  const known = cache.get(prisma);
  if (known) return known;
  const pool = poolOf(prisma);
  if (!pool) throw new Error('dbOf needs a client made by createPrisma (it owns the pg pool)');
  const db: Db = {
    ...statements(pool),
    transaction: (fn, opts) => inTransaction(pool, fn, opts?.isolation),
  };
  cache.set(prisma, db);
  return db;
}

/** Answers when PostgreSQL answers a trivial query (readiness). */
export async function ping(db: Db): Promise<void> {
  await db.query(Prisma.sql`SELECT 1`, { name: 'sf_ping' });
}

function statements(target: Queryable): Pick<Db, 'query' | 'execute'> {
  return {
    async query<T>(s: Prisma.Sql, opts: { name?: string } = {}) {
      const name = opts.name ?? statementName(s.text);
      const result = await target.query({ text: s.text, values: s.values, name }).catch(asDriverError);
      return result.rows as T[];
    },
    async execute(s: Prisma.Sql) {
      const result = await target
        .query({ text: s.text, values: s.values, name: statementName(s.text) })
        .catch(asDriverError);
      return result.rowCount ?? 0;
    },
  };
}

async function inTransaction<T>(
  pool: pg.Pool,
  fn: (tx: Db) => Promise<T>,
  isolation: Isolation = 'READ COMMITTED',
): Promise<T> {
  const client = await pool.connect().catch(asDriverError);
  // A checked-out connection that breaks while idle emits 'error'; unheard, that would end the process.
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  const tx: Db = { ...statements(client), transaction: (inner) => inner(tx) };
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation}`).catch(asDriverError);
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackFailed: Error) => {
        broken ??= rollbackFailed;
      });
      throw err;
    }
    await client.query('COMMIT').catch(asDriverError);
    return result;
  } catch (err) {
    broken ??= err instanceof DatabaseUnavailableError ? err : undefined;
    throw err;
  } finally {
    client.off('error', onError);
    // A connection whose transaction state is unknown is not handed to the next caller.
    client.release(broken);
  }
}

/** Rethrows a driver failure: PostgreSQL's own errors as they are, the rest as a transport failure. */
function asDriverError(err: unknown): never {
  if (err instanceof pg.DatabaseError) throw err;
  // Our own mistakes (a value pg cannot serialize, a query it cannot build) are bugs, not outages.
  if (err instanceof TypeError || err instanceof RangeError) throw err;
  throw new DatabaseUnavailableError(err);
}

const names = new Map<string, string>();
const MAX_NAMES = 1_000;

/** A stable prepared-statement name for a query text (pg refuses one name for two texts). */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `sf_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    if (names.size >= MAX_NAMES) names.delete(names.keys().next().value!);
    names.set(text, name);
  }
  return name;
}
