import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePrisma, createPrisma, Prisma, type PrismaClient } from '../../src/db/client.js';
import { DatabaseUnavailableError, isTransientDbError, sqlState } from '../../src/db/errors.js';
import { type Db, dbOf } from '../../src/db/executor.js';
import { testEnv } from '../support/env.js';
import { freePort } from '../support/ports.js';
import { testPrisma } from '../support/db.js';

/**
 * The one executor against the real PostgreSQL: transactions bound to one
 * connection, and every failure below SQL typed as DatabaseUnavailableError
 * (retryable; the API's 503) while what PostgreSQL itself reports keeps its
 * SQLSTATE.
 */
const urlAt = (port: number) => {
  const url = new URL(testEnv.dbUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
};

async function unavailable(work: Promise<unknown>): Promise<DatabaseUnavailableError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatabaseUnavailableError);
  expect(isTransientDbError(err)).toBe(true);
  return err as DatabaseUnavailableError;
}

describe('the executor', () => {
  let prisma: PrismaClient;
  let db: Db;
  const table = `finance.executor_probe_${process.pid}`;

  beforeAll(async () => {
    prisma = await testPrisma(3);
    db = dbOf(prisma);
    await db.execute(Prisma.sql`CREATE TABLE ${Prisma.raw(table)} (id int PRIMARY KEY)`);
  });
  afterAll(async () => {
    await db?.execute(Prisma.sql`DROP TABLE IF EXISTS ${Prisma.raw(table)}`);
    if (prisma) await closePrisma(prisma);
  });

  const ids = async (executor: Db) =>
    (await executor.query<{ id: number }>(Prisma.sql`SELECT id FROM ${Prisma.raw(table)} ORDER BY id`)).map(
      (r) => r.id,
    );
  const insert = (executor: Db, id: number) =>
    executor.execute(Prisma.sql`INSERT INTO ${Prisma.raw(table)} (id) VALUES (${id})`);

  it('runs a transaction on one connection: commits what fn did, rolls all of it back when fn throws', async () => {
    const pids = await db.transaction(async (tx) => {
      await insert(tx, 1);
      // Inside, the transaction sees its own row; outside, nobody does until it commits.
      expect(await ids(tx)).toEqual([1]);
      expect(await ids(db)).toEqual([]);
      const a = await tx.query<{ pid: number }>(Prisma.sql`SELECT pg_backend_pid() AS pid`);
      const b = await tx.query<{ pid: number }>(Prisma.sql`SELECT pg_backend_pid() AS pid`);
      return [a[0]!.pid, b[0]!.pid];
    });
    expect(pids[0]).toBe(pids[1]);
    expect(await ids(db)).toEqual([1]);

    const refusal = new Error('refused by the caller');
    await expect(
      db.transaction(async (tx) => {
        await insert(tx, 2);
        // A transaction started inside a transaction joins it: its rows go with the outer rollback.
        await tx.transaction(async (inner) => insert(inner, 3));
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(await ids(db)).toEqual([1]);
  });

  it('passes what PostgreSQL reports through with its SQLSTATE, and the connection stays usable', async () => {
    const err = await db.transaction((tx) => insert(tx, 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(pg.DatabaseError);
    expect(sqlState(err)).toBe('23505');
    expect(await ids(db)).toEqual([1]);
  });

  it('types a refused connection (nothing listens on the port) as DatabaseUnavailableError', async () => {
    const nowhere = createPrisma({ url: urlAt(await freePort()), poolSize: 1, connectTimeoutMs: 2_000 });
    try {
      await unavailable(dbOf(nowhere).query(Prisma.sql`SELECT 1`));
      await unavailable(dbOf(nowhere).transaction(async () => 'never'));
    } finally {
      await closePrisma(nowhere);
    }
  });

  it('types a connect that never completes (a server that accepts and stays silent) as DatabaseUnavailableError', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => sockets.add(s));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const stalled = createPrisma({ url: urlAt(port), poolSize: 1, connectTimeoutMs: 500 });
    try {
      const err = await unavailable(dbOf(stalled).query(Prisma.sql`SELECT 1`));
      // pg reports the timeout as a plain Error without a code: only its class says what it is.
      expect((err.cause as { code?: unknown }).code).toBeUndefined();
    } finally {
      await closePrisma(stalled);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('types a pool whose wait for a free connection times out as DatabaseUnavailableError', async () => {
    const small = createPrisma({ url: testEnv.dbUrl, poolSize: 1, connectTimeoutMs: 500 });
    const smallDb = dbOf(small);
    try {
      let release!: () => void;
      const held = smallDb.transaction(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      await new Promise((r) => setTimeout(r, 100));
      await unavailable(smallDb.query(Prisma.sql`SELECT 1`));
      release();
      await held;
      expect(await smallDb.query(Prisma.sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    } finally {
      await closePrisma(small);
    }
  });

  it('types a connection terminated mid-transaction (pg_terminate_backend) as DatabaseUnavailableError, and drops it', async () => {
    const own = createPrisma({ url: testEnv.dbUrl, poolSize: 1 });
    const ownDb = dbOf(own);
    try {
      let pid = 0;
      await unavailable(
        ownDb.transaction(async (tx) => {
          pid = (await tx.query<{ pid: number }>(Prisma.sql`SELECT pg_backend_pid() AS pid`))[0]!.pid;
          await db.query(Prisma.sql`SELECT pg_terminate_backend(${pid}::int)`);
          // The server's goodbye arrives while the connection sits idle in the transaction.
          await new Promise((r) => setTimeout(r, 200));
          await tx.query(Prisma.sql`SELECT 1`);
        }),
      );
      // The broken connection was not handed back: the next caller gets a fresh one that works.
      const [row] = await ownDb.query<{ pid: number }>(Prisma.sql`SELECT pg_backend_pid() AS pid`);
      expect(row!.pid).not.toBe(pid);
    } finally {
      await closePrisma(own);
    }
  });
});
