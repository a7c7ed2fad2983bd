import { Redis } from 'ioredis';
import { grant, revoke } from '../auth/grants.js';
import { type PrismaClient } from '../db/client.js';
import { isLedgerError } from '../domain/errors.js';
import { type Out } from './output.js';

/** `finance grant|revoke --user --role --merchant`: the same code path as `POST/DELETE /admin/grants`. */
export async function runGrantCommand(
  command: 'grant' | 'revoke',
  deps: { prisma: PrismaClient; redisUrl: string; keyPrefix?: string },
  out: Out,
  args: { user?: string; role?: string; merchant?: string },
): Promise<number> {
  const redis = new Redis(deps.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    const input = { user: args.user, role: args.role, merchant: args.merchant } as Parameters<
      typeof grant
    >[1];
    const who = `${args.user} as ${args.role} on merchant ${args.merchant}`;
    if (command === 'grant') {
      const { created } = await grant({ prisma: deps.prisma, redis, keyPrefix: deps.keyPrefix }, input);
      out.line(created ? `Granted ${who}.` : `${who} was already granted; nothing changed.`);
    } else {
      const { revoked } = await revoke({ prisma: deps.prisma, redis, keyPrefix: deps.keyPrefix }, input);
      out.line(
        revoked
          ? `Revoked ${who}; every API replica drops it on its next request.`
          : `${who} was not granted; nothing changed.`,
      );
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
