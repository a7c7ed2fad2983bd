/** The chart of accounts every merchant gets (docs/reference/data-model.md). Codes are contract. */
export const ACCOUNT_TYPES = ['ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];
export const DIRECTIONS = ['DEBIT', 'CREDIT'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface DefaultAccount {
  code: string;
  name: string;
  type: AccountType;
  normalBalance: Direction;
  isControl: boolean;
}

export const DEFAULT_ACCOUNTS = [
  { code: 'CASH', name: 'Cash', type: 'ASSET', normalBalance: 'DEBIT', isControl: false },
  { code: 'BANK', name: 'Bank', type: 'ASSET', normalBalance: 'DEBIT', isControl: false },
  { code: 'RECEIVABLE', name: 'Accounts receivable', type: 'ASSET', normalBalance: 'DEBIT', isControl: true },
  { code: 'INVENTORY', name: 'Inventory', type: 'ASSET', normalBalance: 'DEBIT', isControl: true },
  { code: 'PAYABLE', name: 'Accounts payable', type: 'LIABILITY', normalBalance: 'CREDIT', isControl: true },
  { code: 'OWNER_EQUITY', name: "Owner's equity", type: 'EQUITY', normalBalance: 'CREDIT', isControl: false },
  { code: 'SALES_REVENUE', name: 'Sales revenue', type: 'REVENUE', normalBalance: 'CREDIT', isControl: true },
  { code: 'SALES_RETURNS', name: 'Sales returns', type: 'REVENUE', normalBalance: 'DEBIT', isControl: true },
  { code: 'COGS', name: 'Cost of goods sold', type: 'EXPENSE', normalBalance: 'DEBIT', isControl: true },
  {
    code: 'INVENTORY_ADJUSTMENT',
    name: 'Inventory adjustments',
    type: 'EXPENSE',
    normalBalance: 'DEBIT',
    isControl: true,
  },
  {
    code: 'CASH_OVER_SHORT',
    name: 'Cash over and short',
    type: 'EXPENSE',
    normalBalance: 'DEBIT',
    isControl: true,
  },
] as const satisfies readonly DefaultAccount[];

/** The side an account of this type normally grows on: assets and expenses by debits, the rest by credits. */
export const defaultNormalBalance = (type: AccountType): Direction =>
  type === 'ASSET' || type === 'EXPENSE' ? 'DEBIT' : 'CREDIT';

export const opposite = (d: Direction): Direction => (d === 'DEBIT' ? 'CREDIT' : 'DEBIT');

/**
 * Signed effect of a line on a balance kept in the account's normal
 * direction: a debit raises a DEBIT-normal account and lowers a CREDIT-normal one.
 */
export const balanceSign = (normal: Direction, line: Direction): 1 | -1 => (normal === line ? 1 : -1);

/** Only these accounts raise the `finance.account.went_negative` warning (docs/reference/invariants.md). */
export const watchesOverdraft = (type: AccountType, normal: Direction): boolean =>
  type === 'ASSET' && normal === 'DEBIT';
