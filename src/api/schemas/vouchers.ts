import { Type } from 'typebox';
import { VOUCHER_TYPES } from '../../domain/vouchers.js';
import { Direction } from './accounts.js';
import { Amount, Id, JsonObject, Nullable, Page, PageQuery, SignedAmount, Timestamp } from './common.js';

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
  postedAt: Timestamp,
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
    sourceType: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    sourceId: Type.Optional(Type.String({ minLength: 1, maxLength: 160 })),
    voucherNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export const VoucherPage = Page(Voucher);

export const IdempotencyKeyHeader = Type.Object({
  'idempotency-key': Type.String({
    pattern: '^[A-Za-z0-9._:-]{1,128}$',
    description: 'required; the same key with the same body returns the same voucher, with another body 409',
  }),
});

export const ManualLine = Type.Object(
  {
    accountId: Id,
    direction: Direction,
    amount: Amount,
    memo: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const ManualVoucherBody = Type.Object(
  {
    merchantId: Id,
    type: Type.Enum(['ADJUSTMENT', 'TRANSFER', 'EXPENSE']),
    reason: Type.Optional(Type.Enum(['correction', 'cash_count'], { description: 'ADJUSTMENT only' })),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    lines: Type.Optional(
      Type.Array(ManualLine, { minItems: 2, maxItems: 100, description: 'correction, TRANSFER, EXPENSE' }),
    ),
    accountId: Type.Optional(Id),
    countedBalance: Type.Optional(
      Type.String({
        pattern: '^(0|[1-9][0-9]{0,19})(\\.[0-9]{1,4})?$',
        maxLength: 25,
        description: 'cash_count only',
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
  { reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);
