import { Type } from 'typebox';
import { EVENT_STATUSES } from '../../db/events.js';
import { Id, Nullable, Page, PageQuery, Text, Timestamp } from './common.js';

/** An ingested event's id (docs/reference/events.md); a merchant CDC record's is `merchant-<id>-<position>`. */
export const EVENT_ID_PATTERN = '^[A-Za-z0-9._:-]{1,160}$';

export const EventStatus = Type.Enum([...EVENT_STATUSES]);

export const EventParams = Type.Object(
  { id: Type.String({ maxLength: 1024, description: 'the event id (1-160 characters of [A-Za-z0-9._:-])' }) },
  { additionalProperties: false },
);

const EventVoucher = Type.Object({
  id: Id,
  voucherNumber: Type.String({ examples: ['SL-2026-000042'] }),
  type: Type.String(),
  status: Type.String(),
});

export const FinanceEvent = Type.Object({
  id: Type.String(),
  merchantId: Nullable(Id),
  type: Nullable(Type.String()),
  status: EventStatus,
  fingerprint: Type.String({
    description: 'SHA-256 of the canonical JSON of id, type, merchantId, occurredAt, data',
  }),
  kafka: Nullable(
    Type.Object(
      { topic: Type.String(), partition: Type.Integer(), offset: Type.String() },
      {
        description: 'where the event was first read',
      },
    ),
  ),
  failure: Nullable(Type.Object({ code: Nullable(Type.String()), message: Nullable(Type.String()) })),
  workflowId: Nullable(Type.String()),
  runId: Nullable(Type.String()),
  temporalUrl: Nullable(Type.String({ description: 'the workflow in the Temporal UI' })),
  requestId: Nullable(
    Type.String({ description: 'the correlation id: x-request-id, traceparent trace id, or the event id' }),
  ),
  receivedAt: Timestamp,
  updatedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  vouchers: Type.Array(EventVoucher),
});

export const EventListQuery = Type.Object(
  {
    merchantId: Type.Optional(Id),
    status: Type.Optional(EventStatus),
    type: Type.Optional(Text(64)),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export const EventPage = Page(FinanceEvent);
