import { readAccountBalance } from '../db/accounts.js';
import { cashCountLines } from '../domain/manual-plans.js';
import { money, parseMoney } from '../domain/money.js';
import { type PostingPlan } from '../domain/posting-plan.js';
import {
  accountNotFound,
  type LedgerDeps,
  postPlan,
  type PostedVoucher,
  StalePostingError,
} from './posting.js';

export interface CashCountInput {
  plan: Omit<PostingPlan, 'lines'>;
  accountId: string;
  countedBalance: string;
}

const ATTEMPTS = 5;

/**
 * A cash count posts the difference between the counted and the book balance
 * against CASH_OVER_SHORT (nothing when they agree). The difference is
 * computed from a read of the account and posted only if the account has not
 * moved since (its sequence is checked under lock); if it moved, read again.
 */
export async function postCashCount(deps: LedgerDeps, input: CashCountInput): Promise<PostedVoucher | null> {
  const counted = parseMoney(input.countedBalance, 'countedBalance');
  for (let attempt = 1; ; attempt += 1) {
    const account = await readAccountBalance(deps.db, input.plan.merchantId, input.accountId);
    if (!account) throw accountNotFound([input.accountId], input.plan.merchantId);
    const lines = cashCountLines(input.accountId, money(account.balance), counted);
    if (lines.length === 0) return null;
    try {
      return await postPlan(
        deps,
        { ...input.plan, lines },
        { expect: { accountId: account.id, postingSequence: account.postingSequence } },
      );
    } catch (err) {
      if (!(err instanceof StalePostingError) || attempt >= ATTEMPTS) throw err;
    }
  }
}
