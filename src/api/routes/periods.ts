import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { closePeriod, listPeriods, reopenPeriod } from '../../db/periods.js';
import { parsePeriod } from '../../domain/periods.js';
import { notFound } from '../errors.js';
import { principalOf, requireAction } from '../plugins/auth.js';
import { ERRORS } from '../schemas/common.js';
import { CloseBody, CloseResult, MerchantPeriods, PeriodsQuery, ReopenBody } from '../schemas/periods.js';

const tags = ['periods'];
const security = [{ bearerAuth: [] }];

/**
 * Accounting periods (docs/reference/periods.md): read by whoever may see the
 * merchant; closed and reopened by admins only. Another tenant's merchant
 * answers 404 like one that does not exist. The same functions back
 * `npm run finance -- period close|reopen`.
 */
export const periodRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/periods',
    {
      schema: {
        tags,
        security,
        summary: "A merchant's accounting periods and where its closed periods end",
        querystring: PeriodsQuery,
        response: { 200: MerchantPeriods, ...ERRORS },
      },
    },
    async (request) => {
      const { merchantId } = request.query;
      await requireAction(request, merchantId, 'period', 'read', 'merchant');
      const periods = await listPeriods(app.db, merchantId);
      if (!periods) throw notFound('merchant');
      return { merchantId, ...periods };
    },
  );

  app.post(
    '/periods/close',
    {
      schema: {
        tags,
        security,
        summary: 'Close a month (and the empty months before it): store closing balances; a no-op if closed',
        body: CloseBody,
        response: { 200: CloseResult, ...ERRORS },
      },
    },
    async (request) => {
      const { merchantId } = request.body;
      const period = parsePeriod(request.body.period);
      await requireAction(request, merchantId, 'period', 'close', 'merchant');
      const { sub } = principalOf(request);
      const outcome = await closePeriod(app.db, { merchantId, period, closedBy: sub, now: new Date() });
      if (outcome.kind === 'merchant-not-found') throw notFound('merchant');
      const closed = outcome.kind === 'closed' ? outcome.closed : [];
      request.log.info(
        { event: 'finance.period.closed', merchantId, period: period.name, closed, user: sub },
        closed.length > 0
          ? `period ${period.name} of merchant ${merchantId} closed by ${sub}`
          : `period ${period.name} of merchant ${merchantId} was already closed`,
      );
      return { merchantId, closed, ...outcome.periods };
    },
  );

  app.post(
    '/periods/reopen',
    {
      schema: {
        tags,
        security,
        summary: 'Reopen the latest closed month, with a reason',
        body: ReopenBody,
        response: { 200: MerchantPeriods, ...ERRORS },
      },
    },
    async (request) => {
      const { merchantId, reason } = request.body;
      const period = parsePeriod(request.body.period);
      await requireAction(request, merchantId, 'period', 'reopen', 'merchant');
      const { sub } = principalOf(request);
      const outcome = await reopenPeriod(app.db, { merchantId, period, reopenedBy: sub, reason });
      if (outcome.kind === 'merchant-not-found') throw notFound('merchant');
      request.log.warn(
        { event: 'finance.period.reopened', merchantId, period: period.name, user: sub, reason },
        `period ${period.name} of merchant ${merchantId} reopened by ${sub}: ${reason}`,
      );
      return { merchantId, ...outcome.periods };
    },
  );
};
