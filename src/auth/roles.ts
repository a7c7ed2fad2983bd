/** Roles, objects and actions of the authorization model (docs/reference/http-api.md; role policies are seeded by a migration). */
export const ROLES = ['viewer', 'accountant', 'admin'] as const;
export type RoleName = (typeof ROLES)[number];

export type AuthzObject = 'account' | 'voucher' | 'report' | 'integration' | 'grant';
export type AuthzAction = 'read' | 'write' | 'post' | 'void';

/** A grant's merchant: a merchant id, or `*` for every merchant. */
export const ALL_MERCHANTS = '*';

/** Which merchants a caller may act on: every one, or a list (possibly empty). */
export type MerchantScope = { all: true } | { all: false; merchantIds: string[] };

export const inScope = (scope: MerchantScope, merchantId: string): boolean =>
  scope.all || scope.merchantIds.includes(merchantId);

/** Redis names shared by the API replicas and the `grant`/`revoke` command. */
export const policyKeys = (prefix: string) => ({
  /** Incremented on every policy change; cached decisions are keyed by it. */
  version: `${prefix}authz:policy-version`,
  /** Published on every policy change so every replica reloads its enforcer at once. */
  channel: `${prefix}authz:policy-changed`,
  decision: (version: string, rest: string) => `${prefix}authz:v${version}:${rest}`,
});
