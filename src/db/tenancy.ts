import { type MerchantScope } from '../auth/roles.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';

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

/** A tenant-owned table (it has `merchant_id` and `deleted_at`) and the alias its columns are selected through. */
export interface TenantTable {
  table: Prisma.Sql;
  alias: string;
}

/**
 * One live row by id, if the scope may see it: null for a missing row and
 * for another tenant's alike, so neither answer nor timing tells them apart.
 */
export async function findVisible<T>(
  db: Db,
  scope: MerchantScope,
  from: TenantTable,
  columns: Prisma.Sql,
  id: string,
): Promise<T | null> {
  const alias = Prisma.raw(from.alias);
  const tenant = tenancy(scope, Prisma.sql`${alias}.merchant_id`);
  if (!tenant) return null;
  const rows = await db.query<T>(Prisma.sql`
    SELECT ${columns} FROM ${from.table} ${alias}
     WHERE ${alias}.id = ${id}::bigint AND ${alias}.deleted_at IS NULL AND ${tenant}`);
  return rows[0] ?? null;
}

export const and = (parts: (Prisma.Sql | null | undefined | false)[]): Prisma.Sql => {
  const present = parts.filter((p): p is Prisma.Sql => Boolean(p));
  return present.length === 0 ? Prisma.sql`TRUE` : Prisma.join(present, ' AND ');
};
