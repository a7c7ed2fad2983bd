import { Type, type TSchema } from 'typebox';
import {
  AMOUNT_MAX_LENGTH,
  AMOUNT_PATTERN,
  MAX_FRACTION_DIGITS,
  MAX_INTEGER_DIGITS,
} from '../../domain/money.js';
import { SINGLE_LINE_TEXT_PATTERN } from '../../domain/text.js';

/**
 * Shared schema constants. Every route declares its params,
 * query, body and responses from these; the OpenAPI document is generated
 * from them.
 */

/** Snowflake IDs travel as decimal strings (docs/reference/data-model.md). */
export const Id = Type.String({
  pattern: '^[1-9][0-9]{0,18}$',
  description: 'Snowflake ID as a decimal string',
  examples: ['112233445566778899'],
});

/** Amounts are decimal strings within the money bound (docs/reference/data-model.md); a JSON number is rejected. */
export const Amount = Type.String({
  pattern: AMOUNT_PATTERN,
  maxLength: AMOUNT_MAX_LENGTH,
  description: `positive decimal string, at most ${MAX_INTEGER_DIGITS} integer and ${MAX_FRACTION_DIGITS} fraction digits`,
  examples: ['125000.50'],
});

/**
 * Free text people type and others read (names, memos, descriptions,
 * reasons): at most `maxLength` characters — the column that stores it — on
 * one line, without control characters (domain/text.ts says which).
 */
export const Text = (maxLength: number, opts: { minLength?: number; description?: string } = {}) =>
  Type.String({
    minLength: opts.minLength ?? 1,
    maxLength,
    pattern: SINGLE_LINE_TEXT_PATTERN,
    description: `${opts.description ? `${opts.description}; ` : ''}one line, no control characters, at most ${maxLength} characters`,
  });
/** Signed amount (balances). */
export const SignedAmount = Type.String({
  description: 'decimal string, may be negative',
  examples: ['-12.50'],
});

export const Timestamp = Type.String({
  format: 'date-time',
  maxLength: 40,
  examples: ['2026-11-25T10:00:00Z'],
});

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

export const Limit = Type.Integer({
  minimum: 1,
  maximum: 200,
  default: 50,
  description: 'page size (≤ 200)',
});
export const Cursor = Type.String({
  maxLength: 512,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'opaque cursor from a previous page',
});

export const PageQuery = { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) };

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const Count = Type.Object({ count: Type.Integer({ minimum: 0 }) });

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ examples: ['VALIDATION_FAILED'] }),
    message: Type.String(),
    requestId: Type.String(),
  },
  { description: 'Every error: a stable code, a message, the request id' },
);

/** Error responses every route may give. */
export const ERRORS = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const JsonObject = Type.Object(
  {},
  { additionalProperties: true, description: 'free-form JSON object' },
);

/** A calendar month in UTC, YYYY-MM: an accounting period (docs/reference/periods.md). */
export const PeriodName = Type.String({
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
  description: 'a calendar month in UTC, YYYY-MM',
  examples: ['2026-10'],
});
