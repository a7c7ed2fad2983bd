import fp from 'fastify-plugin';
import type pg from 'pg';
import { closePrisma, createPrisma, poolOf, type PrismaClient } from '../../db/client.js';
import { type Db, dbOf } from '../../db/executor.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** What every repository function takes (src/db/executor.ts). */
    db: Db;
    /** The pool behind it, for its saturation (load shedding). */
    dbPool: pg.Pool;
  }
}

export interface DatabasePluginOptions {
  url: string;
  poolSize?: number;
  /** A client owned by the caller (tests, benchmarks): used as is and not closed with the app. */
  client?: PrismaClient;
}

/** PostgreSQL: one pool per process (src/db/client.ts), closed when the app closes. */
export const databasePlugin = fp<DatabasePluginOptions>(
  async (app, opts) => {
    const prisma =
      opts.client ??
      createPrisma({ url: opts.url, poolSize: opts.poolSize, applicationName: 'seller-finance-api' });
    app.decorate('db', dbOf(prisma));
    app.decorate('dbPool', poolOf(prisma)!);
    if (!opts.client) app.addHook('onClose', async () => closePrisma(prisma));
  },
  { name: 'database', fastify: '5.x' },
);
