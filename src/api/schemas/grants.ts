import { Type } from 'typebox';
import { ROLES } from '../../auth/roles.js';
import { Timestamp } from './common.js';

export const GrantMerchant = Type.String({
  pattern: '^(\\*|[1-9][0-9]{0,18})$',
  description: 'merchant id, or * for every merchant',
});

export const GrantBody = Type.Object(
  {
    user: Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[^\\s,]+$',
      description: 'the JWT subject',
    }),
    role: Type.Enum(ROLES),
    merchant: GrantMerchant,
  },
  { additionalProperties: false },
);

export const GrantView = Type.Object({
  user: Type.String(),
  role: Type.String(),
  merchant: Type.String(),
  createdAt: Type.Optional(Timestamp),
});

export const GrantResult = Type.Object({
  user: Type.String(),
  role: Type.String(),
  merchant: Type.String(),
  created: Type.Boolean(),
});

export const GrantListQuery = Type.Object(
  { merchant: GrantMerchant, user: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) },
  { additionalProperties: false },
);
export const GrantList = Type.Object({ items: Type.Array(GrantView), nextCursor: Type.Null() });
