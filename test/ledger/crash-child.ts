/**
 * A posting process for the crash test. It runs the real posting code, but its
 * driver adapter announces "WRITTEN" on stdout when Prisma is about to send
 * COMMIT and then waits, so the parent can SIGKILL it at exactly that
 * moment: everything is written, nothing is committed.
 * With argv[3] === 'commit' it posts normally and prints the result.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { postPlan } from '../../src/activities/posting.js';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { type PostingPlan } from '../../src/domain/posting-plan.js';
import { IdGenerator } from '../../src/lib/ids.js';
import { createLogger } from '../../src/lib/logger.js';

const plan = JSON.parse(process.argv[2]!) as PostingPlan;
const hangBeforeCommit = process.argv[3] !== 'commit';

const factory = new PrismaPg({ connectionString: process.env.APP_ENV_DB_URL! });
const connect = factory.connect.bind(factory);
factory.connect = async () => {
  const adapter = await connect();
  const start = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (level) => {
    const tx = await start(level);
    // Prisma commits by sending COMMIT through the transaction, then calling commit().
    const executeRaw = tx.executeRaw.bind(tx);
    tx.executeRaw = async (query) => {
      if (hangBeforeCommit && /^\s*COMMIT/i.test(query.sql)) {
        process.stdout.write('WRITTEN\n');
        await new Promise(() => undefined); // wait for SIGKILL
      }
      return executeRaw(query);
    };
    return tx;
  };
  return adapter;
};

const prisma = new PrismaClient({ adapter: factory });
const result = await postPlan({ prisma, ids: new IdGenerator(5), logger: createLogger({ level: 'warn' }) }, plan);
process.stdout.write(`POSTED ${JSON.stringify(result)}\n`);
await prisma.$disconnect();
