import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Payload } from '@temporalio/common';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type PayloadKey } from '../../config/temporal.js';
import { AesGcmPayloadCodec } from '../../temporal/payload-codec.js';
import { ApiError } from '../errors.js';
import { principalOf } from '../plugins/auth.js';
import { ERRORS } from '../schemas/common.js';
import { CodecPayloads } from '../schemas/temporal-codec.js';

export interface TemporalCodecOptions {
  payloadKeys: readonly PayloadKey[];
  /** The Temporal UI's origin (scheme://host:port): the only one allowed to call from a browser. */
  uiOrigin: string;
}

type JsonPayload = { metadata?: Record<string, string>; data?: string };

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const CODEC_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * The codec server the Temporal UI calls (its "codec server" setting:
 * `<api>/v1/api/finance/temporal/codec`) to show encrypted payloads in clear:
 * `POST …/decode` and `…/encode` with `{ payloads: [...] }`. Admins on every
 * merchant only (payloads span merchants); a browser may call it from the
 * configured UI origin only. CORS is done here rather than with @fastify/cors
 * because the preflight must be answered before authentication and the
 * allow-origin header must also reach a 401/403, which a plugin-level
 * onRequest hook registered after the auth hook cannot do.
 */
export const temporalCodecRoutes: FastifyPluginAsyncTypebox<TemporalCodecOptions> = async (app, opts) => {
  const codec = new AesGcmPayloadCodec(opts.payloadKeys);
  const fromUi = (request: FastifyRequest) => request.headers.origin === opts.uiOrigin;

  app.addHook('onSend', async (request, reply) => {
    if (!fromUi(request)) return;
    void reply.header('access-control-allow-origin', opts.uiOrigin);
    void reply.header('access-control-allow-credentials', 'true');
    void reply.header('vary', 'Origin');
  });

  app.options(
    '/temporal/codec/:operation',
    { config: { public: true }, schema: { hide: true } },
    async (request, reply: FastifyReply) => {
      if (fromUi(request)) {
        void reply.header('access-control-allow-methods', 'POST');
        void reply.header('access-control-allow-headers', 'authorization, content-type, x-namespace');
        void reply.header('access-control-max-age', '600');
      }
      return reply.status(204).send();
    },
  );

  for (const operation of ['decode', 'encode'] as const) {
    app.post(
      `/temporal/codec/${operation}`,
      {
        bodyLimit: CODEC_BODY_LIMIT,
        schema: {
          tags: ['admin'],
          security: [{ bearerAuth: [] }],
          summary: `Temporal UI codec server: ${operation} payloads (admins on every merchant)`,
          body: CodecPayloads,
          response: { 200: CodecPayloads, ...ERRORS },
        },
      },
      async (request) => {
        const { sub } = principalOf(request);
        if (!(await app.authz.canEverywhere(sub, 'payload', operation)))
          throw new ApiError(
            'FORBIDDEN',
            `${operation} of Temporal payloads needs the admin role on every merchant`,
          );
        let payloads: Payload[];
        try {
          const given = request.body.payloads.map((p) => fromJson(p as JsonPayload));
          payloads = operation === 'decode' ? await codec.decode(given) : await codec.encode(given);
        } catch (err) {
          throw new ApiError(
            'VALIDATION_FAILED',
            `a payload could not be ${operation}d: ${(err as Error).message}`,
          );
        }
        request.log.info(
          {
            event: `finance.temporal.payloads_${operation}d`,
            sub,
            count: payloads.length,
            namespace: request.headers['x-namespace'],
          },
          `Temporal payloads ${operation}d for the UI`,
        );
        return { payloads: payloads.map(toJson) };
      },
    );
  }
};
