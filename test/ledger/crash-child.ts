/**
 * A posting process for the crash test: posts the plan given as argv[2] with
 * the real posting code and prints the result. The parent decides when to
 * SIGKILL it (while its transaction waits for a row lock, holding another).
 */
import { postPlan } from '../../src/activities/posting.js';
import { createPrisma } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { type PostingPlan } from '../../src/domain/posting-plan.js';
import { IdGenerator } from '../../src/lib/ids.js';
import { createLogger } from '../../src/lib/logger.js';

const plan = JSON.parse(process.argv[2]!) as PostingPlan;
const prisma = createPrisma({
  url: process.env.APP_ENV_DB_URL!,
  poolSize: 1,
  applicationName: 'sf-crash-child',
});
const result = await postPlan(
  { db: dbOf(prisma), ids: new IdGenerator(5), logger: createLogger({ level: 'error' }) },
  plan,
);
process.stdout.write(`POSTED ${JSON.stringify(result)}\n`);
await prisma.$disconnect();
