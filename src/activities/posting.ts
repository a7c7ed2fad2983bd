import { type Logger } from '../lib/logger.js';
import { type IdGenerator } from '../lib/ids.js';
import { metrics } from '../lib/metrics.js';
import { describeDbError, isTransientDbError, isUniqueViolation } from '../db/errors.js';
import { type Db } from '../db/executor.js';
import {
  type PostingStatementInput,
  type PostingStatementResult,
  runPostingStatement,
} from '../db/posting-statement.js';
import { markEventPosted } from '../db/events.js';
import { EVERY_MERCHANT } from '../db/tenancy.js';
import { listVouchers } from '../db/vouchers.js';
import { type Direction, watchesOverdraft } from '../domain/accounts.js';
import { LedgerError } from '../domain/errors.js';
import { STORED_AMOUNT_INTEGER_DIGITS } from '../domain/limits.js';
import { formatMoney, money, sumMoney } from '../domain/money.js';
import { assertPostable, type PostingPlan } from '../domain/posting-plan.js';
import { voucherNumberFormat, voucherPrefix, type VoucherType } from '../domain/vouchers.js';

export interface LedgerDeps {
  db: Db;
  ids: IdGenerator;
  logger: Logger;
}

interface AccountBalance {
  accountId: string;
  code: string;
  balance: string;
  postingSequence: string;
}

interface PostedLine {
  lineNumber: number;
  accountId: string;
  direction: Direction;
  amount: string;
}

/** The journal entry a posting wrote, for listeners (live updates): what the statement already knows. */
export interface PostedEntry {
  /** ISO 8601, UTC: the accounting date the voucher got. */
  postedAt: string;
  /**
   * The date it asked for, when a closed period moved it, and when it was
   * written (ISO 8601, UTC). Optional: a result kept in a workflow history
   * from before accounting periods has neither.
   */
  requestedAt?: string | null;
  recordedAt?: string;
  /** The merchant's currency. */
  currency: string;
  /** Sum of the debit lines (= sum of the credit lines). */
  total: string;
  /** The voucher this REVERSAL voids. */
  reversalOfId: string | null;
  lines: PostedLine[];
}

/**
 * What a posting returns. It is stored in the workflow's history, so it holds
 * a voucher's lines (at most 100) and touched balances, nothing more.
 */
export interface PostedVoucher {
  voucherId: string;
  voucherNumber: string;
  merchantId: string;
  voucherType: VoucherType;
  status: 'POSTED' | 'VOIDED';
  /** True when this source had already been posted: nothing new was written. */
  replayed: boolean;
  /** New balances of the touched accounts (empty on replay). */
  balances: AccountBalance[];
  /** What was written (absent on replay). */
  entry?: PostedEntry;
}

export interface PostOptions {
  /** Posting a REVERSAL of this voucher: no status or currency checks (voiding must always be possible). */
  reversalOf?: string;
  /** Post only while this account's sequence is unchanged; a refusal is reported as `STALE`. */
  expect?: { accountId: string; postingSequence: string };
  /** This is the event's last voucher: its record becomes POSTED with it (db/posting-statement.ts). */
  completesEvent?: { eventId: string; runId: string | null };
}

export class StalePostingError extends Error {
  override readonly name = 'StalePostingError';
}

/**
 * Posts one voucher (docs/reference/invariants.md) as one SQL statement — see db/posting-statement.ts for
 * what happens under lock. A source that was already posted returns the
 * existing voucher, also when a concurrent duplicate wins the race on the
 * unique (merchant, source) index.
 */
export async function postPlan(
  deps: LedgerDeps,
  plan: PostingPlan,
  opts: PostOptions = {},
): Promise<PostedVoucher> {
  assertPostable(plan.lines, opts.reversalOf ? STORED_AMOUNT_INTEGER_DIGITS : undefined);
  const postedAt = new Date(plan.postedAt);
  if (Number.isNaN(postedAt.getTime()))
    throw new LedgerError('VALIDATION_FAILED', `postedAt "${plan.postedAt}" is not a date`);
  const input: PostingStatementInput = {
    voucherId: deps.ids.nextString(),
    merchantId: plan.merchantId,
    prefix: voucherPrefix(plan.voucherType),
    numberFormat: voucherNumberFormat(plan.voucherType),
    type: plan.voucherType,
    sourceType: plan.sourceType,
    sourceId: plan.sourceId,
    eventId: plan.eventId ?? null,
    currency: plan.currency ?? null,
    reason: plan.reason ?? null,
    description: plan.description,
    postedAt,
    createdBy: plan.createdBy,
    metadata: plan.metadata ?? {},
    reversalOfId: opts.reversalOf ?? null,
    expect: opts.expect ?? null,
    completesEvent: opts.completesEvent ?? null,
    lines: plan.lines.map((l) => ({
      id: deps.ids.nextString(),
      accountId: 'id' in l.account ? l.account.id : null,
      accountCode: 'code' in l.account ? l.account.code : null,
      direction: l.direction,
      amount: l.amount,
      memo: l.memo ?? null,
    })),
  };
  let result: PostingStatementResult;
  try {
    result = await runPostingStatement(deps.db, input);
  } catch (err) {
    if (isUniqueViolation(err)) {
      // A concurrent duplicate committed first: answer with its voucher.
      const [winner] = await listVouchers(
        deps.db,
        EVERY_MERCHANT,
        { merchantId: plan.merchantId, sourceType: plan.sourceType, sourceId: plan.sourceId },
        null,
        1,
      );
      if (winner) {
        // The winner's statement committed the voucher; this event's record follows it.
        if (opts.completesEvent)
          await markEventPosted(deps.db, opts.completesEvent.eventId, opts.completesEvent.runId);
        return replayed(deps, plan, winner);
      }
    }
    if (isTransientDbError(err) || isUniqueViolation(err)) {
      throw new LedgerError(
        'TRANSIENT_DATABASE_ERROR',
        `posting ${plan.sourceType}/${plan.sourceId} failed transiently (${describeDbError(err)})`,
      );
    }
    throw err;
  }
  return interpret(deps, plan, input, result);
}

function interpret(
  deps: LedgerDeps,
  plan: PostingPlan,
  input: PostingStatementInput,
  r: PostingStatementResult,
): PostedVoucher {
  const fields = {
    merchantId: plan.merchantId,
    sourceType: plan.sourceType,
    sourceId: plan.sourceId,
    eventId: plan.eventId,
  };
  switch (r.verdict) {
    case 'OK':
      warnOnOverdraft(deps, plan, r);
      return {
        voucherId: input.voucherId,
        voucherNumber: r.voucherNumber!,
        merchantId: plan.merchantId,
        voucherType: plan.voucherType,
        status: 'POSTED',
        replayed: false,
        balances: r.accounts.map((a) => ({
          accountId: a.id,
          code: a.code,
          balance: formatMoney(a.balance),
          postingSequence: a.postingSequence,
        })),
        entry: entryOf(input, r),
      };
    case 'REPLAY':
      return replayed(deps, plan, r.existing!);
    case 'MERCHANT_NOT_FOUND':
      metrics.controlAccountMissing.inc();
      deps.logger.warn(
        { ...fields, event: 'INVENTORY/COGS control account missing', missing: 'merchant' },
        `merchant ${plan.merchantId} does not exist yet: control account missing, will retry`,
      );
      throw new LedgerError(
        'MERCHANT_NOT_FOUND',
        `merchant ${plan.merchantId} does not exist yet (its CDC record may not have arrived)`,
        fields,
      );
    case 'CURRENCY_MISMATCH':
      throw new LedgerError(
        'CURRENCY_MISMATCH',
        `event currency ${plan.currency} differs from merchant ${plan.merchantId}'s currency ${r.merchantCurrency}; nothing was posted`,
        { ...fields, currency: plan.currency, merchantCurrency: r.merchantCurrency },
      );
    case 'CONTROL_ACCOUNT_MISSING': {
      const codes = r.missingCodes.join('/');
      metrics.controlAccountMissing.inc();
      deps.logger.warn(
        { ...fields, event: 'INVENTORY/COGS control account missing', missing: codes },
        `${codes} control account missing for merchant ${plan.merchantId}, will retry`,
      );
      throw new LedgerError(
        'CONTROL_ACCOUNT_MISSING',
        `${codes} control account missing for merchant ${plan.merchantId}`,
        { ...fields, missing: codes },
      );
    }
    case 'ACCOUNT_NOT_FOUND':
      throw accountNotFound(r.missingIds, plan.merchantId, fields);
    case 'ACCOUNT_INACTIVE':
      throw new LedgerError('ACCOUNT_INACTIVE', `finance account ${r.inactive.join('; ')}`, fields);
    case 'STALE':
      throw new StalePostingError(`account ${input.expect?.accountId} changed since it was read`);
  }
}

/**
 * One answer for an account id that names no live account of the voucher's
 * merchant, whether it exists elsewhere or nowhere: anything else would tell
 * a tenant which ids other merchants use.
 */
export function accountNotFound(
  accountIds: string[],
  merchantId: string,
  fields: Record<string, unknown> = {},
): LedgerError {
  return new LedgerError(
    'ACCOUNT_NOT_FOUND',
    `finance account ${accountIds.join(', ')} does not exist for merchant ${merchantId}`,
    { ...fields, accountIds },
  );
}

/** The lines as posted: an account named by code is the one the statement locked under that code. */
function entryOf(input: PostingStatementInput, r: PostingStatementResult): PostedEntry {
  const idOfCode = new Map(r.accounts.map((a) => [a.code, a.id]));
  const lines = input.lines.map((l, i) => ({
    lineNumber: i + 1,
    accountId: l.accountId ?? idOfCode.get(l.accountCode!)!,
    direction: l.direction,
    amount: formatMoney(l.amount),
  }));
  return {
    postedAt: r.postedAt!.toISOString(),
    requestedAt: r.requestedAt?.toISOString() ?? null,
    recordedAt: r.recordedAt!.toISOString(),
    currency: r.merchantCurrency!,
    total: formatMoney(
      sumMoney(input.lines.filter((l) => l.direction === 'DEBIT').map((l) => money(l.amount))),
    ),
    reversalOfId: input.reversalOfId,
    lines,
  };
}

/** An overdraft posts (docs/reference/invariants.md), and a DEBIT-normal asset that drops below zero is reported. */
function warnOnOverdraft(deps: LedgerDeps, plan: PostingPlan, r: PostingStatementResult): void {
  for (const a of r.accounts) {
    const balance = money(a.balance);
    if (
      !watchesOverdraft(a.type, a.normalBalance) ||
      !balance.isNegative() ||
      !balance.lessThan(money(a.opening))
    )
      continue;
    metrics.accountNegative.inc({ account_code: a.code });
    deps.logger.warn(
      {
        event: 'finance.account.went_negative',
        merchantId: plan.merchantId,
        accountId: a.id,
        accountCode: a.code,
        balance: formatMoney(balance),
        postingSequence: a.postingSequence,
        voucherNumber: r.voucherNumber,
      },
      `finance.account.went_negative: ${a.code} ${a.id} is ${formatMoney(balance)} after ${r.voucherNumber}`,
    );
  }
}

function replayed(
  deps: LedgerDeps,
  plan: PostingPlan,
  v: { id: string; voucherNumber: string; type: string; status: 'POSTED' | 'VOIDED' },
): PostedVoucher {
  metrics.idempotentReplays.inc();
  deps.logger.info(
    {
      event: 'finance.voucher.idempotent_replay',
      merchantId: plan.merchantId,
      voucherId: v.id,
      voucherNumber: v.voucherNumber,
      sourceType: plan.sourceType,
      sourceId: plan.sourceId,
      eventId: plan.eventId,
    },
    `finance.voucher.idempotent_replay: ${plan.sourceType}/${plan.sourceId} is already ${v.voucherNumber}`,
  );
  return {
    voucherId: v.id,
    voucherNumber: v.voucherNumber,
    merchantId: plan.merchantId,
    voucherType: v.type as VoucherType,
    status: v.status,
    replayed: true,
    balances: [],
  };
}
