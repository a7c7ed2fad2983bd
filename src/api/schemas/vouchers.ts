import { Type } from 'typebox';
import { VOUCHER_TYPES } from '../../domain/vouchers.js';
import { Direction } from './accounts.js';
import { TEXT_LIMITS } from '../../domain/limits.js';
import { AMOUNT_MAX_LENGTH, AMOUNT_PATTERN } from '../../domain/money.js';
import {
  Amount,
  Id,
  JsonObject,
  Nullable,
  Page,
  PageQuery,
  SignedAmount,
  Text,
  Timestamp,
} from './common.js';

export const VoucherType = Type.Enum(VOUCHER_TYPES);
export const VoucherStatus = Type.Enum(['POSTED', 'VOIDED']);

export const VoucherLine = Type.Object({
  id: Id,
  lineNumber: Type.Integer({ minimum: 1 }),
  accountId: Id,
  accountCode: Type.String(),
  direction: Direction,
  amount: Amount,
  balanceAfter: SignedAmount,
  postingSequence: Type.Integer({ minimum: 1 }),
  memo: Nullable(Type.String()),
});

export const Voucher = Type.Object({
  id: Id,
  merchantId: Id,
  voucherNumber: Type.String({ examples: ['RC-2026-000042'] }),
  type: VoucherType,
  status: VoucherStatus,
  sourceType: Type.String(),
  sourceId: Type.String(),
  eventId: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  description: Nullable(Type.String()),
  postedAt: Type.String({
    format: 'date-time',
    description:
      'the accounting date: the one asked for, or the first instant of the first open period after it',
  }),
  recordedAt: Type.String({ format: 'date-time', description: 'when the voucher was written' }),
  requestedAt: Nullable(
    Type.String({
      format: 'date-time',
      description: 'the date asked for, when a closed period moved the voucher',
    }),
  ),
  reversalOfId: Nullable(Id),
  reversedById: Nullable(Id),
  createdBy: Type.String(),
  metadata: JsonObject,
  createdAt: Timestamp,
  lines: Type.Array(VoucherLine),
});

export const VoucherListQuery = Type.Object(
  {
    merchantId: Type.Optional(Id),
    type: Type.Optional(VoucherType),
    status: Type.Optional(VoucherStatus),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    sourceType: Type.Optional(Text(TEXT_LIMITS.sourceType)),
    sourceId: Type.Optional(Text(TEXT_LIMITS.sourceId)),
    voucherNumber: Type.Optional(Text(TEXT_LIMITS.voucherNumber)),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export const VoucherPage = Page(Voucher);

export const IdempotencyKeyHeader = Type.Object({
  'idempotency-key': Type.String({
    pattern: `^[A-Za-z0-9._:-]{1,${TEXT_LIMITS.idempotencyKey}}$`,
    description: 'required; the same key with the same body returns the same voucher, with another body 409',
  }),
});

export const ManualLine = Type.Object(
  {
    accountId: Id,
    direction: Direction,
    amount: Amount,
    memo: Type.Optional(Text(TEXT_LIMITS.memo, { minLength: 0 })),
  },
  { additionalProperties: false },
);

export const ManualVoucherBody = Type.Object(
  {
    merchantId: Id,
    type: Type.Enum(['ADJUSTMENT', 'TRANSFER', 'EXPENSE']),
    reason: Type.Optional(Type.Enum(['correction', 'cash_count'], { description: 'ADJUSTMENT only' })),
    description: Type.Optional(Text(TEXT_LIMITS.voucherDescription)),
    lines: Type.Optional(
      Type.Array(ManualLine, { minItems: 2, maxItems: 100, description: 'correction, TRANSFER, EXPENSE' }),
    ),
    postedAt: Type.Optional(
      Type.String({
        ...Timestamp,
        description:
          'the accounting date (default: now); at most 366 days ahead. A date in a closed period is moved to the first open one',
      }),
    ),
    accountId: Type.Optional(Id),
    countedBalance: Type.Optional(
      Type.String({
        pattern: AMOUNT_PATTERN,
        maxLength: AMOUNT_MAX_LENGTH,
        description: 'cash_count only: the balance counted, a decimal string (may be zero)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const NothingPosted = Type.Object({
  outcome: Type.Literal('nothing_to_post'),
  message: Type.String(),
});

export const Pending = Type.Object(
  {
    status: Type.Literal('PENDING'),
    workflowId: Type.String(),
    message: Type.String(),
    temporalUrl: Type.String(),
  },
  { description: 'Still running: repeat the same request (same Idempotency-Key) to get the result' },
);

export const VoidBody = Type.Object(
  {
    reason: Text(TEXT_LIMITS.voidReason, {
      description: 'why; stored in the REVERSAL voucher’s description after "Reversal of <number>: "',
    }),
    date: Type.Optional(
      Type.Enum(['original', 'now'], {
        description:
          'date the REVERSAL at the original voucher’s date (default) or now; a date in a closed period is moved to the first open one',
      }),
    ),
  },
  { additionalProperties: false },
);
