import { Type } from 'typebox';
import { TEXT_LIMITS } from '../../domain/limits.js';
import { SINGLE_LINE_TEXT_PATTERN } from '../../domain/text.js';
import { Id, JsonObject, Page, PageQuery, Text, Timestamp } from './common.js';

const Provider = Type.String({
  pattern: `^[a-z0-9][a-z0-9_.-]{0,${TEXT_LIMITS.integrationProvider - 1}}$`,
  description: 'payment provider key',
  examples: ['stripe'],
});
const Name = Text(TEXT_LIMITS.integrationName);
/** Write-only: stored encrypted, never returned, never given an example. */
const CredentialIn = Type.String({
  minLength: 8,
  maxLength: 4096,
  pattern: SINGLE_LINE_TEXT_PATTERN,
  writeOnly: true,
  description: 'secret API credential; write-only; one line, no control characters',
});
const Settings = Type.Object(
  {},
  { additionalProperties: true, maxProperties: 50, description: 'provider settings (not secret)' },
);

export const PaymentIntegration = Type.Object({
  id: Id,
  merchantId: Id,
  provider: Type.String(),
  name: Type.String(),
  credential: Type.String({ description: 'masked: the last four characters only', examples: ['••••abcd'] }),
  credentialKeyId: Type.String({ description: 'id of the encryption key (rotation)' }),
  settings: JsonObject,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const IntegrationListQuery = Type.Object(
  { merchantId: Type.Optional(Id), provider: Type.Optional(Provider), ...PageQuery },
  { additionalProperties: false },
);
export const IntegrationPage = Page(PaymentIntegration);

export const CreateIntegrationBody = Type.Object(
  {
    merchantId: Id,
    provider: Provider,
    name: Name,
    credential: CredentialIn,
    settings: Type.Optional(Settings),
  },
  { additionalProperties: false },
);

export const PatchIntegrationBody = Type.Object(
  { name: Type.Optional(Name), credential: Type.Optional(CredentialIn), settings: Type.Optional(Settings) },
  { additionalProperties: false, minProperties: 1 },
);
