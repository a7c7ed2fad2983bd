import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type FastifyRequest } from 'fastify';
import type { Prisma } from '../../db/client.js';
import { type CredentialKey, maskCredential, sealCredential } from '../../lib/credentials.js';
import { isStorableJson } from '../../domain/text.js';
import { ApiError, notFound } from '../errors.js';
import { cursorId, decodeCursor, encodeCursor, idOrNotFound, page } from '../pagination.js';
import { readScope, requireAction } from '../plugins/auth.js';
import { merchantExists } from '../queries/vouchers.js';
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

type Row = Prisma.PaymentIntegrationGetPayload<object>;

/** The only view of an integration that leaves the service: the credential masked. */
const view = (r: Row) => ({
  id: r.id.toString(),
  merchantId: r.merchantId.toString(),
  provider: r.provider,
  name: r.name,
  credential: maskCredential(r.credentialLast4),
  credentialKeyId: r.credentialKeyId,
  settings: (r.settings ?? {}) as Record<string, unknown>,
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
  const tenantWhere = async (
    request: FastifyRequest,
    merchantId?: string,
  ): Promise<Prisma.PaymentIntegrationWhereInput | null> => {
    const scope = await readScope(request, 'integration');
    if (merchantId !== undefined)
      return scope.all || scope.merchantIds.includes(merchantId) ? { merchantId: BigInt(merchantId) } : null;
    if (scope.all) return {};
    return scope.merchantIds.length > 0 ? { merchantId: { in: scope.merchantIds.map(BigInt) } } : null;
  };

  const visible = async (request: FastifyRequest, id: string): Promise<Row> => {
    const where = await tenantWhere(request);
    const row =
      where &&
      (await app.prisma.paymentIntegration.findFirst({
        where: { ...where, id: BigInt(idOrNotFound(id, 'payment integration')), deletedAt: null },
      }));
    if (!row) throw notFound('payment integration');
    return row;
  };

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
      const where = await tenantWhere(request, merchantId);
      if (!where) return { items: [], nextCursor: null };
      const rows = await app.prisma.paymentIntegration.findMany({
        where: {
          ...where,
          deletedAt: null,
          ...(provider ? { provider } : {}),
          ...(after ? { id: { gt: BigInt(cursorId(after.id)) } } : {}),
        },
        orderBy: { id: 'asc' },
        take: limit + 1,
      });
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
      if (!(await merchantExists(app.sql, merchantId))) throw notFound('merchant');
      const id = app.ids.nextString();
      const sealed = sealCredential(credential, opts.credentialKey, aadOf(id, merchantId));
      const row = await app.prisma.paymentIntegration.create({
        data: {
          id: BigInt(id),
          merchantId: BigInt(merchantId),
          provider,
          name,
          credentialCiphertext: sealed.ciphertext,
          credentialKeyId: sealed.keyId,
          credentialLast4: sealed.last4,
          settings: (settings ?? {}) as Prisma.InputJsonObject,
        },
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
      const merchantId = current.merchantId.toString();
      await requireAction(request, merchantId, 'integration', 'write', 'payment integration');
      const { name, credential, settings } = request.body;
      assertStorableSettings(settings);
      const sealed =
        credential !== undefined
          ? sealCredential(credential, opts.credentialKey, aadOf(current.id.toString(), merchantId))
          : null;
      const row = await app.prisma.paymentIntegration.update({
        where: { id: current.id },
        data: {
          ...(name !== undefined ? { name } : {}),
          ...(settings !== undefined ? { settings: settings as Prisma.InputJsonObject } : {}),
          ...(sealed
            ? {
                credentialCiphertext: sealed.ciphertext,
                credentialKeyId: sealed.keyId,
                credentialLast4: sealed.last4,
              }
            : {}),
        },
      });
      request.log.info(
        {
          event: 'finance.payment_integration.updated',
          merchantId,
          integrationId: row.id.toString(),
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
      const merchantId = current.merchantId.toString();
      await requireAction(request, merchantId, 'integration', 'write', 'payment integration');
      const { count } = await app.prisma.paymentIntegration.updateMany({
        where: { id: current.id, deletedAt: null },
        data: { deletedAt: new Date() },
      });
      if (count === 0) throw notFound('payment integration');
      request.log.info(
        { event: 'finance.payment_integration.deleted', merchantId, integrationId: current.id.toString() },
        'payment integration deleted',
      );
      return reply.status(204).send(null);
    },
  );
};
