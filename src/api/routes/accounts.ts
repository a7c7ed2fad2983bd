import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { lineSumsAt, accountLines, merchantLineSumsAt } from '../../db/account-ledger.js';
import {
  countAccounts,
  findVisibleAccount,
  insertAccount,
  listAccounts,
  softDeleteAccount,
  updateAccount,
} from '../../db/accounts.js';
import { isUniqueViolation } from '../../db/errors.js';
import { findMerchant } from '../../db/merchants.js';
import { closedUntilOf, periodAccountSums } from '../../db/periods.js';
import { type AccountType, defaultNormalBalance, type Direction } from '../../domain/accounts.js';
import { parsePeriod } from '../../domain/periods.js';
import { balanceOf, periodTrialBalance, trialBalance } from '../../domain/trial-balance.js';
import { readScope, requireAction, visibleOr404 } from '../plugins/auth.js';
import { ApiError, notFound } from '../errors.js';
import { cursorId, decodeCursor, encodeCursor, page, parseInstant } from '../pagination.js';
import {
  Account,
  AccountCountQuery,
  AccountListQuery,
  AccountPage,
  Balance,
  BalanceQuery,
  Count,
  CreateAccountBody,
  LedgerLinePage,
  LedgerLinesQuery,
  PatchAccountBody,
  TrialBalance,
  TrialBalanceQuery,
} from '../schemas/accounts.js';
import { ERRORS, IdParams } from '../schemas/common.js';
import { PeriodTrialBalance } from '../schemas/periods.js';

const tags = ['accounts'];
const security = [{ bearerAuth: [] }];

/** The chart of accounts, ledgers and balances (docs/reference/http-api.md). */
export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const visibleAccount = (request: FastifyRequest, id: string) =>
    visibleOr404(request, 'account', 'account', id, (scope, accountId) =>
      findVisibleAccount(app.db, scope, accountId),
    );

  app.get(
    '/accounts',
    {
      schema: {
        tags,
        security,
        summary: 'List accounts of the merchants you may see',
        querystring: AccountListQuery,
        response: { 200: AccountPage, ...ERRORS },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      const after = decodeCursor('accounts', cursor, ['id'] as const);
      const rows = await listAccounts(
        app.db,
        await readScope(request, 'account'),
        filter,
        after ? cursorId(after.id) : null,
        limit,
      );
      return page(rows, limit, (last) => encodeCursor('accounts', { id: last.id }));
    },
  );

  app.get(
    '/accounts/count',
    {
      schema: {
        tags,
        security,
        summary: 'Count accounts of the merchants you may see',
        querystring: AccountCountQuery,
        response: { 200: Count, ...ERRORS },
      },
    },
    async (request) => ({
      count: await countAccounts(app.db, await readScope(request, 'account'), request.query),
    }),
  );

  app.get(
    '/accounts/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One account',
        params: IdParams,
        response: { 200: Account, ...ERRORS },
      },
    },
    async (request) => visibleAccount(request, request.params.id),
  );

  app.post(
    '/accounts',
    {
      schema: {
        tags,
        security,
        summary: 'Create a (non-control) account',
        body: CreateAccountBody,
        response: { 201: Account, ...ERRORS },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await requireAction(request, body.merchantId, 'account', 'write', 'merchant');
      if (!(await findMerchant(app.db, body.merchantId))) throw notFound('merchant');
      try {
        const account = await insertAccount(app.db, {
          id: app.ids.nextString(),
          merchantId: body.merchantId,
          code: body.code,
          name: body.name,
          type: body.type as AccountType,
          normalBalance: (body.normalBalance ?? defaultNormalBalance(body.type as AccountType)) as Direction,
        });
        request.log.info(
          {
            event: 'finance.account.created',
            merchantId: account.merchantId,
            accountId: account.id,
            code: account.code,
          },
          'account created',
        );
        return reply.status(201).send(account);
      } catch (err) {
        if (isUniqueViolation(err))
          throw new ApiError(
            'ACCOUNT_CODE_TAKEN',
            `merchant ${body.merchantId} already has an account ${body.code}`,
          );
        throw err;
      }
    },
  );

  app.patch(
    '/accounts/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Rename, recode or archive an account',
        params: IdParams,
        body: PatchAccountBody,
        response: { 200: Account, ...ERRORS },
      },
    },
    async (request) => {
      const account = await visibleAccount(request, request.params.id);
      await requireAction(request, account.merchantId, 'account', 'write', 'account');
      const patch = request.body;
      if (
        account.isControl &&
        ((patch.code !== undefined && patch.code !== account.code) ||
          (patch.status !== undefined && patch.status !== account.status))
      ) {
        throw new ApiError(
          'CONTROL_ACCOUNT_PROTECTED',
          `${account.code} is a control account: only its name can change`,
        );
      }
      try {
        const updated = await updateAccount(app.db, account.id, patch);
        if (!updated) throw notFound('account');
        request.log.info(
          { event: 'finance.account.updated', merchantId: updated.merchantId, accountId: updated.id },
          'account updated',
        );
        return updated;
      } catch (err) {
        if (isUniqueViolation(err))
          throw new ApiError('ACCOUNT_CODE_TAKEN', `this merchant already has an account ${patch.code}`);
        throw err;
      }
    },
  );

  app.delete(
    '/accounts/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Soft-delete a non-control account with a zero balance',
        params: IdParams,
        response: { 204: { type: 'null', description: 'deleted' }, ...ERRORS },
      },
    },
    async (request, reply) => {
      const account = await visibleAccount(request, request.params.id);
      await requireAction(request, account.merchantId, 'account', 'write', 'account');
      if (account.isControl)
        throw new ApiError(
          'CONTROL_ACCOUNT_PROTECTED',
          `${account.code} is a control account and cannot be deleted`,
        );
      if (!(await softDeleteAccount(app.db, account.id))) {
        throw new ApiError(
          'ACCOUNT_BALANCE_NOT_ZERO',
          `account ${account.code} has a balance; move it to another account first`,
        );
      }
      request.log.info(
        { event: 'finance.account.deleted', merchantId: account.merchantId, accountId: account.id },
        'account soft-deleted',
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/accounts/:id/transactions',
    {
      schema: {
        tags,
        security,
        summary: "The account's ledger lines, newest first",
        params: IdParams,
        querystring: LedgerLinesQuery,
        response: { 200: LedgerLinePage, ...ERRORS },
      },
    },
    async (request) => {
      const { limit = 50, cursor } = request.query;
      const from = parseInstant(request.query.from, 'from');
      const to = parseInstant(request.query.to, 'to');
      const after = decodeCursor('lines', cursor, ['seq'] as const);
      if (after && !/^\d{1,18}$/.test(after.seq))
        throw new ApiError('VALIDATION_FAILED', 'cursor is invalid');
      const account = await visibleAccount(request, request.params.id);
      const rows = await accountLines(app.db, account.id, { from, to, beforeSeq: after?.seq ?? null }, limit);
      return page(rows, limit, (last) => encodeCursor('lines', { seq: String(last.postingSequence) }));
    },
  );

  app.get(
    '/accounts/:id/balance',
    {
      schema: {
        tags,
        security,
        summary: 'The balance as of a moment (default now)',
        params: IdParams,
        querystring: BalanceQuery,
        response: { 200: Balance, ...ERRORS },
      },
    },
    async (request) => {
      const at = parseInstant(request.query.at, 'at');
      const account = await visibleAccount(request, request.params.id);
      const base = {
        accountId: account.id,
        merchantId: account.merchantId,
        code: account.code,
        normalBalance: account.normalBalance,
      };
      if (!at)
        return {
          ...base,
          balance: account.balance,
          at: new Date().toISOString(),
          postingSequence: account.postingSequence,
        };
      const { lines, ...sums } = await lineSumsAt(app.db, account.id, at);
      return {
        ...base,
        balance: balanceOf(account.normalBalance, sums),
        at: at.toISOString(),
        postingSequence: lines,
      };
    },
  );

  app.get(
    '/reports/trial-balance',
    {
      schema: {
        tags: ['reports'],
        security,
        summary: "Every account's balance as of a moment, or a month's opening, movements and closing",
        querystring: TrialBalanceQuery,
        response: { 200: Type.Union([TrialBalance, PeriodTrialBalance]), ...ERRORS },
      },
    },
    async (request) => {
      const { merchantId } = request.query;
      if (request.query.period !== undefined && request.query.at !== undefined)
        throw new ApiError('VALIDATION_FAILED', 'give at or period, not both');
      const at = parseInstant(request.query.at, 'at') ?? new Date();
      await requireAction(request, merchantId, 'report', 'read', 'merchant');
      const merchant = await findMerchant(app.db, merchantId);
      if (!merchant) throw notFound('merchant');
      if (request.query.period !== undefined) {
        const period = parsePeriod(request.query.period);
        const closedUntil = (await closedUntilOf(app.db, merchantId)) ?? null;
        return {
          merchantId,
          currency: merchant.currency,
          period: period.name,
          status: closedUntil && closedUntil >= period.end ? ('CLOSED' as const) : ('OPEN' as const),
          ...periodTrialBalance(await periodAccountSums(app.db, merchantId, period, closedUntil)),
        };
      }
      return {
        merchantId,
        currency: merchant.currency,
        at: at.toISOString(),
        ...trialBalance(await merchantLineSumsAt(app.db, merchantId, at)),
      };
    },
  );
};
