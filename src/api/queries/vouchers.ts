import { Prisma } from '../../db/client.js';
import { type Sql } from './sql.js';
import { type MerchantScope } from '../../auth/roles.js';
import { formatMoney } from '../../domain/money.js';
import { type VoucherType } from '../../domain/vouchers.js';
import { and, tenancy } from './scope.js';

export interface VoucherLineRow {
  id: string;
  lineNumber: number;
  accountId: string;
  accountCode: string;
  direction: 'DEBIT' | 'CREDIT';
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
  postedAt: string;
  reversalOfId: string | null;
  reversedById: string | null;
  createdBy: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  lines: VoucherLineRow[];
}

const columns = Prisma.sql`v.id::text AS id, v.merchant_id::text AS "merchantId", v.voucher_number AS "voucherNumber",
  v.type::text AS type, v.status::text AS status, v.source_type AS "sourceType", v.source_id AS "sourceId",
  v.event_id AS "eventId", v.reason, v.description, v.posted_at AS "postedAt", v.reversal_of_id::text AS "reversalOfId",
  v.reversed_by_id::text AS "reversedById", v.created_by AS "createdBy", v.metadata, v.created_at AS "createdAt"`;

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

export async function listVouchers(
  db: Sql,
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
  return withLines(db, rows);
}

/** One voucher with its lines, if the caller may see it (a missing and another tenant's voucher look the same). */
export async function findVoucher(db: Sql, scope: MerchantScope, id: string): Promise<VoucherRow | null> {
  const tenant = tenancy(scope, Prisma.sql`v.merchant_id`);
  if (!tenant) return null;
  // One round trip: the lines come along as a JSON array (their numbers as text, so nothing is rounded).
  const rows = await db.query<RawVoucher & { lines: RawLine[] }>(Prisma.sql`
    SELECT ${columns},
           (SELECT coalesce(json_agg(json_build_object(
                     'id', t.id::text, 'lineNumber', t.line_number, 'accountId', t.account_id::text,
                     'accountCode', a.code, 'direction', t.direction::text, 'amount', t.amount::text,
                     'balanceAfter', t.balance_after::text, 'postingSequence', t.posting_sequence::text,
                     'memo', t.memo) ORDER BY t.line_number), '[]'::json)
              FROM finance."FinanceTransaction" t
              JOIN finance."FinanceAccount" a ON a.id = t.account_id
             WHERE t.finance_voucher_id = v.id AND t.deleted_at IS NULL) AS lines
      FROM finance."FinanceVoucher" v WHERE v.id = ${id}::bigint AND v.deleted_at IS NULL AND ${tenant}`);
  const [row] = rows;
  if (!row) return null;
  const { lines, ...voucher } = row;
  return toVoucher(voucher, lines.map(toLine));
}

type RawVoucher = Omit<VoucherRow, 'lines' | 'postedAt' | 'createdAt'> & { postedAt: Date; createdAt: Date };

async function withLines(db: Sql, vouchers: RawVoucher[]): Promise<VoucherRow[]> {
  if (vouchers.length === 0) return [];
  const lines = await db.query<RawLine & { voucherId: string }>(Prisma.sql`
    SELECT t.finance_voucher_id::text AS "voucherId", t.id::text AS id, t.line_number AS "lineNumber",
           t.account_id::text AS "accountId", a.code AS "accountCode", t.direction::text AS direction,
           t.amount::text AS amount, t.balance_after::text AS "balanceAfter", t.posting_sequence AS "postingSequence", t.memo
      FROM finance."FinanceTransaction" t
      JOIN finance."FinanceAccount" a ON a.id = t.account_id
     WHERE t.finance_voucher_id = ANY(${vouchers.map((v) => v.id)}::bigint[]) AND t.deleted_at IS NULL
     ORDER BY t.finance_voucher_id, t.line_number`);
  const byVoucher = new Map<string, VoucherLineRow[]>();
  for (const { voucherId, ...l } of lines) {
    const list = byVoucher.get(voucherId) ?? [];
    list.push(toLine(l));
    byVoucher.set(voucherId, list);
  }
  return vouchers.map((v) => toVoucher(v, byVoucher.get(v.id) ?? []));
}

/** A line as the database returns it: the sequence (int8) as text. */
type RawLine = Omit<VoucherLineRow, 'postingSequence'> & { postingSequence: string };

const toLine = (l: RawLine): VoucherLineRow => ({
  ...l,
  amount: formatMoney(l.amount),
  balanceAfter: formatMoney(l.balanceAfter),
  postingSequence: Number(l.postingSequence),
});

const toVoucher = (v: RawVoucher, lines: VoucherLineRow[]): VoucherRow => ({
  ...v,
  metadata: (v.metadata ?? {}) as Record<string, unknown>,
  postedAt: v.postedAt.toISOString(),
  createdAt: v.createdAt.toISOString(),
  lines,
});

export async function merchantExists(db: Sql, merchantId: string): Promise<boolean> {
  const rows = await db.query<{ one: number }>(
    Prisma.sql`SELECT 1 AS one FROM finance."Merchant" WHERE id = ${merchantId}::bigint AND deleted_at IS NULL`,
  );
  return rows.length > 0;
}

/**
 * Records an Idempotency-Key with the hash of its request. Returns whether
 * this call recorded it, and the hash recorded first (to compare).
 */
export async function claimIdempotencyKey(
  db: Sql,
  r: { merchantId: string; key: string; requestHash: string; workflowId: string; createdBy: string },
): Promise<{ first: boolean; requestHash: string }> {
  const inserted = await db.query<{ request_hash: string }>(Prisma.sql`
    INSERT INTO finance."ManualVoucherRequest" (merchant_id, idempotency_key, request_hash, workflow_id, created_by, created_at, updated_at)
    VALUES (${r.merchantId}::bigint, ${r.key}, ${r.requestHash}, ${r.workflowId}, ${r.createdBy}, now(), now())
    ON CONFLICT (merchant_id, idempotency_key) DO NOTHING
    RETURNING request_hash`);
  if (inserted.length > 0) return { first: true, requestHash: r.requestHash };
  const existing = await db.query<{ request_hash: string }>(Prisma.sql`
    SELECT request_hash FROM finance."ManualVoucherRequest"
     WHERE merchant_id = ${r.merchantId}::bigint AND idempotency_key = ${r.key}`);
  return { first: false, requestHash: existing[0]?.request_hash ?? '' };
}
