import { type Redis } from 'ioredis';
import { type Db } from '../db/executor.js';
import {
  bumpPolicyVersion,
  insertGrant,
  listGrantRules,
  lockGrantChanges,
  readPolicyVersion,
  softDeleteGrants,
} from '../db/policies.js';
import { LedgerError } from '../domain/errors.js';
import { isId } from '../lib/ids.js';
import { announcePolicyVersion } from './policy-version.js';
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
 * (db/policies.ts), then announces it through Redis: every API replica
 * reloads at once, and if the announcement is lost, within its recheck interval.
 */
export interface GrantDeps {
  db: Db;
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

function validateGrant(input: { user: unknown; role: unknown; merchant: unknown }): Grant {
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

/** What a change did; `announced` is false when Redis did not take the notification (the change still holds). */
export interface GrantChange {
  version: string | null;
  announced: boolean;
}

/** Adds the grant; `created` is false when it already existed. */
export async function grant(deps: GrantDeps, input: Grant): Promise<{ created: boolean } & GrantChange> {
  const g = validateGrant(input);
  const version = await changeGrants(deps, (tx) =>
    insertGrant(tx, { user: g.user, roleSubject: roleSubject(g.role), merchant: g.merchant }),
  );
  if (version === null) return { created: false, version: null, announced: false };
  return { created: true, version, announced: await announce(deps, version, 'grant') };
}

/** Removes the grant (soft delete); `revoked` is false when there was none. */
export async function revoke(deps: GrantDeps, input: Grant): Promise<{ revoked: boolean } & GrantChange> {
  const g = validateGrant(input);
  // The bare role name too: a grant written by the release before role subjects were namespaced.
  const roleSubjects = [roleSubject(g.role), g.role];
  const changed = await changeGrants(
    deps,
    async (tx) => (await softDeleteGrants(tx, { user: g.user, roleSubjects, merchant: g.merchant })) > 0,
  );
  // Announce even when nothing matched: it heals a replica (or a Redis) that missed a message.
  const version = changed ?? (await readPolicyVersion(deps.db));
  return { revoked: changed !== null, version, announced: await announce(deps, version, 'revoke') };
}

/**
 * Runs a change of the grants under the grant lock (two concurrent grants of
 * the same triple insert one row) and, when it changed anything, bumps the
 * policy version in the same transaction; returns the new version, or null.
 */
const changeGrants = (deps: GrantDeps, change: (tx: Db) => Promise<boolean>): Promise<string | null> =>
  deps.db.transaction(async (tx) => {
    await lockGrantChanges(tx);
    return (await change(tx)) ? bumpPolicyVersion(tx) : null;
  });

const announce = (deps: GrantDeps, version: string, reason: string) =>
  announcePolicyVersion(deps.redis, deps.keyPrefix ?? 'sf:', version, reason);

export async function listGrants(
  deps: Pick<GrantDeps, 'db'>,
  filter: { user?: string; merchant?: string; afterId?: string; limit?: number } = {},
): Promise<(Grant & { id: string; createdAt: Date })[]> {
  const rows = await listGrantRules(deps.db, filter);
  return rows.map(({ roleSubject: subject, ...r }) => ({
    ...r,
    role: roleOfSubject(subject) ?? (subject as RoleName),
  }));
}
