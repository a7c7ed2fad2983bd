import { Type } from 'typebox';
import { TEXT_LIMITS } from '../../domain/limits.js';
import { AccountType, Direction } from './accounts.js';
import { Id, Nullable, PeriodName, SignedAmount, Text, Timestamp } from './common.js';

export const PeriodsQuery = Type.Object({ merchantId: Id }, { additionalProperties: false });

export const CloseBody = Type.Object({ merchantId: Id, period: PeriodName }, { additionalProperties: false });

export const ReopenBody = Type.Object(
  {
    merchantId: Id,
    period: PeriodName,
    reason: Text(TEXT_LIMITS.reopenReason, { description: 'why the period is reopened; kept and logged' }),
  },
  { additionalProperties: false },
);

const PeriodRow = Type.Object({
  period: PeriodName,
  status: Type.Enum(['OPEN', 'CLOSED']),
  closedAt: Nullable(Timestamp),
  closedBy: Nullable(Type.String()),
  reopenedAt: Nullable(Timestamp),
  reopenedBy: Nullable(Type.String()),
  reopenReason: Nullable(Type.String()),
});

export const MerchantPeriods = Type.Object({
  merchantId: Id,
  closedThrough: Nullable(
    Type.String({
      ...PeriodName,
      description: 'the latest closed period: it and every month before it are closed',
    }),
  ),
  closedUntil: Nullable(
    Type.String({
      ...Timestamp,
      description: 'first instant of the first open period; a voucher dated before it is dated at it',
    }),
  ),
  periods: Type.Array(PeriodRow, {
    description: 'the recorded periods, newest first; a month with no row is open',
  }),
});

export const CloseResult = Type.Object({
  ...MerchantPeriods.properties,
  closed: Type.Array(PeriodName, {
    description: 'the months this request closed (empty months before the period with it); empty for a no-op',
  }),
});

export const PeriodTrialBalance = Type.Object({
  merchantId: Id,
  currency: Type.String(),
  period: PeriodName,
  status: Type.Enum(['OPEN', 'CLOSED']),
  accounts: Type.Array(
    Type.Object({
      accountId: Id,
      code: Type.String(),
      name: Type.String(),
      type: AccountType,
      normalBalance: Direction,
      opening: SignedAmount,
      debit: SignedAmount,
      credit: SignedAmount,
      closing: SignedAmount,
    }),
  ),
  totals: Type.Object({ debit: SignedAmount, credit: SignedAmount }),
  balanced: Type.Boolean(),
});
