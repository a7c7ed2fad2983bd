import { Prisma } from './client.js';
import type { AccountType, Direction } from '../domain/accounts.js';

/**
 * The SQL of the posting path. Every statement takes a transaction client so
 * the posting activity can run them inside one DB transaction; each is written
 * to make as few round trips as possible (a posting is: lock, write, commit).
 */
export type Tx = Prisma.TransactionClient;

export interface LockedAccount {
  id: string;
  merchantId: string;
  code: string;
  type: AccountType;
  normalBalance: Direction;
  status: 'ACTIVE' | 'ARCHIVED';
  deleted: boolean;
  balance: string;
  postingSequence: string;
}

export interface LockResult {
  merchantCurrency: string | null;
  existingVoucherId: string | null;
  accounts: LockedAccount[];
}

interface LockRow {
  merchant_currency: string | null;
  existing_voucher_id: string | null;
  id: string | null;
  merchant_id: string | null;
  code: string | null;
  type: AccountType | null;
  normal_balance: Direction | null;
  status: 'ACTIVE' | 'ARCHIVED' | null;
  deleted: boolean | null;
  balance: string | null;
  posting_sequence: string | null;
}

/**
 * Locks every account the voucher touches `FOR UPDATE` in ascending id order
 * (so two vouchers touching the same accounts in opposite order queue instead
 * of deadlocking), and reads in the same round trip the merchant's currency
 * and whether this source was already posted.
 */
export async function lockAccounts(
  tx: Tx,
  args: { merchantId: string; codes: string[]; ids: string[]; sourceType: string; sourceId: string },
): Promise<LockResult> {
  const rows = await tx.$queryRaw<LockRow[]>`
    WITH locked AS (
      SELECT a.id, a.merchant_id, a.code, a.type, a.normal_balance, a.status,
             a.deleted_at IS NOT NULL AS deleted, a.balance, a.posting_sequence
        FROM finance."FinanceAccount" a
       WHERE (a.merchant_id = ${args.merchantId}::bigint AND a.code = ANY(${args.codes}::text[]) AND a.deleted_at IS NULL)
          OR a.id = ANY(${args.ids}::bigint[])
       ORDER BY a.id
         FOR UPDATE
    )
    SELECT (SELECT m.currency FROM finance."Merchant" m WHERE m.id = ${args.merchantId}::bigint) AS merchant_currency,
           (SELECT v.id::text FROM finance."FinanceVoucher" v
             WHERE v.merchant_id = ${args.merchantId}::bigint AND v.source_type = ${args.sourceType}
               AND v.source_id = ${args.sourceId}) AS existing_voucher_id,
           l.id::text, l.merchant_id::text, l.code, l.type::text AS type, l.normal_balance::text AS normal_balance,
           l.status::text AS status, l.deleted, l.balance::text AS balance, l.posting_sequence::text AS posting_sequence
      FROM (SELECT 1) AS one LEFT JOIN locked l ON true`;
  const first = rows[0];
  return {
    merchantCurrency: first?.merchant_currency ?? null,
    existingVoucherId: first?.existing_voucher_id ?? null,
    accounts: rows
      .filter((r) => r.id !== null)
      .map((r) => ({
        id: r.id!,
        merchantId: r.merchant_id!,
        code: r.code!,
        type: r.type!,
        normalBalance: r.normal_balance!,
        status: r.status!,
        deleted: r.deleted!,
        balance: r.balance!,
        postingSequence: r.posting_sequence!,
      })),
  };
}

export interface VoucherInsert {
  id: string;
  merchantId: string;
  prefix: string;
  year: number;
  type: string;
  sourceType: string;
  sourceId: string;
  eventId: string | null;
  reason: string | null;
  description: string | null;
  postedAt: Date;
  reversalOfId: string | null;
  createdBy: string;
  metadata: Record<string, unknown>;
}

export interface LineInsert {
  id: string;
  lineNumber: number;
  accountId: string;
  direction: Direction;
  amount: string;
  balanceAfter: string;
  postingSequence: string;
  memo: string | null;
}

export interface AccountUpdate {
  id: string;
  balance: string;
  postingSequence: string;
}

/**
 * Writes the voucher, its lines and the new balances in one statement, and
 * takes the gapless number last: the counter row is the merchant-wide hot
 * spot, so its lock should be held only from here to COMMIT
 * (see PERF-NOTES: number-first halves throughput).
 * When `voidsVoucherId` is set the original is marked VOIDED in the same statement.
 */
export async function writeVoucher(
  tx: Tx,
  v: VoucherInsert,
  lines: LineInsert[],
  accounts: AccountUpdate[],
  voidsVoucherId: string | null = null,
): Promise<{ voucherNumber: string }> {
  const rows = await tx.$queryRaw<{ voucher_number: string; line_count: bigint; account_count: bigint }[]>`
    WITH accounts AS (
      UPDATE finance."FinanceAccount" a
         SET balance = u.balance, posting_sequence = u.seq, updated_at = now()
        FROM unnest(${accounts.map((a) => a.id)}::bigint[], ${accounts.map((a) => a.balance)}::numeric[],
                    ${accounts.map((a) => a.postingSequence)}::bigint[]) AS u(id, balance, seq)
       WHERE a.id = u.id
      RETURNING a.id
    ), counter AS (
      INSERT INTO finance."VoucherNumberCounter" AS c (merchant_id, prefix, year, last_number, created_at, updated_at)
      VALUES (${v.merchantId}::bigint, ${v.prefix}, ${v.year}::int, 1, now(), now())
      ON CONFLICT (merchant_id, prefix, year) DO UPDATE SET last_number = c.last_number + 1, updated_at = now()
      RETURNING last_number
    ), voucher AS (
      INSERT INTO finance."FinanceVoucher" (id, merchant_id, voucher_number, type, status, source_type, source_id,
                                          event_id, reason, description, posted_at, reversal_of_id, created_by,
                                          metadata, created_at, updated_at)
      SELECT ${v.id}::bigint, ${v.merchantId}::bigint,
             ${v.prefix} || '-' || ${String(v.year)} || '-' || lpad(counter.last_number::text, greatest(6, length(counter.last_number::text)), '0'),
             ${v.type}::finance."VoucherType", 'POSTED', ${v.sourceType}, ${v.sourceId}, ${v.eventId}, ${v.reason},
             ${v.description}, ${v.postedAt}::timestamptz, ${v.reversalOfId}::bigint, ${v.createdBy},
             ${JSON.stringify(v.metadata)}::jsonb, now(), now()
        FROM counter
      RETURNING id, voucher_number
    ), lines AS (
      INSERT INTO finance."FinanceTransaction" (id, finance_voucher_id, line_number, merchant_id, account_id, direction,
                                              amount, balance_after, posting_sequence, memo, posted_at, created_at, updated_at)
      SELECT l.id, voucher.id, l.line_number, ${v.merchantId}::bigint, l.account_id, l.direction::finance."Direction",
             l.amount, l.balance_after, l.seq, l.memo, ${v.postedAt}::timestamptz, now(), now()
        FROM voucher,
             unnest(${lines.map((l) => l.id)}::bigint[], ${lines.map((l) => l.lineNumber)}::int[],
                    ${lines.map((l) => l.accountId)}::bigint[], ${lines.map((l) => l.direction)}::text[],
                    ${lines.map((l) => l.amount)}::numeric[], ${lines.map((l) => l.balanceAfter)}::numeric[],
                    ${lines.map((l) => l.postingSequence)}::bigint[], ${lines.map((l) => l.memo)}::text[])
               AS l(id, line_number, account_id, direction, amount, balance_after, seq, memo)
      RETURNING 1
    ), voided AS (
      UPDATE finance."FinanceVoucher" o
         SET status = 'VOIDED', reversed_by_id = voucher.id, updated_at = now()
        FROM voucher
       WHERE o.id = ${voidsVoucherId}::bigint
      RETURNING o.id
    )
    SELECT voucher.voucher_number,
           (SELECT count(*) FROM lines) AS line_count,
           (SELECT count(*) FROM accounts) AS account_count
      FROM voucher`;
  const row = rows[0];
  if (!row || Number(row.line_count) !== lines.length || Number(row.account_count) !== accounts.length) {
    // Unreachable while the accounts stay locked; refuse to commit a partial voucher if it ever happens.
    throw new Error(`voucher ${v.id} wrote ${row?.line_count ?? 0}/${lines.length} lines, ${row?.account_count ?? 0}/${accounts.length} accounts`);
  }
  return { voucherNumber: row.voucher_number };
}

export interface VoucherSummaryRow {
  id: string;
  merchantId: string;
  voucherNumber: string;
  type: string;
  status: 'POSTED' | 'VOIDED';
  reversedById: string | null;
  reversalOfId: string | null;
}

const summaryColumns = Prisma.sql`id::text AS id, merchant_id::text AS "merchantId", voucher_number AS "voucherNumber",
  type::text AS type, status::text AS status, reversed_by_id::text AS "reversedById", reversal_of_id::text AS "reversalOfId"`;

export async function findVoucherSummary(tx: Tx, id: string, opts: { forUpdate?: boolean } = {}) {
  const rows = await tx.$queryRaw<VoucherSummaryRow[]>`
    SELECT ${summaryColumns} FROM finance."FinanceVoucher"
     WHERE id = ${id}::bigint AND deleted_at IS NULL ${opts.forUpdate ? Prisma.sql`FOR UPDATE` : Prisma.empty}`;
  return rows[0] ?? null;
}

export async function findVoucherBySource(tx: Tx, merchantId: string, sourceType: string, sourceId: string) {
  const rows = await tx.$queryRaw<VoucherSummaryRow[]>`
    SELECT ${summaryColumns} FROM finance."FinanceVoucher"
     WHERE merchant_id = ${merchantId}::bigint AND source_type = ${sourceType} AND source_id = ${sourceId}`;
  return rows[0] ?? null;
}

export interface VoucherLineRow {
  accountId: string;
  direction: Direction;
  amount: string;
  memo: string | null;
}

export async function findVoucherLines(tx: Tx, voucherId: string): Promise<VoucherLineRow[]> {
  return tx.$queryRaw<VoucherLineRow[]>`
    SELECT account_id::text AS "accountId", direction::text AS direction, amount::text AS amount, memo
      FROM finance."FinanceTransaction"
     WHERE finance_voucher_id = ${voucherId}::bigint AND deleted_at IS NULL
     ORDER BY line_number`;
}
