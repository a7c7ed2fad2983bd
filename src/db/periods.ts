import { LedgerError } from '../domain/errors.js';
import { formatMoney } from '../domain/money.js';
import { type PeriodAccountSums } from '../domain/trial-balance.js';
import {
  decideClose,
  latestClosed,
  type Period,
  periodOf,
  periodsBetween,
  previousPeriod,
} from '../domain/periods.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';

/**
 * Accounting periods (docs/reference/periods.md): the merchant's
 * `closed_until`, its FinancePeriod rows and the closing balances stored at
 * close.
 *
 * Lock order, the same as the posting statement's: the merchant's period
 * gate, then the merchant row, then accounts. A close or reopen takes the
 * gate exclusive (and the merchant row FOR UPDATE, against a concurrent CDC
 * update of the row it writes); every posting holds the gate shared for its
 * whole statement, taken before any account, so the close waits for the
 * postings in flight and the postings that come after wait for the close,
 * then read the new `closed_until` on a fresh snapshot
 * (finance.period_closed_until). The close's later statements (READ
 * COMMITTED: each takes a new snapshot) therefore see every line that will
 * ever be dated into the months it closes, and take no other lock (the
 * closing balances' foreign key takes KEY SHARE on their accounts, which no
 * posting of the merchant can hold FOR UPDATE meanwhile).
 */
export interface PeriodRow {
  period: string;
  status: 'OPEN' | 'CLOSED';
  closedAt: string | null;
  closedBy: string | null;
  reopenedAt: string | null;
  reopenedBy: string | null;
  reopenReason: string | null;
}

export interface MerchantPeriods {
  /** Every instant before this lies in a closed period (ISO 8601), or null. */
  closedUntil: string | null;
  /** The latest closed period, or null. */
  closedThrough: string | null;
  periods: PeriodRow[];
}

type RawPeriod = Omit<PeriodRow, 'closedAt' | 'reopenedAt'> & {
  closedAt: Date | null;
  reopenedAt: Date | null;
};

const periodColumns = Prisma.sql`trim(p.period) AS period, p.status::text AS status, p.closed_at AS "closedAt",
  p.closed_by AS "closedBy", p.reopened_at AS "reopenedAt", p.reopened_by AS "reopenedBy",
  p.reopen_reason AS "reopenReason"`;

const toPeriodRow = (r: RawPeriod): PeriodRow => ({
  ...r,
  closedAt: r.closedAt?.toISOString() ?? null,
  reopenedAt: r.reopenedAt?.toISOString() ?? null,
});

/** The merchant's period state and its recorded periods, newest first; null when the merchant is unknown. */
export async function listPeriods(db: Db, merchantId: string): Promise<MerchantPeriods | null> {
  const [merchant] = await db.query<{ closedUntil: Date | null }>(Prisma.sql`
    SELECT closed_until AS "closedUntil" FROM finance."Merchant" WHERE id = ${merchantId}::bigint AND deleted_at IS NULL`);
  if (!merchant) return null;
  const rows = await db.query<RawPeriod>(Prisma.sql`
    SELECT ${periodColumns} FROM finance."FinancePeriod" p
     WHERE p.merchant_id = ${merchantId}::bigint AND p.deleted_at IS NULL ORDER BY p.period DESC`);
  return {
    closedUntil: merchant.closedUntil?.toISOString() ?? null,
    closedThrough: latestClosed(merchant.closedUntil)?.name ?? null,
    periods: rows.map(toPeriodRow),
  };
}

/**
 * The first key of the merchant's period gate, an advisory lock in the
 * two-integer key space (the second key is the merchant id's hash; two
 * merchants sharing a hash only wait for each other's closes). Postings take
 * it shared (through finance.period_closed_until, whose latest migration holds the
 * same number), closes and reopens exclusive.
 */
const PERIOD_GATE = 0x5045_5244; // "PERD"

/**
 * Closes the gate (waiting for the merchant's postings in flight; later ones
 * wait behind it), then locks the merchant row against other closes and CDC
 * updates; its closed_until, or undefined when the merchant is unknown.
 */
async function lockMerchant(tx: Db, merchantId: string): Promise<Date | null | undefined> {
  await tx.query(
    Prisma.sql`SELECT 1 AS gate FROM pg_advisory_xact_lock(${PERIOD_GATE}::int, hashint8(${merchantId}::bigint))`,
  );
  const [row] = await tx.query<{ closedUntil: Date | null }>(Prisma.sql`
    SELECT closed_until AS "closedUntil" FROM finance."Merchant"
     WHERE id = ${merchantId}::bigint AND deleted_at IS NULL FOR UPDATE`);
  return row ? row.closedUntil : undefined;
}

export type CloseOutcome =
  | { kind: 'merchant-not-found' }
  | { kind: 'already'; periods: MerchantPeriods }
  | { kind: 'closed'; closed: string[]; periods: MerchantPeriods };

/**
 * Closes `period` and every earlier open month back to the last closed one
 * (those must be empty: a month with vouchers must be closed on its own
 * first), storing each account's closing balance for each of them.
 */
export async function closePeriod(
  db: Db,
  req: { merchantId: string; period: Period; closedBy: string; now: Date },
): Promise<CloseOutcome> {
  return db.transaction(async (tx) => {
    const closedUntil = await lockMerchant(tx, req.merchantId);
    if (closedUntil === undefined) return { kind: 'merchant-not-found' as const };
    const [first] = await tx.query<{ postedAt: Date | null }>(Prisma.sql`
      SELECT min(posted_at) AS "postedAt" FROM finance."FinanceVoucher"
       WHERE merchant_id = ${req.merchantId}::bigint AND deleted_at IS NULL
         AND posted_at >= coalesce(${closedUntil}::timestamptz, '-infinity') AND posted_at < ${req.period.start}`);
    const decision = decideClose(
      req.period,
      closedUntil,
      first?.postedAt ? periodOf(first.postedAt) : null,
      req.now,
    );
    if (decision.kind === 'refuse') throw new LedgerError('PERIOD_NOT_CLOSABLE', decision.message);
    if (decision.kind === 'already')
      return { kind: 'already' as const, periods: (await listPeriods(tx, req.merchantId))! };
    const months = periodsBetween(decision.from, req.period);
    const previous = latestClosed(closedUntil);
    // Each month's balance: the previous close's, plus the lines from where it ended to the month's end.
    await tx.execute(Prisma.sql`
      INSERT INTO finance."FinanceClosingBalance" (merchant_id, period, account_id, balance, created_at, updated_at)
      SELECT a.merchant_id, m.period, a.id, coalesce(prev.balance, 0) + coalesce(s.net, 0), now(), now()
        FROM finance."FinanceAccount" a
       CROSS JOIN unnest(${months.map((m) => m.name)}::text[], ${months.map((m) => m.end)}::timestamptz[]) AS m(period, ends)
        LEFT JOIN finance."FinanceClosingBalance" prev
          ON prev.account_id = a.id AND prev.period = ${previous?.name ?? null} AND prev.deleted_at IS NULL
        LEFT JOIN LATERAL (
          SELECT sum(CASE WHEN t.direction = a.normal_balance THEN t.amount ELSE -t.amount END) AS net
            FROM finance."FinanceTransaction" t
           WHERE t.account_id = a.id AND t.deleted_at IS NULL
             AND t.posted_at >= coalesce(${closedUntil}::timestamptz, '-infinity') AND t.posted_at < m.ends
        ) s ON true
       WHERE a.merchant_id = ${req.merchantId}::bigint`);
    // closed_at from the clock, not now(): a posting that committed before this close began may have
    // started after the close's transaction did, and `closed-periods-unchanged` compares the two.
    await tx.execute(Prisma.sql`
      INSERT INTO finance."FinancePeriod" (merchant_id, period, status, closed_at, closed_by, created_at, updated_at)
      SELECT ${req.merchantId}::bigint, m, 'CLOSED', clock_timestamp(), ${req.closedBy}, now(), now()
        FROM unnest(${months.map((m) => m.name)}::text[]) AS m
      ON CONFLICT (merchant_id, period) DO UPDATE
         SET status = 'CLOSED', closed_at = excluded.closed_at, closed_by = excluded.closed_by, updated_at = now()`);
    await tx.execute(Prisma.sql`
      UPDATE finance."Merchant" SET closed_until = ${req.period.end}, updated_at = now()
       WHERE id = ${req.merchantId}::bigint`);
    return {
      kind: 'closed' as const,
      closed: months.map((m) => m.name),
      periods: (await listPeriods(tx, req.merchantId))!,
    };
  });
}

export type ReopenOutcome = { kind: 'merchant-not-found' } | { kind: 'reopened'; periods: MerchantPeriods };

/**
 * Reopens the latest closed period: its closing balances are withdrawn
 * (soft-deleted) and closed_until moves back to its start, or to nothing
 * when it was the merchant's first closed period.
 */
export async function reopenPeriod(
  db: Db,
  req: { merchantId: string; period: Period; reopenedBy: string; reason: string },
): Promise<ReopenOutcome> {
  return db.transaction(async (tx) => {
    const closedUntil = await lockMerchant(tx, req.merchantId);
    if (closedUntil === undefined) return { kind: 'merchant-not-found' as const };
    const latest = latestClosed(closedUntil);
    if (latest?.name !== req.period.name)
      throw new LedgerError(
        'PERIOD_NOT_REOPENABLE',
        latest
          ? `only the latest closed period, ${latest.name}, can be reopened`
          : `no period of merchant ${req.merchantId} is closed`,
      );
    const before = previousPeriod(req.period);
    await tx.execute(Prisma.sql`
      UPDATE finance."FinancePeriod"
         SET status = 'OPEN', reopened_at = now(), reopened_by = ${req.reopenedBy}, reopen_reason = ${req.reason},
             updated_at = now()
       WHERE merchant_id = ${req.merchantId}::bigint AND period = ${req.period.name}`);
    await tx.execute(Prisma.sql`
      UPDATE finance."FinanceClosingBalance" SET deleted_at = now(), updated_at = now()
       WHERE merchant_id = ${req.merchantId}::bigint AND period = ${req.period.name} AND deleted_at IS NULL`);
    await tx.execute(Prisma.sql`
      UPDATE finance."Merchant" m
         SET closed_until = CASE WHEN EXISTS (
               SELECT 1 FROM finance."FinancePeriod" p
                WHERE p.merchant_id = m.id AND p.period = ${before.name} AND p.status = 'CLOSED')
             THEN ${req.period.start}::timestamptz END,
             updated_at = now()
       WHERE m.id = ${req.merchantId}::bigint`);
    return { kind: 'reopened' as const, periods: (await listPeriods(tx, req.merchantId))! };
  });
}

/**
 * Each account's opening balance and the debit and credit sums of its lines
 * in the period. When the month before is closed, the opening is its stored
 * closing balance and the cost grows with the month's lines only (read
 * through the (account_id, posted_at, direction, amount) index); otherwise
 * the opening is summed from every earlier line. Live accounts, and deleted
 * ones that moved in the month or opened it with a balance.
 */
export async function periodAccountSums(
  db: Db,
  merchantId: string,
  period: Period,
  closedUntil: Date | null,
): Promise<PeriodAccountSums[]> {
  const previousClosed = closedUntil !== null && closedUntil.getTime() >= period.start.getTime();
  const opening = previousClosed
    ? Prisma.sql`(SELECT cb.balance FROM finance."FinanceClosingBalance" cb
                   WHERE cb.account_id = a.id AND cb.period = ${previousPeriod(period).name} AND cb.deleted_at IS NULL)`
    : Prisma.sql`(SELECT sum(CASE WHEN t.direction = a.normal_balance THEN t.amount ELSE -t.amount END)
                    FROM finance."FinanceTransaction" t
                   WHERE t.account_id = a.id AND t.deleted_at IS NULL AND t.posted_at < ${period.start})`;
  type Raw = Omit<PeriodAccountSums, 'opening' | 'debit' | 'credit'> & {
    opening: string | null;
    debit: string | null;
    credit: string | null;
  };
  const rows = await db.query<Raw>(Prisma.sql`
    SELECT x.* FROM (
      SELECT a.id::text AS "accountId", a.code, a.name, a.type::text AS type, a.normal_balance::text AS "normalBalance",
             a.deleted_at, ${opening}::text AS opening, s.debit::text AS debit, s.credit::text AS credit
        FROM finance."FinanceAccount" a
        LEFT JOIN LATERAL (
          SELECT sum(t.amount) FILTER (WHERE t.direction = 'DEBIT') AS debit,
                 sum(t.amount) FILTER (WHERE t.direction = 'CREDIT') AS credit
            FROM finance."FinanceTransaction" t
           WHERE t.account_id = a.id AND t.deleted_at IS NULL
             AND t.posted_at >= ${period.start} AND t.posted_at < ${period.end}
        ) s ON true
       WHERE a.merchant_id = ${merchantId}::bigint
    ) x
    WHERE x.deleted_at IS NULL OR x.debit IS NOT NULL OR x.credit IS NOT NULL OR coalesce(x.opening::numeric, 0) <> 0
    ORDER BY x.code, x."accountId"`);
  return rows.map(({ deleted_at: _deleted, ...r }: Raw & { deleted_at?: unknown }) => ({
    ...r,
    opening: formatMoney(r.opening ?? '0'),
    debit: r.debit ?? '0',
    credit: r.credit ?? '0',
  }));
}

/** The merchant's closed_until (null: nothing closed), or undefined when the merchant is unknown. */
export async function closedUntilOf(db: Db, merchantId: string): Promise<Date | null | undefined> {
  const [row] = await db.query<{ closedUntil: Date | null }>(Prisma.sql`
    SELECT closed_until AS "closedUntil" FROM finance."Merchant" WHERE id = ${merchantId}::bigint AND deleted_at IS NULL`);
  return row ? row.closedUntil : undefined;
}
