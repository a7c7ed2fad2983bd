import { Prisma, type PrismaClient } from '../db/client.js';
import { formatMoney } from '../domain/money.js';
import { isVoucherNumber } from '../domain/vouchers.js';
import { isId } from '../lib/ids.js';
import { type Out, printable, table } from './output.js';

/** `finance voucher <id|number> [--merchant <id>]`: the voucher and its ledger lines, like the runbook's SQL. */
export async function runVoucher(
  prisma: PrismaClient,
  out: Out,
  ref: string,
  merchantId?: string,
): Promise<number> {
  if (!isId(ref) && !isVoucherNumber(ref)) {
    out.line(
      `"${printable(ref)}" is neither a voucher id (digits) nor a voucher number such as RC-2026-000042`,
    );
    return 2;
  }
  const where = isId(ref)
    ? Prisma.sql`v.id = ${ref}::bigint`
    : Prisma.sql`v.voucher_number = ${ref} ${merchantId ? Prisma.sql`AND v.merchant_id = ${merchantId}::bigint` : Prisma.empty}`;
  const vouchers = await prisma.$queryRaw<
    {
      id: string;
      merchant_id: string;
      voucher_number: string;
      type: string;
      status: string;
      source: string;
      event_id: string | null;
      posted_at: Date;
      description: string | null;
      reversal: string | null;
    }[]
  >`SELECT v.id::text, v.merchant_id::text, v.voucher_number, v.type::text, v.status::text,
           v.source_type || '/' || v.source_id AS source, v.event_id, v.posted_at, v.description,
           coalesce(r.voucher_number, o.voucher_number) AS reversal
      FROM finance."FinanceVoucher" v
      LEFT JOIN finance."FinanceVoucher" r ON r.id = v.reversed_by_id
      LEFT JOIN finance."FinanceVoucher" o ON o.id = v.reversal_of_id
     WHERE ${where} ORDER BY v.merchant_id`;
  if (vouchers.length === 0) {
    out.line(`No voucher ${ref}${merchantId ? ` for merchant ${printable(merchantId)}` : ''}.`);
    return 1;
  }
  if (vouchers.length > 1) {
    out.line(
      `${ref} exists for ${vouchers.length} merchants (${vouchers.map((v) => v.merchant_id).join(', ')}); add --merchant <id>.`,
    );
    return 2;
  }
  const v = vouchers[0]!;
  out.line(
    `${v.voucher_number}  ${v.type}  ${v.status}${v.reversal ? ` (${v.type === 'REVERSAL' ? 'reverses' : 'reversed by'} ${v.reversal})` : ''}`,
  );
  out.line(`  id ${v.id}, merchant ${v.merchant_id}, posted ${v.posted_at.toISOString()}`);
  out.line(`  source ${printable(v.source)}${v.event_id ? `, event ${printable(v.event_id)}` : ''}`);
  if (v.description) out.line(`  ${printable(v.description)}`);
  const lines = await prisma.$queryRaw<
    {
      line_number: number;
      code: string;
      account_id: string;
      direction: string;
      amount: string;
      balance_after: string;
      posting_sequence: string;
      memo: string | null;
    }[]
  >`SELECT l.line_number, a.code, l.account_id::text, l.direction::text, l.amount::text, l.balance_after::text,
           l.posting_sequence::text, l.memo
      FROM finance."FinanceTransaction" l JOIN finance."FinanceAccount" a ON a.id = l.account_id
     WHERE l.finance_voucher_id = ${v.id}::bigint ORDER BY l.line_number`;
  out.line('');
  for (const row of table([
    ['#', 'account', 'debit', 'credit', 'balance after', 'seq', 'memo'],
    ...lines.map((l) => [
      String(l.line_number),
      `${l.code} (${l.account_id})`,
      l.direction === 'DEBIT' ? formatMoney(l.amount) : '',
      l.direction === 'CREDIT' ? formatMoney(l.amount) : '',
      formatMoney(l.balance_after),
      l.posting_sequence,
      l.memo ?? '',
    ]),
  ])) {
    out.line(`  ${row}`);
  }
  return 0;
}
