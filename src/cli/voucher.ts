import { type Db } from '../db/executor.js';
import { EVERY_MERCHANT } from '../db/tenancy.js';
import { findVoucher, listVouchers, type VoucherRow } from '../db/vouchers.js';
import { isVoucherNumber } from '../domain/vouchers.js';
import { isId } from '../lib/ids.js';
import { type Out, printable, table } from './output.js';

/** Merchants one voucher number is looked up in before the command asks for --merchant. */
const MAX_MATCHES = 50;

/** `finance voucher <id|number> [--merchant <id>]`: the voucher and its ledger lines, like the runbook's SQL. */
export async function runVoucher(db: Db, out: Out, ref: string, merchantId?: string): Promise<number> {
  if (!isId(ref) && !isVoucherNumber(ref)) {
    out.line(
      `"${printable(ref)}" is neither a voucher id (digits) nor a voucher number such as RC-2026-000042`,
    );
    return 2;
  }
  const vouchers: VoucherRow[] = isId(ref)
    ? [await findVoucher(db, EVERY_MERCHANT, ref)].filter((v): v is VoucherRow => v !== null)
    : await listVouchers(
        db,
        EVERY_MERCHANT,
        { voucherNumber: ref, ...(merchantId ? { merchantId } : {}) },
        null,
        MAX_MATCHES,
      );
  if (vouchers.length === 0) {
    out.line(`No voucher ${ref}${merchantId ? ` for merchant ${printable(merchantId)}` : ''}.`);
    return 1;
  }
  if (vouchers.length > 1) {
    const merchants = vouchers.map((v) => v.merchantId).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    out.line(
      `${ref} exists for ${vouchers.length} merchants (${merchants.join(', ')}); add --merchant <id>.`,
    );
    return 2;
  }
  const v = vouchers[0]!;
  const counterpartId = v.reversedById ?? v.reversalOfId;
  const counterpart = counterpartId ? await findVoucher(db, EVERY_MERCHANT, counterpartId) : null;
  out.line(
    `${v.voucherNumber}  ${v.type}  ${v.status}${counterpart ? ` (${v.type === 'REVERSAL' ? 'reverses' : 'reversed by'} ${counterpart.voucherNumber})` : ''}`,
  );
  out.line(`  id ${v.id}, merchant ${v.merchantId}, posted ${v.postedAt}, recorded ${v.recordedAt}`);
  if (v.requestedAt) {
    const closed =
      typeof v.metadata.closedPeriod === 'string'
        ? ` (period ${printable(v.metadata.closedPeriod)} was closed)`
        : '';
    out.line(`  requested ${v.requestedAt}${closed}`);
  }
  out.line(
    `  source ${printable(`${v.sourceType}/${v.sourceId}`)}${v.eventId ? `, event ${printable(v.eventId)}` : ''}`,
  );
  if (v.description) out.line(`  ${printable(v.description)}`);
  out.line('');
  for (const row of linesTable(v, { memo: true })) out.line(`  ${row}`);
  return 0;
}

/** A voucher's lines as an aligned table: debit and credit in their own columns, the memo when asked for. */
export function linesTable(v: VoucherRow, opts: { memo: boolean }): string[] {
  return table([
    ['#', 'account', 'debit', 'credit', 'balance after', 'seq', ...(opts.memo ? ['memo'] : [])],
    ...v.lines.map((l) => [
      String(l.lineNumber),
      `${l.accountCode} (${l.accountId})`,
      l.direction === 'DEBIT' ? l.amount : '',
      l.direction === 'CREDIT' ? l.amount : '',
      l.balanceAfter,
      String(l.postingSequence),
      ...(opts.memo ? [l.memo ?? ''] : []),
    ]),
  ]);
}
