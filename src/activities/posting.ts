import { type Logger } from '../lib/logger.js';
import { type IdGenerator } from '../lib/ids.js';
import { type PrismaClient } from '../db/client.js';
import { isTransientDbError, isUniqueViolation } from '../db/errors.js';
import {
  type AccountUpdate,
  findVoucherBySource,
  type LineInsert,
  type LockedAccount,
  lockAccounts,
  type Tx,
  type VoucherSummaryRow,
  writeVoucher,
} from '../db/ledger-sql.js';
import { balanceSign, watchesOverdraft } from '../domain/accounts.js';
import { LedgerError } from '../domain/errors.js';
import { formatMoney, money, type Money } from '../domain/money.js';
import { accountKey, assertPostable, type PlannedLine, type PostingPlan } from '../domain/posting-plan.js';
import { numberingYear, voucherPrefix, type VoucherType } from '../domain/vouchers.js';

export interface LedgerDeps {
  prisma: PrismaClient;
  ids: IdGenerator;
  logger: Logger;
}

export interface AccountBalance {
  accountId: string;
  balance: string;
  postingSequence: string;
}

/** What a posting returns: small on purpose, it is stored in the workflow's history. */
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
}

/** Hook for the posting variants that need the locked balances to decide their lines (cash counts). */
export type LinesFromLocked = (locked: Map<string, LockedAccount>) => PlannedLine[];

export interface PostOptions {
  /** Reversals bypass the status and currency checks: voiding must always be possible. */
  reversalOf?: string;
  /** Lines computed under lock; `plan.lines` then only names the accounts to lock. */
  linesFromLocked?: LinesFromLocked;
}

export const NOTHING_TO_POST = 'NOTHING_TO_POST';

/**
 * Posts one voucher in one DB transaction (SPEC §5): lock the touched
 * accounts in id order, validate against what is locked, write voucher +
 * lines + balances + number in one statement, commit. A source that was
 * already posted returns the existing voucher, also when a concurrent
 * duplicate wins the race on the unique (merchant, source) index.
 */
export async function postPlan(deps: LedgerDeps, plan: PostingPlan, opts: PostOptions = {}): Promise<PostedVoucher | null> {
  if (!opts.linesFromLocked) assertPostable(plan.lines);
  const postedAt = new Date(plan.postedAt);
  if (Number.isNaN(postedAt.getTime())) throw new LedgerError('VALIDATION_FAILED', `postedAt "${plan.postedAt}" is not a date`);
  try {
    return await deps.prisma.$transaction(async (tx) => {
      const locked = await lockAccounts(tx, {
        merchantId: plan.merchantId,
        codes: unique(plan.lines.flatMap((l) => ('code' in l.account ? [l.account.code] : []))),
        ids: unique(plan.lines.flatMap((l) => ('id' in l.account ? [l.account.id] : []))),
        sourceType: plan.sourceType,
        sourceId: plan.sourceId,
      });
      if (locked.existingVoucherId) return replayed(deps, tx, plan);
      const accounts = resolveAccounts(deps, plan, locked.merchantCurrency, locked.accounts, opts);
      const lines = opts.linesFromLocked ? opts.linesFromLocked(accounts.byId) : plan.lines;
      if (lines.length === 0) return null;
      if (opts.linesFromLocked) assertPostable(lines);
      return writePosting(deps, tx, plan, postedAt, lines, accounts, opts);
    });
  } catch (err) {
    if (err instanceof LedgerError) throw err;
    if (isUniqueViolation(err)) {
      // A concurrent duplicate committed first: answer with its voucher.
      const winner = await findVoucherBySource(deps.prisma, plan.merchantId, plan.sourceType, plan.sourceId);
      if (winner) return replayedFrom(deps, plan, winner);
    }
    if (isTransientDbError(err) || isUniqueViolation(err)) {
      throw new LedgerError('TRANSIENT_DATABASE_ERROR', `posting ${plan.sourceType}/${plan.sourceId} failed transiently: ${(err as Error).message}`);
    }
    throw err;
  }
}

interface ResolvedAccounts {
  byRef: Map<string, LockedAccount>;
  byId: Map<string, LockedAccount>;
}

function resolveAccounts(
  deps: LedgerDeps,
  plan: PostingPlan,
  merchantCurrency: string | null,
  rows: LockedAccount[],
  opts: PostOptions,
): ResolvedAccounts {
  const logFields = { merchantId: plan.merchantId, sourceType: plan.sourceType, sourceId: plan.sourceId, eventId: plan.eventId };
  if (merchantCurrency === null) {
    deps.logger.warn(
      { ...logFields, event: 'INVENTORY/COGS control account missing', missing: 'merchant' },
      `merchant ${plan.merchantId} does not exist yet: control account missing, will retry`,
    );
    throw new LedgerError('MERCHANT_NOT_FOUND', `merchant ${plan.merchantId} does not exist yet (its CDC record may not have arrived)`, logFields);
  }
  if (!opts.reversalOf && plan.currency && plan.currency !== merchantCurrency) {
    throw new LedgerError(
      'CURRENCY_MISMATCH',
      `event currency ${plan.currency} differs from merchant ${plan.merchantId}'s currency ${merchantCurrency}; nothing was posted`,
      { ...logFields, currency: plan.currency, merchantCurrency },
    );
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byCode = new Map(rows.filter((r) => r.merchantId === plan.merchantId && !r.deleted).map((r) => [r.code, r]));
  const byRef = new Map<string, LockedAccount>();
  const missingCodes: string[] = [];
  for (const { account } of plan.lines) {
    const key = accountKey(account);
    if (byRef.has(key)) continue;
    if ('code' in account) {
      const row = byCode.get(account.code);
      if (!row) missingCodes.push(account.code);
      else byRef.set(key, row);
      continue;
    }
    const row = byId.get(account.id);
    if (!row || row.deleted) {
      throw new LedgerError('ACCOUNT_NOT_FOUND', `finance account ${account.id} does not exist`, { ...logFields, accountId: account.id });
    }
    if (row.merchantId !== plan.merchantId) {
      throw new LedgerError(
        'ACCOUNT_OF_OTHER_MERCHANT',
        `finance account ${account.id} does not belong to merchant ${plan.merchantId}`,
        { ...logFields, accountId: account.id },
      );
    }
    byRef.set(key, row);
  }
  if (missingCodes.length > 0) {
    const codes = [...new Set(missingCodes)].join('/');
    deps.logger.warn(
      { ...logFields, event: 'INVENTORY/COGS control account missing', missing: codes },
      `${codes} control account missing for merchant ${plan.merchantId}, will retry`,
    );
    throw new LedgerError('CONTROL_ACCOUNT_MISSING', `${codes} control account missing for merchant ${plan.merchantId}`, {
      ...logFields,
      missing: codes,
    });
  }
  if (!opts.reversalOf) {
    for (const row of byRef.values()) {
      if (row.status !== 'ACTIVE') {
        throw new LedgerError('ACCOUNT_INACTIVE', `finance account ${row.id} (${row.code}) is ${row.status.toLowerCase()}`, {
          ...logFields,
          accountId: row.id,
        });
      }
    }
  }
  return { byRef, byId: new Map([...byRef.values()].map((r) => [r.id, r])) };
}

async function writePosting(
  deps: LedgerDeps,
  tx: Tx,
  plan: PostingPlan,
  postedAt: Date,
  lines: PlannedLine[],
  accounts: ResolvedAccounts,
  opts: PostOptions,
): Promise<PostedVoucher> {
  // Running balance and sequence per account, line by line: an account may appear on several lines.
  const running = new Map<string, { row: LockedAccount; balance: Money; seq: bigint }>();
  const lineInserts: LineInsert[] = lines.map((l, i) => {
    const row = accounts.byRef.get(accountKey(l.account)) ?? ('id' in l.account ? accounts.byId.get(l.account.id) : undefined);
    if (!row) throw new LedgerError('ACCOUNT_NOT_FOUND', `line ${i + 1} names an account that was not locked`);
    const state = running.get(row.id) ?? { row, balance: money(row.balance), seq: BigInt(row.postingSequence) };
    state.balance = state.balance.plus(money(l.amount).times(balanceSign(row.normalBalance, l.direction)));
    state.seq += 1n;
    running.set(row.id, state);
    return {
      id: deps.ids.nextString(),
      lineNumber: i + 1,
      accountId: row.id,
      direction: l.direction,
      amount: l.amount,
      balanceAfter: state.balance.toFixed(4),
      postingSequence: state.seq.toString(),
      memo: l.memo ?? null,
    };
  });
  const updates: AccountUpdate[] = [...running.values()].map((s) => ({
    id: s.row.id,
    balance: s.balance.toFixed(4),
    postingSequence: s.seq.toString(),
  }));
  const voucherId = deps.ids.nextString();
  const { voucherNumber } = await writeVoucher(
    tx,
    {
      id: voucherId,
      merchantId: plan.merchantId,
      prefix: voucherPrefix(plan.voucherType),
      year: numberingYear(postedAt),
      type: plan.voucherType,
      sourceType: plan.sourceType,
      sourceId: plan.sourceId,
      eventId: plan.eventId ?? null,
      reason: plan.reason ?? null,
      description: plan.description,
      postedAt,
      reversalOfId: opts.reversalOf ?? null,
      createdBy: plan.createdBy,
      metadata: plan.metadata ?? {},
    },
    lineInserts,
    updates,
    opts.reversalOf ?? null,
  );
  for (const s of running.values()) {
    if (watchesOverdraft(s.row.type, s.row.normalBalance) && s.balance.isNegative() && s.balance.lessThan(money(s.row.balance))) {
      deps.logger.warn(
        {
          event: 'finance.account.went_negative',
          merchantId: plan.merchantId,
          accountId: s.row.id,
          accountCode: s.row.code,
          balance: formatMoney(s.balance),
          postingSequence: s.seq.toString(),
          voucherNumber,
          voucherId,
        },
        `finance.account.went_negative: ${s.row.code} ${s.row.id} is ${formatMoney(s.balance)} after ${voucherNumber}`,
      );
    }
  }
  return {
    voucherId,
    voucherNumber,
    merchantId: plan.merchantId,
    voucherType: plan.voucherType,
    status: 'POSTED',
    replayed: false,
    balances: updates.map((u) => ({ accountId: u.id, balance: formatMoney(u.balance), postingSequence: u.postingSequence })),
  };
}

async function replayed(deps: LedgerDeps, tx: Tx, plan: PostingPlan): Promise<PostedVoucher> {
  const existing = await findVoucherBySource(tx, plan.merchantId, plan.sourceType, plan.sourceId);
  if (!existing) throw new LedgerError('TRANSIENT_DATABASE_ERROR', 'voucher vanished while replaying');
  return replayedFrom(deps, plan, existing);
}

function replayedFrom(deps: LedgerDeps, plan: PostingPlan, v: VoucherSummaryRow): PostedVoucher {
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
    merchantId: v.merchantId,
    voucherType: v.type as VoucherType,
    status: v.status,
    replayed: true,
    balances: [],
  };
}

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];
