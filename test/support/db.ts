import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { applyMerchantChange } from '../../src/activities/merchants.js';
import { IdGenerator } from '../../src/lib/ids.js';
import { type Logger } from '../../src/lib/logger.js';
import { testEnv, uniqueMerchantId } from './env.js';

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
    { prisma, ids: testIds, logger },
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
