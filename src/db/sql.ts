import { createHash } from 'node:crypto';
import { poolOf, type Prisma, type PrismaClient } from './client.js';

/**
 * Hot statements (the posting statement, the API's reads) run on the pg pool
 * behind Prisma: the same connections and settings, but Prisma's raw-query
 * path costs several times the CPU per query (measured: ~350 µs vs ~90 µs for
 * a read; ~2.4 ms vs ~1.2 ms for the posting statement), which on this
 * 2-core class of machine is most of a posting's budget. Statements are still
 * built with `Prisma.sql` (parameterized, never concatenated). Every query
 * is a prepared statement, parsed once per connection instead of per call:
 * named by the caller, or by a hash of its text (queries are built from a
 * bounded set of shapes: filters add conditions, values stay parameters).
 * pg returns int8 and numeric as strings, timestamptz as Date.
 */
export interface Sql {
  query<T>(statement: Prisma.Sql, opts?: { name?: string }): Promise<T[]>;
  execute(statement: Prisma.Sql): Promise<number>;
}

const cache = new WeakMap<PrismaClient, Sql>();

export function sqlOf(prisma: PrismaClient): Sql {
  const known = cache.get(prisma);
  if (known) return known;
  const pool = poolOf(prisma);
  const sql: Sql = pool
    ? {
        async query<T>(s: Prisma.Sql, opts: { name?: string } = {}) {
          const name = opts.name ?? statementName(s.text);
          return (await pool.query({ text: s.text, values: s.values, name })).rows as T[];
        },
        async execute(s: Prisma.Sql) {
          return (await pool.query(s.text, s.values)).rowCount ?? 0;
        },
      }
    : {
        query: <T>(s: Prisma.Sql) => prisma.$queryRaw<T[]>(s),
        execute: (s: Prisma.Sql) => prisma.$executeRaw(s),
      };
  cache.set(prisma, sql);
  return sql;
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
