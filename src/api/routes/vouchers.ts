import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type Static } from 'typebox';
import { claimIdempotencyKey } from '../../db/idempotency-keys.js';
import { findMerchant } from '../../db/merchants.js';
import { findVoucher, listVouchers, type VoucherRow } from '../../db/vouchers.js';
import { type ManualVoucherRequest } from '../../domain/manual-plans.js';
import { assertPostable, line } from '../../domain/posting-plan.js';
import { checkManualPostedAt } from '../../domain/periods.js';
import { voidability } from '../../domain/vouchers.js';
import { ApiError, notFound } from '../errors.js';
import { cursorDate, cursorId, decodeCursor, encodeCursor, page, parseInstant } from '../pagination.js';
import { principalOf, readScope, requireAction, visibleOr404 } from '../plugins/auth.js';
import { requestHash, runWorkflow, type ManualRun, type VoidRun } from '../workflow-runs.js';
import { manualVoucherStart, voidVoucherStart } from '../../temporal/workflow-starts.js';
import { ERRORS, IdParams } from '../schemas/common.js';
import {
  IdempotencyKeyHeader,
  ManualVoucherBody,
  NothingPosted,
  Pending,
  Voucher,
  VoucherListQuery,
  VoucherPage,
  VoidBody,
} from '../schemas/vouchers.js';
import { Type } from 'typebox';

const tags = ['vouchers'];
const security = [{ bearerAuth: [] }];

export interface VoucherRouteOptions {
  /** How long a write waits for its workflow before answering 202 (APP_ENV_VOUCHER_WAIT_MS). */
  waitMs: number;
}

/** Vouchers: queries, manual vouchers and voids (docs/reference/http-api.md), the writes run as Temporal workflows. */
export const voucherRoutes: FastifyPluginAsyncTypebox<VoucherRouteOptions> = async (app, opts) => {
  const voucherById = (request: FastifyRequest, id: string): Promise<VoucherRow> =>
    visibleOr404(request, 'voucher', 'voucher', id, (scope, voucherId) =>
      findVoucher(app.db, scope, voucherId),
    );

  const pending = (reply: FastifyReply, workflowId: string) =>
    reply.status(202).send({
      status: 'PENDING' as const,
      workflowId,
      message: 'the posting is still running; repeat the same request to get its voucher',
      temporalUrl: `${app.temporal.uiUrl}/namespaces/${encodeURIComponent(app.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    });

  app.get(
    '/vouchers',
    {
      schema: {
        tags,
        security,
        summary: 'List vouchers (with lines), newest first',
        querystring: VoucherListQuery,
        response: { 200: VoucherPage, ...ERRORS },
      },
    },
    async (request) => {
      const { limit = 50, cursor, from, to, ...filter } = request.query;
      const after = decodeCursor('vouchers', cursor, ['p', 'id'] as const);
      const rows = await listVouchers(
        app.db,
        await readScope(request, 'voucher'),
        { ...filter, from: parseInstant(from, 'from'), to: parseInstant(to, 'to') },
        after ? { postedAt: cursorDate(after.p), id: cursorId(after.id) } : null,
        limit,
      );
      return page(rows, limit, (last) => encodeCursor('vouchers', { p: last.postedAt, id: last.id }));
    },
  );

  app.get(
    '/vouchers/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One voucher with its lines',
        params: IdParams,
        response: { 200: Voucher, ...ERRORS },
      },
    },
    async (request) => voucherById(request, request.params.id),
  );

  app.post(
    '/vouchers',
    {
      schema: {
        tags,
        security,
        summary: 'Post a manual voucher (ADJUSTMENT correction or cash_count, TRANSFER, EXPENSE)',
        headers: IdempotencyKeyHeader,
        body: ManualVoucherBody,
        response: { 201: Voucher, 200: Type.Union([Voucher, NothingPosted]), 202: Pending, ...ERRORS },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const key = request.headers['idempotency-key'];
      const { sub } = principalOf(request);
      await requireAction(request, body.merchantId, 'voucher', 'post', 'merchant');
      const manual = toManualRequest(body);
      if (!(await findMerchant(app.db, body.merchantId))) throw notFound('merchant');

      const start = manualVoucherStart(
        {
          request: manual,
          context: {
            merchantId: body.merchantId,
            idempotencyKey: key,
            createdBy: sub,
            postedAt: (body.postedAt
              ? checkManualPostedAt(body.postedAt, new Date())
              : new Date()
            ).toISOString(),
            ...(body.description ? { description: body.description } : {}),
          },
        },
        request.id,
      );
      const { workflowId } = start;
      const claim = await claimIdempotencyKey(app.db, {
        merchantId: body.merchantId,
        key,
        requestHash: requestHash(body),
        workflowId,
        createdBy: sub,
      });
      if (claim.requestHash !== requestHash(body)) {
        throw new ApiError(
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was used with a different request body',
        );
      }
      request.log.info(
        { merchantId: body.merchantId, workflowId, replay: !claim.first },
        'manual voucher requested',
      );
      const run: ManualRun = await runWorkflow(app, start, opts.waitMs);
      if (run.kind === 'pending') return pending(reply, workflowId);
      if (run.result.outcome === 'nothing_to_post') {
        return reply.status(200).send({ outcome: 'nothing_to_post' as const, message: run.result.summary });
      }
      const voucher = await voucherById(request, run.result.voucher.voucherId);
      const fresh = claim.first && !run.result.voucher.replayed;
      request.log.info(
        {
          merchantId: voucher.merchantId,
          voucherId: voucher.id,
          voucherNumber: voucher.voucherNumber,
          workflowId,
        },
        fresh ? 'manual voucher posted' : 'manual voucher replayed',
      );
      return reply.status(fresh ? 201 : 200).send(voucher);
    },
  );

  app.post(
    '/vouchers/:id/void',
    {
      schema: {
        tags,
        security,
        summary: 'Void a voucher by posting its REVERSAL; answers with the reversal',
        params: IdParams,
        body: VoidBody,
        response: { 201: Voucher, 200: Voucher, 202: Pending, ...ERRORS },
      },
    },
    async (request, reply) => {
      const original = await voucherById(request, request.params.id);
      await requireAction(request, original.merchantId, 'voucher', 'void', 'voucher');
      if (original.reversedById)
        return reply.status(200).send(await voucherById(request, original.reversedById));
      const rule = voidability(original.type);
      if (!rule.voidable)
        throw new ApiError('VOUCHER_NOT_VOIDABLE', `voucher ${original.voucherNumber}: ${rule.reason}`);
      const { sub } = principalOf(request);
      const start = voidVoucherStart(
        {
          voucherId: original.id,
          merchantId: original.merchantId,
          reason: request.body.reason,
          requestedBy: sub,
          date: request.body.date ?? 'original',
        },
        original.voucherNumber,
        request.id,
      );
      const { workflowId } = start;
      const run: VoidRun = await runWorkflow(app, start, opts.waitMs);
      if (run.kind === 'pending') return pending(reply, workflowId);
      const reversal = await voucherById(request, run.result.reversal.voucherId);
      // The worker logged finance.voucher.voided when it committed; this is the request's answer.
      request.log.info(
        {
          merchantId: original.merchantId,
          voucherId: original.id,
          voucherNumber: reversal.voucherNumber,
          workflowId,
        },
        `void of ${original.voucherNumber} answered with ${reversal.voucherNumber}`,
      );
      return reply.status(run.result.reversal.replayed ? 200 : 201).send(reversal);
    },
  );
};

type ManualBody = Static<typeof ManualVoucherBody>;

/**
 * Checks a manual voucher's shape and arithmetic before a workflow is
 * started, so a bad request is a 400/422 at once and never a failed workflow
 * (the ledger's errors are the API's: the error handler maps their codes).
 */
function toManualRequest(body: ManualBody): ManualVoucherRequest {
  const invalid = (message: string) => new ApiError('VALIDATION_FAILED', message);
  if (body.reason === 'cash_count') {
    if (body.type !== 'ADJUSTMENT') throw invalid('reason "cash_count" is for ADJUSTMENT vouchers');
    if (!body.accountId || body.countedBalance === undefined)
      throw invalid('a cash count needs accountId and countedBalance');
    if (body.lines)
      throw invalid('a cash count has no lines: the difference is computed from the book balance');
    return {
      kind: 'cash_count',
      type: 'ADJUSTMENT',
      reason: 'cash_count',
      accountId: body.accountId,
      countedBalance: body.countedBalance,
    };
  }
  if (body.type === 'ADJUSTMENT' && body.reason !== 'correction')
    throw invalid('an ADJUSTMENT needs reason "correction" or "cash_count"');
  if (body.type !== 'ADJUSTMENT' && body.reason !== undefined)
    throw invalid('reason applies to ADJUSTMENT vouchers only');
  if (body.accountId !== undefined || body.countedBalance !== undefined)
    throw invalid('accountId and countedBalance are for cash counts only');
  if (!body.lines) throw invalid(`a ${body.type} voucher needs lines`);
  const lines = body.lines;
  assertPostable(lines.map((l) => line({ id: l.accountId }, l.direction, l.amount, l.memo)));
  return {
    kind: 'lines',
    type: body.type,
    ...(body.type === 'ADJUSTMENT' ? { reason: 'correction' as const } : {}),
    lines: lines.map((l) => ({
      accountId: l.accountId,
      direction: l.direction,
      amount: l.amount,
      ...(l.memo ? { memo: l.memo } : {}),
    })),
  };
}
