import { Redis } from 'ioredis';
import { grant, revoke } from '../auth/grants.js';
import { type Db } from '../db/executor.js';
import { isLedgerError } from '../domain/errors.js';
import { type Out } from './output.js';

/** `finance grant|revoke --user --role --merchant`: the same code path as `POST/DELETE /admin/grants`. */
export async function runGrantCommand(
  command: 'grant' | 'revoke',
  deps: { db: Db; redisUrl: string; keyPrefix?: string },
  out: Out,
  args: { user?: string; role?: string; merchant?: string },
): Promise<number> {
  // No connect up front: the change lives in PostgreSQL, and Redis only speeds up its announcement.
  const redis = new Redis(deps.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
  redis.on('error', () => undefined);
  const late =
    'Redis did not take the announcement: every API replica picks the change up from PostgreSQL within its recheck interval (APP_ENV_AUTHZ_POLICY_RECHECK_MS, 5 s by default).';
  try {
    const input = { user: args.user, role: args.role, merchant: args.merchant } as Parameters<
      typeof grant
    >[1];
    const who = `${args.user} as ${args.role} on merchant ${args.merchant}`;
    if (command === 'grant') {
      const { created, announced } = await grant({ db: deps.db, redis, keyPrefix: deps.keyPrefix }, input);
      out.line(created ? `Granted ${who}.` : `${who} was already granted; nothing changed.`);
      if (created && !announced) out.line(late);
    } else {
      const { revoked, announced } = await revoke({ db: deps.db, redis, keyPrefix: deps.keyPrefix }, input);
      out.line(
        revoked
          ? `Revoked ${who}; every API replica drops it on its next request.`
          : `${who} was not granted; nothing changed.`,
      );
      if (revoked && !announced) out.line(late);
    }
    return 0;
  } catch (err) {
    if (isLedgerError(err) && err.code === 'VALIDATION_FAILED') {
      out.line(
        `${err.message}\nUsage: npm run finance -- ${command} --user <jwt sub> --role <viewer|accountant|admin> --merchant <id|*>`,
      );
      return 2;
    }
    throw err;
  } finally {
    redis.disconnect();
  }
}
