import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type EventRow, findEvent, listEvents } from '../../db/events.js';
import { notFound } from '../errors.js';
import { cursorDate, decodeCursor, encodeCursor, invalidCursor, page, parseInstant } from '../pagination.js';
import { readScope } from '../plugins/auth.js';
import { ERRORS } from '../schemas/common.js';
import { EVENT_ID_PATTERN, EventListQuery, EventPage, EventParams, FinanceEvent } from '../schemas/events.js';

const tags = ['events'];
const security = [{ bearerAuth: [] }];
const eventId = new RegExp(EVENT_ID_PATTERN);

/**
 * Ingested events' lives (docs/reference/http-api.md): the record, its
 * Kafka coordinates, its workflow with a Temporal UI link, its vouchers.
 * Tenancy as for vouchers: another tenant's event, a missing one and a
 * malformed id all answer the same 404.
 */
export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const view = (e: EventRow) => {
    const { topic, partition, offset, failureCode, failureMessage, fingerprint, ...rest } = e;
    return {
      ...rest,
      fingerprint,
      kafka: topic !== null && partition !== null && offset !== null ? { topic, partition, offset } : null,
      failure: failureCode || failureMessage ? { code: failureCode, message: failureMessage } : null,
      temporalUrl: e.workflowId
        ? `${app.temporal.uiUrl}/namespaces/${encodeURIComponent(app.temporal.namespace)}/workflows/${encodeURIComponent(e.workflowId)}` +
          (e.runId ? `/${encodeURIComponent(e.runId)}` : '')
        : null,
    };
  };

  app.get(
    '/events',
    {
      schema: {
        tags,
        security,
        summary: 'List ingested events, newest first',
        querystring: EventListQuery,
        response: { 200: EventPage, ...ERRORS },
      },
    },
    async (request) => {
      const { limit = 50, cursor, from, to, ...filter } = request.query;
      const after = decodeCursor('events', cursor, ['r', 'id'] as const);
      if (after && !eventId.test(after.id)) throw invalidCursor();
      const rows = await listEvents(
        app.db,
        await readScope(request, 'voucher'),
        { ...filter, from: parseInstant(from, 'from'), to: parseInstant(to, 'to') },
        after ? { receivedAt: cursorDate(after.r), id: after.id } : null,
        limit,
      );
      const result = page(rows, limit, (last) => encodeCursor('events', { r: last.receivedAt, id: last.id }));
      return { ...result, items: result.items.map(view) };
    },
  );

  app.get(
    '/events/:id',
    {
      schema: {
        tags,
        security,
        summary: "One event's life: status, Kafka coordinates, workflow, vouchers, failure",
        params: EventParams,
        response: { 200: FinanceEvent, ...ERRORS },
      },
    },
    async (request) => {
      const { id } = request.params;
      const found = eventId.test(id)
        ? await findEvent(app.db, await readScope(request, 'voucher'), id)
        : null;
      if (!found) throw notFound('event');
      return view(found);
    },
  );
};
