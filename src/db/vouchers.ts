import { type MerchantScope } from '../auth/roles.js';
import { type Direction } from '../domain/accounts.js';
import { formatMoney } from '../domain/money.js';
import { type VoucherType } from '../domain/vouchers.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';
import { and, findVisible, tenancy } from './tenancy.js';

/** Vouchers and their lines as read back (they are written by the posting statement, posting-statement.ts). */
export interface VoucherLine {
  id: string;
  lineNumber: number;
  accountId: string;
  accountCode: string;
  direction: Direction;
  amount: string;
  balanceAfter: string;
  postingSequence: number;
  memo: string | null;
}

export interface VoucherRow {
  id: string;
  merchantId: string;
  voucherNumber: string;
  type: VoucherType;
  status: 'POSTED' | 'VOIDED';
  sourceType: string;
  sourceId: string;
  eventId: string | null;
  reason: string | null;
  description: string | null;
  /** The accounting date; `requestedAt` the date asked for when a closed period moved it; `recordedAt` when written. */
  postedAt: string;
  recordedAt: string;
  requestedAt: string | null;
  reversalOfId: string | null;
  reversedById: string | null;
  createdBy: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  lines: VoucherLine[];
}

const columns = Prisma.sql`v.id::text AS id, v.merchant_id::text AS "merchantId", v.voucher_number AS "voucherNumber",
  v.type::text AS type, v.status::text AS status, v.source_type AS "sourceType", v.source_id AS "sourceId",
  v.event_id AS "eventId", v.reason, v.description, v.posted_at AS "postedAt",
  v.recorded_at AS "recordedAt", v.requested_at AS "requestedAt", v.reversal_of_id::text AS "reversalOfId",
  v.reversed_by_id::text AS "reversedById", v.created_by AS "createdBy", v.metadata, v.created_at AS "createdAt"`;

/**
 * The lines of the vouchers `voucher` selects, with their account's code:
 * the one line query, read as rows (a page of vouchers) or folded into its
 * voucher's row as JSON (one voucher, one round trip). Numbers come as text,
 * so nothing is rounded on the way.
 */
const linesOf = (voucher: Prisma.Sql) => Prisma.sql`
  SELECT t.finance_voucher_id::text AS "voucherId", t.id::text AS id, t.line_number AS "lineNumber",
         t.account_id::text AS "accountId", a.code AS "accountCode", t.direction::text AS direction,
         t.amount::text AS amount, t.balance_after::text AS "balanceAfter",
         t.posting_sequence::text AS "postingSequence", t.memo
    FROM finance."FinanceTransaction" t
    JOIN finance."FinanceAccount" a ON a.id = t.account_id
   WHERE ${voucher} AND t.deleted_at IS NULL`;

export interface VoucherFilter {
  merchantId?: string;
  type?: string;
  status?: string;
  from?: Date;
  to?: Date;
  sourceType?: string;
  sourceId?: string;
  voucherNumber?: string;
}

/** Vouchers the scope may see, newest first, with their lines; one more than `limit` tells a next page exists. */
export async function listVouchers(
  db: Db,
  scope: MerchantScope,
  f: VoucherFilter,
  after: { postedAt: Date; id: string } | null,
  limit: number,
): Promise<VoucherRow[]> {
  const tenant = tenancy(scope, Prisma.sql`v.merchant_id`, f.merchantId);
  if (!tenant) return [];
  const rows = await db.query<RawVoucher>(Prisma.sql`
    SELECT ${columns} FROM finance."FinanceVoucher" v
     WHERE ${and([
       Prisma.sql`v.deleted_at IS NULL`,
       tenant,
       f.type !== undefined && Prisma.sql`v.type = ${f.type}::finance."VoucherType"`,
       f.status !== undefined && Prisma.sql`v.status = ${f.status}::finance."VoucherStatus"`,
       f.from && Prisma.sql`v.posted_at >= ${f.from}`,
       f.to && Prisma.sql`v.posted_at < ${f.to}`,
       f.sourceType !== undefined && Prisma.sql`v.source_type = ${f.sourceType}`,
       f.sourceId !== undefined && Prisma.sql`v.source_id = ${f.sourceId}`,
       f.voucherNumber !== undefined && Prisma.sql`v.voucher_number = ${f.voucherNumber}`,
       after && Prisma.sql`(v.posted_at, v.id) < (${after.postedAt}, ${after.id}::bigint)`,
     ])}
     ORDER BY v.posted_at DESC, v.id DESC LIMIT ${limit + 1}`);
  if (rows.length === 0) return [];
  const lines = await db.query<RawLine>(Prisma.sql`
    ${linesOf(Prisma.sql`t.finance_voucher_id = ANY(${rows.map((v) => v.id)}::bigint[])`)}
     ORDER BY t.finance_voucher_id, t.line_number`);
  const byVoucher = new Map<string, VoucherLine[]>();
  for (const l of lines) {
    const list = byVoucher.get(l.voucherId) ?? [];
    list.push(toLine(l));
    byVoucher.set(l.voucherId, list);
  }
  return rows.map((v) => toVoucher(v, byVoucher.get(v.id) ?? []));
}

/** One voucher with its lines, if the scope may see it (a missing and another tenant's voucher look the same). */
export async function findVoucher(db: Db, scope: MerchantScope, id: string): Promise<VoucherRow | null> {
  const row = await findVisible<RawVoucher & { lines: RawLine[] }>(
    db,
    scope,
    { table: Prisma.sql`finance."FinanceVoucher"`, alias: 'v' },
    Prisma.sql`${columns},
      (SELECT coalesce(json_agg(l ORDER BY l."lineNumber"), '[]'::json)
         FROM (${linesOf(Prisma.sql`t.finance_voucher_id = v.id`)}) l) AS lines`,
    id,
  );
  if (!row) return null;
  const { lines, ...voucher } = row;
  return toVoucher(voucher, lines.map(toLine));
}

type RawVoucher = Omit<VoucherRow, 'lines' | 'postedAt' | 'recordedAt' | 'requestedAt' | 'createdAt'> & {
  postedAt: Date;
  recordedAt: Date;
  requestedAt: Date | null;
  createdAt: Date;
};

/** A line as the database returns it: the sequence (int8) as text. */
type RawLine = Omit<VoucherLine, 'postingSequence'> & { voucherId: string; postingSequence: string };

const toLine = ({ voucherId: _voucherId, ...l }: RawLine): VoucherLine => ({
  ...l,
  amount: formatMoney(l.amount),
  balanceAfter: formatMoney(l.balanceAfter),
  postingSequence: Number(l.postingSequence),
});

const toVoucher = (v: RawVoucher, lines: VoucherLine[]): VoucherRow => ({
  ...v,
  metadata: (v.metadata ?? {}) as Record<string, unknown>,
  postedAt: v.postedAt.toISOString(),
  recordedAt: v.recordedAt.toISOString(),
  requestedAt: v.requestedAt?.toISOString() ?? null,
  createdAt: v.createdAt.toISOString(),
  lines,
});

/** For each of these events that posted: how many vouchers, and when the last one was written. */
export async function vouchersOfEvents(
  db: Db,
  eventIds: string[],
): Promise<{ eventId: string; vouchers: number; lastCreatedAt: Date }[]> {
  const rows = await db.query<{ eventId: string; vouchers: string; lastCreatedAt: Date }>(Prisma.sql`
    SELECT event_id AS "eventId", count(*) AS vouchers, max(created_at) AS "lastCreatedAt"
      FROM finance."FinanceVoucher" WHERE event_id = ANY(${eventIds}::text[]) GROUP BY event_id`);
  return rows.map((r) => ({ ...r, vouchers: Number(r.vouchers) }));
}
