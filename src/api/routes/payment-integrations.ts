import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type FastifyRequest } from 'fastify';
import { findMerchant } from '../../db/merchants.js';
import {
  findVisibleIntegration,
  type IntegrationRow,
  insertIntegration,
  listIntegrations,
  softDeleteIntegration,
  updateIntegration,
} from '../../db/payment-integrations.js';
import { type CredentialKey, maskCredential, sealCredential } from '../../lib/credentials.js';
import { isStorableJson } from '../../domain/text.js';
import { ApiError, notFound } from '../errors.js';
import { cursorId, decodeCursor, encodeCursor, page } from '../pagination.js';
import { readScope, requireAction, visibleOr404 } from '../plugins/auth.js';
import { ERRORS, IdParams } from '../schemas/common.js';
import {
  CreateIntegrationBody,
  IntegrationListQuery,
  IntegrationPage,
  PatchIntegrationBody,
  PaymentIntegration,
} from '../schemas/integrations.js';

const tags = ['payment-integrations'];
const security = [{ bearerAuth: [] }];

export interface IntegrationRouteOptions {
  /** The key new credentials are encrypted with (APP_ENV_ENCRYPTION_KEY / _KEY_ID). */
  credentialKey: CredentialKey;
}

/** The only view of an integration that leaves the service: the credential masked. */
const view = (r: IntegrationRow) => ({
  id: r.id,
  merchantId: r.merchantId,
  provider: r.provider,
  name: r.name,
  credential: maskCredential(r.credentialLast4),
  credentialKeyId: r.credentialKeyId,
  settings: r.settings ?? {},
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Settings are free-form JSON, but jsonb cannot hold a NUL or a lone surrogate anywhere in it. */
function assertStorableSettings(settings: unknown): void {
  if (!isStorableJson(settings))
    throw new ApiError('VALIDATION_FAILED', 'settings must not contain NUL characters or lone surrogates');
}

/** Binds a ciphertext to its row: copied to another row, it no longer decrypts. */
const aadOf = (id: string, merchantId: string) => `finance.PaymentIntegration:${id}:${merchantId}`;

/** Payment integrations (docs/reference/http-api.md): credential encrypted at rest, write-only, shown masked. */
export const paymentIntegrationRoutes: FastifyPluginAsyncTypebox<IntegrationRouteOptions> = async (
  app,
  opts,
) => {
  const visible = (request: FastifyRequest, id: string): Promise<IntegrationRow> =>
    visibleOr404(request, 'integration', 'payment integration', id, (scope, integrationId) =>
      findVisibleIntegration(app.db, scope, integrationId),
    );

  app.get(
    '/payment-integrations',
    {
      schema: {
        tags,
        security,
        summary: 'List payment integrations (credentials masked)',
        querystring: IntegrationListQuery,
        response: { 200: IntegrationPage, ...ERRORS },
      },
    },
    async (request) => {
      const { limit = 50, cursor, merchantId, provider } = request.query;
      const after = decodeCursor('integrations', cursor, ['id'] as const);
      const rows = await listIntegrations(
        app.db,
        await readScope(request, 'integration'),
        { merchantId, ...(provider ? { provider } : {}) },
        after ? cursorId(after.id) : null,
        limit,
      );
      return page(rows.map(view), limit, (last) => encodeCursor('integrations', { id: last.id }));
    },
  );

  app.get(
    '/payment-integrations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One payment integration (credential masked)',
        params: IdParams,
        response: { 200: PaymentIntegration, ...ERRORS },
      },
    },
    async (request) => view(await visible(request, request.params.id)),
  );

  app.post(
    '/payment-integrations',
    {
      schema: {
        tags,
        security,
        summary: 'Add a payment integration',
        body: CreateIntegrationBody,
        response: { 201: PaymentIntegration, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { merchantId, provider, name, credential, settings } = request.body;
      await requireAction(request, merchantId, 'integration', 'write', 'merchant');
      assertStorableSettings(settings);
      if (!(await findMerchant(app.db, merchantId))) throw notFound('merchant');
      const id = app.ids.nextString();
      const row = await insertIntegration(app.db, {
        id,
        merchantId,
        provider,
        name,
        credential: sealCredential(credential, opts.credentialKey, aadOf(id, merchantId)),
        settings: settings ?? {},
      });
      request.log.info(
        { event: 'finance.payment_integration.created', merchantId, integrationId: id, provider },
        'payment integration created',
      );
      return reply.status(201).send(view(row));
    },
  );

  app.patch(
    '/payment-integrations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Rename, re-key or reconfigure a payment integration',
        params: IdParams,
        body: PatchIntegrationBody,
        response: { 200: PaymentIntegration, ...ERRORS },
      },
    },
    async (request) => {
      const current = await visible(request, request.params.id);
      const merchantId = current.merchantId;
      await requireAction(request, merchantId, 'integration', 'write', 'payment integration');
      const { name, credential, settings } = request.body;
      assertStorableSettings(settings);
      const sealed =
        credential !== undefined
          ? sealCredential(credential, opts.credentialKey, aadOf(current.id, merchantId))
          : undefined;
      const row = await updateIntegration(app.db, current.id, {
        ...(name !== undefined ? { name } : {}),
        ...(settings !== undefined ? { settings } : {}),
        ...(sealed ? { credential: sealed } : {}),
      });
      if (!row) throw notFound('payment integration');
      request.log.info(
        {
          event: 'finance.payment_integration.updated',
          merchantId,
          integrationId: row.id,
          credentialRotated: Boolean(sealed),
        },
        'payment integration updated',
      );
      return view(row);
    },
  );

  app.delete(
    '/payment-integrations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a payment integration (soft delete)',
        params: IdParams,
        response: { 204: { type: 'null', description: 'deleted' }, ...ERRORS },
      },
    },
    async (request, reply) => {
      const current = await visible(request, request.params.id);
      const merchantId = current.merchantId;
      await requireAction(request, merchantId, 'integration', 'write', 'payment integration');
      if (!(await softDeleteIntegration(app.db, current.id))) throw notFound('payment integration');
      request.log.info(
        { event: 'finance.payment_integration.deleted', merchantId, integrationId: current.id },
        'payment integration deleted',
      );
      return reply.status(204).send(null);
    },
  );
};
