import { type PrismaClient } from '../../src/db/client.js';

export interface VoucherView {
  type: string;
  voucherNumber: string;
  sourceType: string;
  sourceId: string;
  eventId: string | null;
  /** `Dr RECEIVABLE 10.0000`, in line order: easy to assert and to read in a failure diff. */
  lines: string[];
}

/** A merchant's vouchers (oldest first) with their lines, and account balances by code, as plain values. */
export async function ledgerOf(
  prisma: PrismaClient,
  merchantId: string,
): Promise<{ vouchers: VoucherView[]; balances: Record<string, string> }> {
  // One snapshot: read apart, a posting committing in between showed its voucher without its balances.
  const [accounts, vouchers] = await prisma.$transaction(
    [
      prisma.financeAccount.findMany({ where: { merchantId: BigInt(merchantId) } }),
      prisma.financeVoucher.findMany({
        where: { merchantId: BigInt(merchantId) },
        include: { lines: { orderBy: { lineNumber: 'asc' } } },
        orderBy: { id: 'asc' },
      }),
    ],
    { isolationLevel: 'RepeatableRead' },
  );
  const codeOf = new Map(accounts.map((a) => [a.id, a.code]));
  return {
    vouchers: vouchers.map((v) => ({
      type: v.type,
      voucherNumber: v.voucherNumber,
      sourceType: v.sourceType,
      sourceId: v.sourceId,
      eventId: v.eventId,
      lines: v.lines.map(
        (l) =>
          `${l.direction === 'DEBIT' ? 'Dr' : 'Cr'} ${codeOf.get(l.accountId) ?? l.accountId.toString()} ${l.amount.toFixed(4)}`,
      ),
    })),
    balances: Object.fromEntries(
      accounts.filter((a) => !a.balance.isZero()).map((a) => [a.code, a.balance.toFixed(4)]),
    ),
  };
}

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
