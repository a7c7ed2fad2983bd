import { type MerchantScope } from '../auth/roles.js';
import { type AccountType, DEFAULT_ACCOUNTS, type Direction } from '../domain/accounts.js';
import { formatMoney } from '../domain/money.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';
import { and, findVisible, tenancy, type TenantTable } from './tenancy.js';

/** The chart of accounts: one merchant's accounts, their codes, names, types and current balances. */
export interface AccountRow {
  id: string;
  merchantId: string;
  code: string;
  name: string;
  type: AccountType;
  normalBalance: Direction;
  isControl: boolean;
  balance: string;
  postingSequence: number;
  status: 'ACTIVE' | 'ARCHIVED';
  createdAt: string;
  updatedAt: string;
}

const columns = Prisma.sql`a.id::text AS id, a.merchant_id::text AS "merchantId", a.code, a.name, a.type::text AS type,
  a.normal_balance::text AS "normalBalance", a.is_control AS "isControl", a.balance::text AS balance,
  a.posting_sequence::int8 AS "postingSequence", a.status::text AS status, a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

type RawAccount = Omit<AccountRow, 'postingSequence' | 'createdAt' | 'updatedAt'> & {
  postingSequence: string | number;
  createdAt: Date;
  updatedAt: Date;
};

const toAccount = (r: RawAccount): AccountRow => ({
  ...r,
  balance: formatMoney(r.balance),
  postingSequence: Number(r.postingSequence),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export interface AccountFilter {
  merchantId?: string;
  type?: string;
  code?: string;
  status?: string;
}

function filterSql(scope: MerchantScope, f: AccountFilter): Prisma.Sql | null {
  const tenant = tenancy(scope, Prisma.sql`a.merchant_id`, f.merchantId);
  if (!tenant) return null;
  return and([
    Prisma.sql`a.deleted_at IS NULL`,
    tenant,
    f.type !== undefined && Prisma.sql`a.type = ${f.type}::finance."AccountType"`,
    f.code !== undefined && Prisma.sql`a.code = ${f.code}`,
    f.status !== undefined && Prisma.sql`a.status = ${f.status}::finance."AccountStatus"`,
  ]);
}

/** Live accounts the scope may see, by id, after `afterId`; one more than `limit` tells a next page exists. */
export async function listAccounts(
  db: Db,
  scope: MerchantScope,
  f: AccountFilter,
  afterId: string | null,
  limit: number,
): Promise<AccountRow[]> {
  const where = filterSql(scope, f);
  if (!where) return [];
  const rows = await db.query<RawAccount>(Prisma.sql`
    SELECT ${columns} FROM finance."FinanceAccount" a
     WHERE ${where} ${afterId ? Prisma.sql`AND a.id > ${afterId}::bigint` : Prisma.empty}
     ORDER BY a.id LIMIT ${limit + 1}`);
  return rows.map(toAccount);
}

export async function countAccounts(db: Db, scope: MerchantScope, f: AccountFilter): Promise<number> {
  const where = filterSql(scope, f);
  if (!where) return 0;
  const rows = await db.query<{ count: string }>(
    Prisma.sql`SELECT count(*) AS count FROM finance."FinanceAccount" a WHERE ${where}`,
  );
  return Number(rows[0]?.count ?? 0);
}

/** One live account the scope may see, or null: a missing and another tenant's account look the same. */
export async function findVisibleAccount(
  db: Db,
  scope: MerchantScope,
  id: string,
): Promise<AccountRow | null> {
  const row = await findVisible<RawAccount>(db, scope, ACCOUNTS, columns, id);
  return row && toAccount(row);
}

const ACCOUNTS: TenantTable = { table: Prisma.sql`finance."FinanceAccount"`, alias: 'a' };

export type NewAccount = Pick<AccountRow, 'id' | 'merchantId' | 'code' | 'name' | 'type' | 'normalBalance'>;

/** A non-control account with a zero balance; a code the merchant already uses is a unique violation. */
export async function insertAccount(db: Db, a: NewAccount): Promise<AccountRow> {
  const rows = await db.query<RawAccount>(Prisma.sql`
    INSERT INTO finance."FinanceAccount" AS a (id, merchant_id, code, name, type, normal_balance, is_control, balance,
                                               posting_sequence, status, created_at, updated_at)
    VALUES (${a.id}::bigint, ${a.merchantId}::bigint, ${a.code}, ${a.name}, ${a.type}::finance."AccountType",
            ${a.normalBalance}::finance."Direction", false, 0, 0, 'ACTIVE', now(), now())
    RETURNING ${columns}`);
  return toAccount(rows[0]!);
}

export async function updateAccount(
  db: Db,
  id: string,
  patch: { code?: string; name?: string; status?: string },
): Promise<AccountRow | null> {
  const sets = [
    patch.code !== undefined && Prisma.sql`code = ${patch.code}`,
    patch.name !== undefined && Prisma.sql`name = ${patch.name}`,
    patch.status !== undefined && Prisma.sql`status = ${patch.status}::finance."AccountStatus"`,
    Prisma.sql`updated_at = now()`,
  ].filter((s): s is Prisma.Sql => Boolean(s));
  const rows = await db.query<RawAccount>(Prisma.sql`
    UPDATE finance."FinanceAccount" a SET ${Prisma.join(sets, ', ')}
     WHERE a.id = ${id}::bigint AND a.deleted_at IS NULL RETURNING ${columns}`);
  return rows[0] ? toAccount(rows[0]) : null;
}

/**
 * Soft-deletes a non-control account whose balance is zero, in one
 * conditional statement: a posting holds the row lock while it changes the
 * balance, so the check cannot race with it.
 */
export async function softDeleteAccount(db: Db, id: string): Promise<boolean> {
  const n = await db.execute(Prisma.sql`
    UPDATE finance."FinanceAccount" SET deleted_at = now(), updated_at = now()
     WHERE id = ${id}::bigint AND deleted_at IS NULL AND NOT is_control AND balance = 0`);
  return n === 1;
}

/**
 * Creates every default account (domain/accounts.ts) the merchant lacks and
 * returns the codes it created; concurrent callers never duplicate one.
 */
export async function insertDefaultAccounts(db: Db, merchantId: string, ids: string[]): Promise<string[]> {
  const rows = await db.query<{ code: string }>(Prisma.sql`
    INSERT INTO finance."FinanceAccount" (id, merchant_id, code, name, type, normal_balance, is_control, created_at, updated_at)
    SELECT d.id, ${merchantId}::bigint, d.code, d.name, d.type::finance."AccountType", d.normal::finance."Direction", d.is_control, now(), now()
      FROM unnest(${ids}::bigint[], ${DEFAULT_ACCOUNTS.map((a) => a.code)}::text[], ${DEFAULT_ACCOUNTS.map((a) => a.name)}::text[],
                  ${DEFAULT_ACCOUNTS.map((a) => a.type)}::text[], ${DEFAULT_ACCOUNTS.map((a) => a.normalBalance)}::text[],
                  ${DEFAULT_ACCOUNTS.map((a) => a.isControl)}::boolean[]) AS d(id, code, name, type, normal, is_control)
    ON CONFLICT (merchant_id, code) WHERE deleted_at IS NULL DO NOTHING
    RETURNING code`);
  return rows.map((r) => r.code);
}

/**
 * A live account's balance and sequence as seen without a lock, for a
 * decision the posting re-checks under lock (cash counts); null also for
 * another merchant's account.
 */
export async function readAccountBalance(db: Db, merchantId: string, id: string) {
  const rows = await db.query<{ id: string; balance: string; postingSequence: string }>(Prisma.sql`
    SELECT id::text, balance::text, posting_sequence::text AS "postingSequence"
      FROM finance."FinanceAccount"
     WHERE id = ${id}::bigint AND merchant_id = ${merchantId}::bigint AND deleted_at IS NULL`);
  return rows[0] ?? null;
}
