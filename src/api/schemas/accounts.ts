import { Type } from 'typebox';
import { ACCOUNT_TYPES, DIRECTIONS } from '../../domain/accounts.js';
import { TEXT_LIMITS } from '../../domain/limits.js';
import {
  Amount,
  Count,
  Id,
  Nullable,
  Page,
  PageQuery,
  PeriodName,
  SignedAmount,
  Text,
  Timestamp,
} from './common.js';

export const AccountType = Type.Enum(ACCOUNT_TYPES);
export const Direction = Type.Enum(DIRECTIONS);
export const AccountStatus = Type.Enum(['ACTIVE', 'ARCHIVED']);
export const AccountCode = Type.String({
  pattern: `^[A-Z][A-Z0-9_]{0,${TEXT_LIMITS.accountCode - 1}}$`,
  description: 'upper-case code, unique per merchant',
  examples: ['PETTY_CASH'],
});
export const AccountName = Text(TEXT_LIMITS.accountName);

export const Account = Type.Object({
  id: Id,
  merchantId: Id,
  code: Type.String(),
  name: Type.String(),
  type: AccountType,
  normalBalance: Direction,
  isControl: Type.Boolean(),
  balance: SignedAmount,
  postingSequence: Type.Integer({ minimum: 0 }),
  status: AccountStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const AccountFilters = {
  merchantId: Type.Optional(Id),
  type: Type.Optional(AccountType),
  code: Type.Optional(Text(TEXT_LIMITS.accountCode)),
  status: Type.Optional(AccountStatus),
};
export const AccountListQuery = Type.Object(
  { ...AccountFilters, ...PageQuery },
  { additionalProperties: false },
);
export const AccountCountQuery = Type.Object(AccountFilters, { additionalProperties: false });
export const AccountPage = Page(Account);
export { Count };

export const CreateAccountBody = Type.Object(
  {
    merchantId: Id,
    code: AccountCode,
    name: AccountName,
    type: AccountType,
    normalBalance: Type.Optional(Direction),
  },
  { additionalProperties: false },
);

export const PatchAccountBody = Type.Object(
  {
    code: Type.Optional(AccountCode),
    name: Type.Optional(AccountName),
    status: Type.Optional(AccountStatus),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const LedgerLine = Type.Object({
  id: Id,
  voucherId: Id,
  voucherNumber: Type.String(),
  voucherType: Type.String(),
  lineNumber: Type.Integer(),
  direction: Direction,
  amount: Amount,
  balanceAfter: SignedAmount,
  postingSequence: Type.Integer(),
  memo: Nullable(Type.String()),
  postedAt: Timestamp,
});
export const LedgerLinesQuery = Type.Object(
  { from: Type.Optional(Timestamp), to: Type.Optional(Timestamp), ...PageQuery },
  { additionalProperties: false },
);
export const LedgerLinePage = Page(LedgerLine);

export const BalanceQuery = Type.Object({ at: Type.Optional(Timestamp) }, { additionalProperties: false });
export const Balance = Type.Object({
  accountId: Id,
  merchantId: Id,
  code: Type.String(),
  normalBalance: Direction,
  balance: SignedAmount,
  at: Timestamp,
  postingSequence: Type.Integer({ description: 'lines counted in this balance' }),
});

export const TrialBalanceQuery = Type.Object(
  {
    merchantId: Id,
    at: Type.Optional(Timestamp),
    period: Type.Optional(
      Type.String({
        ...PeriodName,
        description: 'a month YYYY-MM: opening, debit, credit, closing; not with at',
      }),
    ),
  },
  { additionalProperties: false },
);
export const TrialBalance = Type.Object({
  merchantId: Id,
  currency: Type.String(),
  at: Timestamp,
  accounts: Type.Array(
    Type.Object({
      accountId: Id,
      code: Type.String(),
      name: Type.String(),
      type: AccountType,
      normalBalance: Direction,
      balance: SignedAmount,
      debit: SignedAmount,
      credit: SignedAmount,
    }),
  ),
  totals: Type.Object({ debit: SignedAmount, credit: SignedAmount }),
  balanced: Type.Boolean(),
});
