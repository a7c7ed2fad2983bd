import { Type } from 'typebox';

/** A Temporal payload in protobuf JSON form, as the Temporal UI sends it to a codec server: bytes are base64. */
export const CodecPayload = Type.Object(
  {
    metadata: Type.Optional(
      Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 }), {
        description: 'metadata values, base64',
      }),
    ),
    data: Type.Optional(Type.String({ description: 'payload bytes, base64' })),
  },
  // Fields a newer Temporal UI may add are ignored rather than refused.
  { additionalProperties: true },
);

export const CodecPayloads = Type.Object(
  { payloads: Type.Array(CodecPayload, { maxItems: 1000 }) },
  { additionalProperties: false },
);
