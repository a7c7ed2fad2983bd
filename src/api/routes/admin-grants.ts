import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type FastifyRequest } from 'fastify';
import { grant, listGrants, revoke } from '../../auth/grants.js';
import { notFound } from '../errors.js';
import { principalOf, requireAction } from '../plugins/auth.js';
import { ERRORS } from '../schemas/common.js';
import { GrantBody, GrantList, GrantListQuery, GrantResult } from '../schemas/grants.js';

const tags = ['admin'];

/** The change is committed; only its fast path is lost: replicas notice within their recheck interval. */
const unannounced = (request: FastifyRequest, version: string | null) =>
  request.log.warn(
    { event: 'finance.authz.change_not_announced', version },
    'policy change committed but Redis did not take the notification: replicas pick it up at their next recheck',
  );
const security = [{ bearerAuth: [] }];

/**
 * Grants (docs/reference/http-api.md), admin only: granting or revoking on merchant M needs
 * admin on M; on `*` needs admin on every merchant. The same functions back
 * `npm run finance -- grant|revoke`.
 */
export const adminGrantRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps = () => ({ db: app.db, redis: app.redis, keyPrefix: app.redisKeyPrefix });

  app.get(
    '/admin/grants',
    {
      schema: {
        tags,
        security,
        summary: 'List the grants on a merchant (or on *)',
        querystring: GrantListQuery,
        response: { 200: GrantList, ...ERRORS },
      },
    },
    async (request) => {
      await requireAction(request, request.query.merchant, 'grant', 'write', 'merchant');
      const rows = await listGrants(deps(), {
        merchant: request.query.merchant,
        ...(request.query.user ? { user: request.query.user } : {}),
      });
      return {
        items: rows.map(({ user, role, merchant, createdAt }) => ({
          user,
          role,
          merchant,
          createdAt: createdAt.toISOString(),
        })),
        nextCursor: null,
      };
    },
  );

  app.post(
    '/admin/grants',
    {
      schema: {
        tags,
        security,
        summary: 'Grant a role on a merchant',
        body: GrantBody,
        response: { 201: GrantResult, 200: GrantResult, ...ERRORS },
      },
    },
    async (request, reply) => {
      await requireAction(request, request.body.merchant, 'grant', 'write', 'merchant');
      const { created, announced, version } = await grant(deps(), request.body);
      request.log.info(
        { event: 'finance.authz.granted', by: principalOf(request).sub, ...request.body, created, version },
        'grant added',
      );
      if (created && !announced) unannounced(request, version);
      return reply.status(created ? 201 : 200).send({ ...request.body, created });
    },
  );

  app.delete(
    '/admin/grants',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke a role on a merchant (effective on the next request)',
        body: GrantBody,
        response: { 204: { type: 'null', description: 'revoked' }, ...ERRORS },
      },
    },
    async (request, reply) => {
      await requireAction(request, request.body.merchant, 'grant', 'write', 'merchant');
      const { revoked, announced, version } = await revoke(deps(), request.body);
      if (!revoked) throw notFound('grant');
      request.log.info(
        { event: 'finance.authz.revoked', by: principalOf(request).sub, ...request.body, version },
        'grant revoked',
      );
      if (!announced) unannounced(request, version);
      return reply.status(204).send(null);
    },
  );
};
