import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type { PrismaClient } from '../generated/prisma/client.js';
export { Prisma } from '../generated/prisma/client.js';

export interface DbOptions {
  url: string;
  poolSize?: number;
  /** Statement timeout for every connection, so a stuck lock surfaces as a retryable error. */
  statementTimeoutMs?: number;
  applicationName?: string;
}

/**
 * Prisma Client 7 with the `pg` driver adapter: no query-engine binary at
 * runtime, one pg pool per process.
 */
export function createPrisma(options: DbOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: options.url,
    max: options.poolSize ?? 20,
    application_name: options.applicationName ?? 'seller-finance',
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    lock_timeout: 10_000,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  return new PrismaClient({ adapter });
}
