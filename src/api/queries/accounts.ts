import { Prisma } from '../../db/client.js';
import { type Sql } from './sql.js';
import { type MerchantScope } from '../../auth/roles.js';
import { balanceSign, type AccountType, type Direction } from '../../domain/accounts.js';
import { formatMoney, money, ZERO } from '../../domain/money.js';
import { and, tenancy } from './scope.js';

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

export async function listAccounts(
  db: Sql,
  scope: MerchantScope,
  f: AccountFilter,
  afterId: string | null,
  limit: number,
) {
  const where = filterSql(scope, f);
  if (!where) return [];
  const rows = await db.query<RawAccount>(Prisma.sql`
    SELECT ${columns} FROM finance."FinanceAccount" a
     WHERE ${where} ${afterId ? Prisma.sql`AND a.id > ${afterId}::bigint` : Prisma.empty}
     ORDER BY a.id LIMIT ${limit + 1}`);
  return rows.map(toAccount);
}

export async function countAccounts(db: Sql, scope: MerchantScope, f: AccountFilter): Promise<number> {
  const where = filterSql(scope, f);
  if (!where) return 0;
  const rows = await db.query<{ count: string }>(
    Prisma.sql`SELECT count(*) AS count FROM finance."FinanceAccount" a WHERE ${where}`,
  );
  return Number(rows[0]?.count ?? 0);
}

/** One live account the caller may see, or null: a missing and another tenant's account look the same. */
export async function findAccount(db: Sql, scope: MerchantScope, id: string): Promise<AccountRow | null> {
  const tenant = tenancy(scope, Prisma.sql`a.merchant_id`);
  if (!tenant) return null;
  const rows = await db.query<RawAccount>(Prisma.sql`
    SELECT ${columns} FROM finance."FinanceAccount" a WHERE a.id = ${id}::bigint AND a.deleted_at IS NULL AND ${tenant}`);
  return rows[0] ? toAccount(rows[0]) : null;
}

export async function insertAccount(
  db: Sql,
  a: {
    id: string;
    merchantId: string;
    code: string;
    name: string;
    type: AccountType;
    normalBalance: Direction;
  },
): Promise<AccountRow> {
  const rows = await db.query<RawAccount>(Prisma.sql`
    INSERT INTO finance."FinanceAccount" AS a (id, merchant_id, code, name, type, normal_balance, is_control, balance,
                                               posting_sequence, status, created_at, updated_at)
    VALUES (${a.id}::bigint, ${a.merchantId}::bigint, ${a.code}, ${a.name}, ${a.type}::finance."AccountType",
            ${a.normalBalance}::finance."Direction", false, 0, 0, 'ACTIVE', now(), now())
    RETURNING ${columns}`);
  return toAccount(rows[0]!);
}

export async function updateAccount(
  db: Sql,
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
export async function softDeleteAccount(db: Sql, id: string): Promise<boolean> {
  const n = await db.execute(Prisma.sql`
    UPDATE finance."FinanceAccount" SET deleted_at = now(), updated_at = now()
     WHERE id = ${id}::bigint AND deleted_at IS NULL AND NOT is_control AND balance = 0`);
  return n === 1;
}

export interface LedgerLineRow {
  id: string;
  voucherId: string;
  voucherNumber: string;
  voucherType: string;
  lineNumber: number;
  direction: Direction;
  amount: string;
  balanceAfter: string;
  postingSequence: number;
  memo: string | null;
  postedAt: string;
}

/**
 * A line's posting sequence and its date rise together (a late event aside),
 * which the planner does not know: asked for a date range newest first, it
 * walks back along the sequence and, for an old month, through every newer
 * line. `readsRangeFirst` picks instead, from counts of index entries capped
 * at this many, the cheaper of two plans: walk back from the newest line
 * (cheap when few lines are newer than the range), or read the range through
 * the (account_id, posted_at) index and sort it (cheap when the range is small).
 */
const PROBE_CAP = 5_000;

/** The account's lines, newest first (by posting sequence), optionally within [from, to). */
export async function accountLines(
  db: Sql,
  accountId: string,
  f: { from?: Date; to?: Date; beforeSeq?: string | null },
  limit: number,
  probeCap: number = PROBE_CAP,
): Promise<LedgerLineRow[]> {
  const account = Prisma.sql`t.account_id = ${accountId}::bigint AND t.deleted_at IS NULL`;
  const before = f.beforeSeq ? Prisma.sql`t.posting_sequence < ${f.beforeSeq}::bigint` : null;
  const where = and([
    account,
    f.from && Prisma.sql`t.posted_at >= ${f.from}`,
    f.to && Prisma.sql`t.posted_at < ${f.to}`,
    before,
  ]);
  const newer = f.to ? and([account, Prisma.sql`t.posted_at >= ${f.to}`, before]) : null;
  const rangeFirst =
    (f.from !== undefined || f.to !== undefined) &&
    (await readsRangeFirst(db, where, newer, limit, probeCap));
  const columns = Prisma.sql`t.id::text AS id, t.finance_voucher_id::text AS "voucherId",
    v.voucher_number AS "voucherNumber", v.type::text AS "voucherType", t.line_number AS "lineNumber",
    t.direction::text AS direction, t.amount::text AS amount, t.balance_after::text AS "balanceAfter",
    t.posting_sequence AS "postingSequence", t.memo, t.posted_at AS "postedAt"`;
  type Row = Omit<LedgerLineRow, 'postingSequence' | 'postedAt'> & {
    postingSequence: string;
    postedAt: Date;
  };
  const rows = rangeFirst
    ? // MATERIALIZED: read the range first (inlined, it would become the walk again), keep the page, then join.
      await db.query<Row>(Prisma.sql`
        WITH in_range AS MATERIALIZED (SELECT * FROM finance."FinanceTransaction" t WHERE ${where})
        SELECT ${columns}
          FROM (SELECT * FROM in_range ORDER BY posting_sequence DESC LIMIT ${limit + 1}) t
          JOIN finance."FinanceVoucher" v ON v.id = t.finance_voucher_id
         ORDER BY t.posting_sequence DESC`)
    : await db.query<Row>(Prisma.sql`
        SELECT ${columns} FROM finance."FinanceTransaction" t JOIN finance."FinanceVoucher" v ON v.id = t.finance_voucher_id
         WHERE ${where} ORDER BY t.posting_sequence DESC LIMIT ${limit + 1}`);
  return rows.map((r) => ({
    ...r,
    amount: formatMoney(r.amount),
    balanceAfter: formatMoney(r.balanceAfter),
    postingSequence: Number(r.postingSequence),
    postedAt: r.postedAt.toISOString(),
  }));
}

/**
 * Read the range first when it holds no more than a page (a walk might find
 * nothing for long), or when many lines are newer than it and it is small;
 * walk back when few lines are newer (the range starts right behind them).
 */
async function readsRangeFirst(
  db: Sql,
  range: Prisma.Sql,
  newer: Prisma.Sql | null,
  limit: number,
  cap: number,
): Promise<boolean> {
  if ((await countUpTo(db, range, limit + 1)) <= limit) return true;
  if (!newer || (await countUpTo(db, newer, cap)) < cap) return false;
  return (await countUpTo(db, range, cap)) < cap;
}

/** How many lines match, counting no further than `cap` (at most `cap` index entries). */
async function countUpTo(db: Sql, where: Prisma.Sql, cap: number): Promise<number> {
  const rows = await db.query<{ n: string }>(Prisma.sql`
    SELECT count(*) AS n FROM (SELECT 1 FROM finance."FinanceTransaction" t WHERE ${where} LIMIT ${cap}) capped`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * The balance as of a moment: the signed sum of the lines posted at or
 * before it. Lines are ordered by posting sequence, but events may carry a
 * posting date earlier than lines already booked (a late event), so the sum
 * is exact where "the last line's balance_after" would not be. When every
 * line up to `at` is also first in sequence, both agree.
 */
export async function balanceAt(
  db: Sql,
  account: Pick<AccountRow, 'id' | 'normalBalance'>,
  at: Date,
): Promise<{ balance: string; lines: number }> {
  const rows = await db.query<{ debit: string | null; credit: string | null; lines: string }>(Prisma.sql`
    SELECT sum(amount) FILTER (WHERE direction = 'DEBIT')::text AS debit,
           sum(amount) FILTER (WHERE direction = 'CREDIT')::text AS credit,
           count(*) AS lines
      FROM finance."FinanceTransaction"
     WHERE account_id = ${account.id}::bigint AND deleted_at IS NULL AND posted_at <= ${at}`);
  const r = rows[0];
  const debit = money(r?.debit ?? '0');
  const credit = money(r?.credit ?? '0');
  const balance = debit.minus(credit).times(balanceSign(account.normalBalance, 'DEBIT'));
  return { balance: formatMoney(balance), lines: Number(r?.lines ?? 0) };
}

export interface TrialBalanceRow {
  accountId: string;
  code: string;
  name: string;
  type: AccountType;
  normalBalance: Direction;
  balance: string;
  debit: string;
  credit: string;
}

/**
 * Every live account of the merchant with its balance as of `at`, split into
 * the debit and credit columns of a trial balance. Since every voucher
 * balances, the column totals agree.
 */
export async function trialBalance(db: Sql, merchantId: string, at: Date) {
  const rows = await db.query<{
    accountId: string;
    code: string;
    name: string;
    type: AccountType;
    normalBalance: Direction;
    debit: string | null;
    credit: string | null;
  }>(Prisma.sql`
    SELECT a.id::text AS "accountId", a.code, a.name, a.type::text AS type, a.normal_balance::text AS "normalBalance",
           s.debit::text AS debit, s.credit::text AS credit
      FROM finance."FinanceAccount" a
      LEFT JOIN LATERAL (
        SELECT sum(t.amount) FILTER (WHERE t.direction = 'DEBIT') AS debit,
               sum(t.amount) FILTER (WHERE t.direction = 'CREDIT') AS credit
          FROM finance."FinanceTransaction" t
         WHERE t.account_id = a.id AND t.deleted_at IS NULL AND t.posted_at <= ${at}
      ) s ON true
     WHERE a.merchant_id = ${merchantId}::bigint AND a.deleted_at IS NULL
     ORDER BY a.code`);
  let totalDebit = ZERO;
  let totalCredit = ZERO;
  const accounts: TrialBalanceRow[] = rows.map((r) => {
    const net = money(r.debit ?? '0').minus(money(r.credit ?? '0'));
    const debit = net.isPositive() ? net : ZERO;
    const credit = net.isNegative() ? net.negated() : ZERO;
    totalDebit = totalDebit.plus(debit);
    totalCredit = totalCredit.plus(credit);
    return {
      accountId: r.accountId,
      code: r.code,
      name: r.name,
      type: r.type,
      normalBalance: r.normalBalance,
      balance: formatMoney(net.times(balanceSign(r.normalBalance, 'DEBIT'))),
      debit: formatMoney(debit),
      credit: formatMoney(credit),
    };
  });
  return {
    accounts,
    totals: { debit: formatMoney(totalDebit), credit: formatMoney(totalCredit) },
    balanced: totalDebit.equals(totalCredit),
  };
}

export async function merchantCurrency(db: Sql, merchantId: string): Promise<string | null> {
  const rows = await db.query<{ currency: string }>(Prisma.sql`
    SELECT currency FROM finance."Merchant" WHERE id = ${merchantId}::bigint AND deleted_at IS NULL`);
  return rows[0]?.currency ?? null;
}
