import { type AccountType, type Direction } from '../domain/accounts.js';
import { formatMoney } from '../domain/money.js';
import { type DebitCreditSums } from '../domain/trial-balance.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';
import { and } from './tenancy.js';

/** An account's ledger: its lines, and the sums of its lines as of a moment. */
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
  db: Db,
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
  db: Db,
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
async function countUpTo(db: Db, where: Prisma.Sql, cap: number): Promise<number> {
  const rows = await db.query<{ n: string }>(Prisma.sql`
    SELECT count(*) AS n FROM (SELECT 1 FROM finance."FinanceTransaction" t WHERE ${where} LIMIT ${cap}) capped`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * The debit and credit sums of the account's lines posted at or before a
 * moment, and how many there are. Lines are ordered by posting sequence, but
 * events may carry a posting date earlier than lines already booked (a late
 * event), so summing is exact where "the last line's balance_after" would not be.
 */
export async function lineSumsAt(
  db: Db,
  accountId: string,
  at: Date,
): Promise<DebitCreditSums & { lines: number }> {
  const rows = await db.query<{ debit: string | null; credit: string | null; lines: string }>(Prisma.sql`
    SELECT sum(amount) FILTER (WHERE direction = 'DEBIT')::text AS debit,
           sum(amount) FILTER (WHERE direction = 'CREDIT')::text AS credit,
           count(*) AS lines
      FROM finance."FinanceTransaction"
     WHERE account_id = ${accountId}::bigint AND deleted_at IS NULL AND posted_at <= ${at}`);
  const r = rows[0];
  return { debit: r?.debit ?? '0', credit: r?.credit ?? '0', lines: Number(r?.lines ?? 0) };
}

export interface AccountSums extends DebitCreditSums {
  accountId: string;
  code: string;
  name: string;
  type: AccountType;
  normalBalance: Direction;
}

/** Every live account of the merchant, by code, with the debit and credit sums of its lines as of `at`. */
export async function merchantLineSumsAt(db: Db, merchantId: string, at: Date): Promise<AccountSums[]> {
  const rows = await db.query<Omit<AccountSums, 'debit' | 'credit'> & Partial<DebitCreditSums>>(Prisma.sql`
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
  return rows.map((r) => ({ ...r, debit: r.debit ?? '0', credit: r.credit ?? '0' }));
}
