import { type MerchantScope } from '../auth/roles.js';
import { Prisma } from './client.js';

/**
 * The tenancy condition of every list, count and single-entity query: the
 * caller's merchants go into the SQL itself, so another tenant's rows are
 * never fetched. Returns null when nothing can match (no grant, or a
 * `merchantId` filter outside the caller's merchants): the caller answers
 * with an empty page, a zero count or a 404 without querying.
 */
export function tenancy(scope: MerchantScope, column: Prisma.Sql, merchantId?: string): Prisma.Sql | null {
  if (merchantId !== undefined) {
    if (!scope.all && !scope.merchantIds.includes(merchantId)) return null;
    return Prisma.sql`${column} = ${merchantId}::bigint`;
  }
  if (scope.all) return Prisma.sql`TRUE`;
  if (scope.merchantIds.length === 0) return null;
  return Prisma.sql`${column} = ANY(${scope.merchantIds}::bigint[])`;
}

/** Every merchant: for the service's own reads (activities, the CLI), which act for no tenant. */
export const EVERY_MERCHANT: MerchantScope = { all: true };

export const and = (parts: (Prisma.Sql | null | undefined | false)[]): Prisma.Sql => {
  const present = parts.filter((p): p is Prisma.Sql => Boolean(p));
  return present.length === 0 ? Prisma.sql`TRUE` : Prisma.join(present, ' AND ');
};
