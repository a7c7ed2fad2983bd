import fp from 'fastify-plugin';
import { createPrisma, type PrismaClient } from '../../db/client.js';
import { sqlOf, type Sql } from '../queries/sql.js';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    /** The read models' SQL runner on the same pool (queries/sql.ts). */
    sql: Sql;
  }
}

export interface PrismaPluginOptions {
  url: string;
  poolSize?: number;
  /** A client owned by the caller (tests, benchmarks): used as is and not disconnected on close. */
  client?: PrismaClient;
}

/** PostgreSQL through Prisma (one pg pool per process), disconnected when the app closes. */
export const prismaPlugin = fp<PrismaPluginOptions>(
  async (app, opts) => {
    const prisma =
      opts.client ??
      createPrisma({ url: opts.url, poolSize: opts.poolSize, applicationName: 'seller-finance-api' });
    app.decorate('prisma', prisma);
    app.decorate('sql', sqlOf(prisma));
    if (!opts.client) app.addHook('onClose', async () => prisma.$disconnect());
  },
  { name: 'prisma', fastify: '5.x' },
);
