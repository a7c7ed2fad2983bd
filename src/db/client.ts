import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type { PrismaClient } from '../generated/prisma/client.js';
export { Prisma } from '../generated/prisma/client.js';

export interface DbOptions {
  url: string;
  poolSize?: number;
  /** Statement timeout for every connection, so a stuck lock surfaces as a retryable error. */
  statementTimeoutMs?: number;
  applicationName?: string;
  /** How long opening a connection, or waiting for a free one, may take before it fails (default 5 s). */
  connectTimeoutMs?: number;
}

/**
 * The process's one pg pool, owned by a Prisma Client 7 through its `pg`
 * driver adapter (no query-engine binary). The service runs every statement
 * on the pool through the executor (executor.ts, `dbOf`); the client's typed
 * API is what tests and tools inspect the database with.
 */
export function createPrisma(options: DbOptions): PrismaClient {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 20,
    application_name: options.applicationName ?? 'seller-finance',
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    lock_timeout: 10_000,
    // If this process dies mid-statement, the server notices within a second and
    // rolls the statement back instead of finishing it for nobody.
    options: '-c client_connection_check_interval=1000',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    // Idle connections never keep a finished process alive (statements run on the
    // pool directly, so Prisma's $disconnect may have nothing to close).
    allowExitOnIdle: true,
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(prisma, pool);
  return prisma;
}

const pools = new WeakMap<PrismaClient, pg.Pool>();

/** The pg pool behind a client: what the executor runs statements on (executor.ts). */
export function poolOf(prisma: PrismaClient): pg.Pool | undefined {
  return pools.get(prisma);
}

/** Closes the client and its pool (the pool may have been used without Prisma ever connecting). */
export async function closePrisma(prisma: PrismaClient): Promise<void> {
  await prisma.$disconnect();
  const pool = pools.get(prisma);
  if (pool && !pool.ended) await pool.end();
}
