import { type Redis } from 'ioredis';
import { type PrismaClient } from '../db/client.js';
import { LedgerError } from '../domain/errors.js';
import { isId } from '../lib/ids.js';
import { announcePolicyVersion, bumpPolicyVersion, readPolicyVersion } from './policy-version.js';
import {
  ALL_MERCHANTS,
  isReservedSubject,
  roleOfSubject,
  ROLES,
  roleSubject,
  type RoleName,
} from './roles.js';

/**
 * Grants are Casbin grouping policies `g, <jwt sub>, role:<role>, <merchant id | *>`
 * (docs/reference/http-api.md; the role's subject is namespaced, see roles.ts), shared by
 * `POST/DELETE /admin/grants` and `npm run finance -- grant|revoke`. Every
 * change bumps the policy version in the same PostgreSQL transaction
 * (policy-version.ts), then announces it through Redis: every API replica
 * reloads at once, and if the announcement is lost, within its recheck interval.
 */
export interface GrantDeps {
  prisma: PrismaClient;
  redis: Redis;
  /** The API's Redis key prefix (APP_ENV_REDIS_KEY_PREFIX, default `sf:`). */
  keyPrefix?: string;
}

export interface Grant {
  user: string;
  role: RoleName;
  merchant: string;
}

// JWT subjects as grant users: printable, no whitespace or comma (a comma would split a Casbin CSV line).
const USER = /^[^\s,\p{Cc}]{1,255}$/u;

/** A grant that can never be stored or enforced: one of the closed set's validation failures (400). */
const invalidGrant = (message: string) => new LedgerError('VALIDATION_FAILED', message);

export function validateGrant(input: { user: unknown; role: unknown; merchant: unknown }): Grant {
  const { user, role, merchant } = input;
  if (typeof user !== 'string' || !USER.test(user)) {
    throw invalidGrant('user must be the JWT subject: 1–255 characters, no spaces or commas');
  }
  if (isReservedSubject(user)) {
    throw invalidGrant(
      'user must not be a role name (viewer, accountant, admin) nor start with "role:": those name roles, not identities',
    );
  }
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw invalidGrant(`role must be one of ${ROLES.join(', ')}`);
  }
  if (typeof merchant !== 'string' || (merchant !== ALL_MERCHANTS && !isId(merchant))) {
    throw invalidGrant('merchant must be a merchant id or "*" for every merchant');
  }
  return { user, role: role as RoleName, merchant };
}

/** Serializes grant changes so two concurrent grants of the same triple insert one row. */
const GRANT_LOCK = 0x6772616e; // "gran"

/** What a change did; `announced` is false when Redis did not take the notification (the change still holds). */
export interface GrantChange {
  version: string | null;
  announced: boolean;
}

/** Adds the grant; `created` is false when it already existed. */
export async function grant(deps: GrantDeps, input: Grant): Promise<{ created: boolean } & GrantChange> {
  const g = validateGrant(input);
  const version = await deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${GRANT_LOCK}::bigint)`;
    const existing = await tx.casbinRule.findFirst({
      where: { ptype: 'g', v0: g.user, v1: roleSubject(g.role), v2: g.merchant, deletedAt: null },
      select: { id: true },
    });
    if (existing) return null;
    await tx.casbinRule.create({
      data: { ptype: 'g', v0: g.user, v1: roleSubject(g.role), v2: g.merchant },
    });
    return bumpPolicyVersion(tx);
  });
  if (version === null) return { created: false, version: null, announced: false };
  return { created: true, version, announced: await announce(deps, version, 'grant') };
}

/** Removes the grant (soft delete); `revoked` is false when there was none. */
export async function revoke(deps: GrantDeps, input: Grant): Promise<{ revoked: boolean } & GrantChange> {
  const g = validateGrant(input);
  const changed = await deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${GRANT_LOCK}::bigint)`;
    const { count } = await tx.casbinRule.updateMany({
      // The bare role name too: a grant written by the release before role subjects were namespaced.
      where: {
        ptype: 'g',
        v0: g.user,
        v1: { in: [roleSubject(g.role), g.role] },
        v2: g.merchant,
        deletedAt: null,
      },
      data: { deletedAt: new Date() },
    });
    return count > 0 ? bumpPolicyVersion(tx) : null;
  });
  // Announce even when nothing matched: it heals a replica (or a Redis) that missed a message.
  const version = changed ?? (await readPolicyVersion(deps.prisma));
  return { revoked: changed !== null, version, announced: await announce(deps, version, 'revoke') };
}

const announce = (deps: GrantDeps, version: string, reason: string) =>
  announcePolicyVersion(deps.redis, deps.keyPrefix ?? 'sf:', version, reason);

export async function listGrants(
  deps: Pick<GrantDeps, 'prisma'>,
  filter: { user?: string; merchant?: string; afterId?: string; limit?: number } = {},
): Promise<(Grant & { id: string; createdAt: Date })[]> {
  const rows = await deps.prisma.casbinRule.findMany({
    where: {
      ptype: 'g',
      deletedAt: null,
      ...(filter.user ? { v0: filter.user } : {}),
      ...(filter.merchant ? { v2: filter.merchant } : {}),
      ...(filter.afterId ? { id: { gt: BigInt(filter.afterId) } } : {}),
    },
    orderBy: { id: 'asc' },
    take: filter.limit ?? 1000,
  });
  return rows.map((r) => ({
    id: r.id.toString(),
    user: r.v0 ?? '',
    role: roleOfSubject(r.v1 ?? '') ?? ((r.v1 ?? '') as RoleName),
    merchant: r.v2 ?? '',
    createdAt: r.createdAt,
  }));
}
