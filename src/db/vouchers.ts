import { type MerchantScope } from '../auth/roles.js';
import { type Direction } from '../domain/accounts.js';
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

/** Timestamps as JavaScript's `toISOString` writes them: UTC, milliseconds, `Z`. */
const isoTime = (t: Prisma.Sql) =>
  Prisma.sql`to_char(${t} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * `formatMoney` (domain/money.ts) in SQL: at least two, at most four fraction
 * digits. Without regular expressions: this runs inside the posting
 * statement, under its locks.
 */
const moneyText = (n: Prisma.Sql) =>
  Prisma.sql`CASE WHEN scale(trim_scale(${n})) < 2 THEN round(${n}, 2)::text ELSE trim_scale(${n})::text END`;

/**
 * A voucher line as the API shows it, from a line row `t` (FinanceTransaction's
 * columns) and its account `a` (id, code).
 */
const lineJson = Prisma.sql`json_build_object(
  'id', t.id::text, 'lineNumber', t.line_number, 'accountId', t.account_id::text, 'accountCode', a.code,
  'direction', t.direction::text, 'amount', ${moneyText(Prisma.sql`t.amount`)},
  'balanceAfter', ${moneyText(Prisma.sql`t.balance_after`)}, 'postingSequence', t.posting_sequence, 'memo', t.memo)`;

/**
 * THE voucher representation: `GET /vouchers/:id`, the voucher pages and the
 * outbound stream's messages (posting-statement.ts renders it over the rows it
 * has just written) are all built by this one SQL expression, so they cannot
 * drift: a field added here appears in all of them. `v` is a row with
 * FinanceVoucher's columns; `lines` and `accounts` name the relations its lines
 * and their accounts come from (the tables, or the statement's own CTEs);
 * `leading` key/value pairs come first (the stream's `kind`).
 */
export const voucherJson = (
  lines: Prisma.Sql,
  accounts: Prisma.Sql,
  leading = Prisma.empty,
) => Prisma.sql`json_build_object(
  ${leading} 'id', v.id::text, 'merchantId', v.merchant_id::text, 'voucherNumber', v.voucher_number, 'type', v.type::text,
  'status', v.status::text, 'sourceType', v.source_type, 'sourceId', v.source_id, 'eventId', v.event_id,
  'reason', v.reason, 'description', v.description, 'postedAt', ${isoTime(Prisma.sql`v.posted_at`)},
  'recordedAt', ${isoTime(Prisma.sql`v.recorded_at`)}, 'requestedAt', ${isoTime(Prisma.sql`v.requested_at`)},
  'reversalOfId', v.reversal_of_id::text, 'reversedById', v.reversed_by_id::text, 'createdBy', v.created_by,
  'metadata', coalesce(v.metadata, '{}'::jsonb), 'createdAt', ${isoTime(Prisma.sql`v.created_at`)},
  'lines', (SELECT coalesce(json_agg(${lineJson} ORDER BY t.line_number), '[]'::json)
              FROM ${lines} t JOIN ${accounts} a ON a.id = t.account_id
             WHERE t.finance_voucher_id = v.id AND t.deleted_at IS NULL))`;

const storedVoucherJson = voucherJson(
  Prisma.sql`finance."FinanceTransaction"`,
  Prisma.sql`finance."FinanceAccount"`,
);

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
  const rows = await db.query<{ voucher: VoucherRow }>(Prisma.sql`
    SELECT ${storedVoucherJson} AS voucher FROM finance."FinanceVoucher" v
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
  return rows.map((r) => r.voucher);
}

/** One voucher with its lines, if the scope may see it (a missing and another tenant's voucher look the same). */
export async function findVoucher(db: Db, scope: MerchantScope, id: string): Promise<VoucherRow | null> {
  const row = await findVisible<{ voucher: VoucherRow }>(
    db,
    scope,
    { table: Prisma.sql`finance."FinanceVoucher"`, alias: 'v' },
    Prisma.sql`${storedVoucherJson} AS voucher`,
    id,
  );
  return row?.voucher ?? null;
}

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
