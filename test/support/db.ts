import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { applyMerchantChange } from '../../src/activities/merchants.js';
import { recordEvents } from '../../src/db/events.js';
import { canonicalJson, sha256Hex } from '../../src/lib/canonical-json.js';
import { IdGenerator } from '../../src/lib/ids.js';
import { type Logger } from '../../src/lib/logger.js';
import { testEnv, uniqueMerchantId, uniqueName } from './env.js';

let migrated: Promise<unknown> | undefined;

/** A Prisma client on the migrated test database. */
export async function testPrisma(poolSize = 10): Promise<PrismaClient> {
  migrated ??= applyMigrations({ databaseUrl: testEnv.dbUrl });
  await migrated;
  return createPrisma({ url: testEnv.dbUrl, poolSize });
}

export const testIds = new IdGenerator(4);

/** Creates a fresh merchant with its default accounts, as its CDC record would. Returns id and account ids by code. */
export async function createTestMerchant(
  prisma: PrismaClient,
  logger: Logger,
  opts: { currency?: string; merchantId?: string } = {},
): Promise<{ merchantId: string; accounts: Record<string, string> }> {
  const merchantId = opts.merchantId ?? uniqueMerchantId();
  await applyMerchantChange(
    { db: dbOf(prisma), ids: testIds, logger },
    {
      op: 'c',
      position: '1',
      merchant: {
        id: merchantId,
        name: `Test ${merchantId}`,
        currency: opts.currency ?? 'USD',
        status: 'ACTIVE',
      },
    },
  );
  const rows = await prisma.financeAccount.findMany({ where: { merchantId: BigInt(merchantId) } });
  return { merchantId, accounts: Object.fromEntries(rows.map((r) => [r.code, r.id.toString()])) };
}

export interface ScratchDatabase {
  url: string;
  /** Drops the database, closing whatever connections are left. */
  drop(): Promise<void>;
}

/**
 * An empty database of the caller's own, on the test database's server, for
 * tests that damage what they work on: other files check the shared test
 * database's invariants while they run. Drop it in `afterAll`.
 */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: testEnv.dbUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(testEnv.dbUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** A sale event's record as ingest writes it before the workflow starts (RECEIVED, from sale.events 2@41). Returns its id. */
export async function recordTestEvent(prisma: PrismaClient, merchantId: string): Promise<string> {
  const id = uniqueName('evt');
  const envelope = canonicalJson({ id, type: 'sale.order.completed', merchantId });
  await recordEvents(dbOf(prisma), [
    {
      id,
      merchantId,
      type: 'sale.order.completed',
      fingerprint: sha256Hex(envelope),
      envelope,
      topic: 'sale.events',
      partition: 2,
      offset: '41',
      status: 'RECEIVED',
      failureCode: null,
      failureMessage: null,
      workflowId: `finance-event-${id}`,
      requestId: 'req-1',
    },
  ]);
  return id;
}
