/** Roles, objects and actions of the authorization model (docs/reference/http-api.md; role policies are seeded by a migration). */
export const ROLES = ['viewer', 'accountant', 'admin'] as const;
export type RoleName = (typeof ROLES)[number];

/**
 * Role subjects in the policies are `role:<name>`, a namespace no identity may
 * use: Casbin's role manager treats a user whose name equals a role subject as
 * that role, so a token whose `sub` were `role:admin` (or, before the prefix,
 * `admin`) would hold the role without any grant.
 */
export const ROLE_PREFIX = 'role:';

export const roleSubject = (role: RoleName): string => `${ROLE_PREFIX}${role}`;

/** The role a policy subject names, or null when it is not a role subject. */
export function roleOfSubject(subject: string): RoleName | null {
  if (!subject.startsWith(ROLE_PREFIX)) return null;
  const name = subject.slice(ROLE_PREFIX.length);
  return (ROLES as readonly string[]).includes(name) ? (name as RoleName) : null;
}

/**
 * A subject no identity may be: a role name or anything under the reserved
 * prefix, in any letter case (identity providers differ on case, and the
 * cost of refusing an identity called `Admin` is nil). Such a token is refused
 * before any Casbin call, and such a user can never be granted anything.
 */
export function isReservedSubject(sub: string): boolean {
  const lower = sub.toLowerCase();
  return lower.startsWith(ROLE_PREFIX) || (ROLES as readonly string[]).includes(lower);
}

export type AuthzObject = 'account' | 'voucher' | 'report' | 'integration' | 'grant' | 'payload' | 'period';
/** `decode`/`encode` (Temporal payloads): no role but admin (`*` actions) has them. */
/** `close`/`reopen` (accounting periods): seeded for admin only. */
export type AuthzAction = 'read' | 'write' | 'post' | 'void' | 'decode' | 'encode' | 'close' | 'reopen';

/** A grant's merchant: a merchant id, or `*` for every merchant. */
export const ALL_MERCHANTS = '*';

/** Which merchants a caller may act on: every one, or a list (possibly empty). */
export type MerchantScope = { all: true } | { all: false; merchantIds: string[] };

/** Redis names shared by the API replicas and the `grant`/`revoke` command. */
export const policyKeys = (prefix: string) => ({
  /** Incremented on every policy change; cached decisions are keyed by it. */
  version: `${prefix}authz:policy-version`,
  /** Published on every policy change so every replica reloads its enforcer at once. */
  channel: `${prefix}authz:policy-changed`,
  decision: (version: string, rest: string) => `${prefix}authz:v${version}:${rest}`,
});
