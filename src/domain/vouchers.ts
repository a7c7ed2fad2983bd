/** Voucher types, their number prefixes and which may be voided (docs/reference/data-model.md, invariants.md). */
const VOUCHER_PREFIXES = {
  SALE: 'SL',
  COGS: 'CG',
  RECEIPT: 'RC',
  REFUND: 'RF',
  PURCHASE: 'PU',
  INVENTORY_ADJUSTMENT: 'IA',
  ADJUSTMENT: 'AD',
  TRANSFER: 'TR',
  EXPENSE: 'EX',
  REVERSAL: 'RV',
} as const;

export type VoucherType = keyof typeof VOUCHER_PREFIXES;
export const VOUCHER_TYPES = Object.keys(VOUCHER_PREFIXES) as VoucherType[];

/** Width the per-year running number is padded to (never cut): RC-2026-000042, RC-2026-1234567. */
const NUMBER_WIDTH = 6;

export function voucherPrefix(type: VoucherType): string {
  return VOUCHER_PREFIXES[type];
}

/**
 * A voucher number is `<head with the year><running number padded to width>`.
 * The posting statement dates the voucher (a closed period may move it into
 * the next year), takes the counter's next value and formats the number
 * inside the database, putting the year in place of YEAR_SLOT: the format is
 * defined here only.
 */
export const YEAR_SLOT = '{year}';

export function voucherNumberFormat(type: VoucherType): { head: string; width: number } {
  return { head: `${voucherPrefix(type)}-${YEAR_SLOT}-`, width: NUMBER_WIDTH };
}

export function formatVoucherNumber(type: VoucherType, year: number, n: number): string {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`voucher number must be a positive integer, got ${n}`);
  const { head, width } = voucherNumberFormat(type);
  return `${head.replace(YEAR_SLOT, String(year))}${String(n).padStart(width, '0')}`;
}

const VOUCHER_NUMBER = new RegExp(
  `^(${Object.values(VOUCHER_PREFIXES).join('|')})-(\\d{4})-(\\d{${NUMBER_WIDTH},})$`,
);

export function isVoucherNumber(s: string): boolean {
  return VOUCHER_NUMBER.test(s);
}

/** The description of the REVERSAL that voids a voucher: the void's reason, after whose voucher it undoes. */
export const reversalDescription = (voucherNumber: string, reason: string): string =>
  `Reversal of ${voucherNumber}: ${reason}`;

export type Voidability = { voidable: true } | { voidable: false; reason: string };

/**
 * COGS and inventory adjustments mirror physical stock movements, so they are
 * corrected with an ADJUSTMENT rather than voided; a reversal is never voided
 * (void the original once, and re-post if needed).
 */
export function voidability(type: VoucherType): Voidability {
  switch (type) {
    case 'COGS':
    case 'INVENTORY_ADJUSTMENT':
      return {
        voidable: false,
        reason: `${type} vouchers follow stock movements and cannot be voided; post an ADJUSTMENT instead`,
      };
    case 'REVERSAL':
      return { voidable: false, reason: 'a REVERSAL voucher cannot be voided' };
    default:
      return { voidable: true };
  }
}
