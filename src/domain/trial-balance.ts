import { type AccountType, balanceSign, type Direction } from './accounts.js';
import { formatMoney, money, ZERO } from './money.js';

/** What the ledger sums for an account: its debit and its credit lines, as decimal strings. */
export interface DebitCreditSums {
  debit: string;
  credit: string;
}

/** An account's balance in its normal direction, from the sums of its lines. */
export function balanceOf(normalBalance: Direction, sums: DebitCreditSums): string {
  const net = money(sums.debit).minus(money(sums.credit));
  return formatMoney(net.times(balanceSign(normalBalance, 'DEBIT')));
}

export interface TrialBalanceRow {
  accountId: string;
  code: string;
  name: string;
  type: AccountType;
  normalBalance: Direction;
  balance: string;
  debit: string;
  credit: string;
}

export interface TrialBalance {
  accounts: TrialBalanceRow[];
  totals: DebitCreditSums;
  balanced: boolean;
}

/** An account's figures for one period, in its normal direction; debit and credit are the period's line sums. */
export interface PeriodAccountSums {
  accountId: string;
  code: string;
  name: string;
  type: AccountType;
  normalBalance: Direction;
  /** The balance at the period's start. */
  opening: string;
  debit: string;
  credit: string;
}

export interface PeriodTrialBalanceRow extends PeriodAccountSums {
  closing: string;
}

/**
 * A trial balance for one period: per account, the opening balance, the
 * month's debits and credits, and the closing balance they make. The totals
 * are the month's debits and credits, which agree because every voucher
 * balances.
 */
export function periodTrialBalance(accounts: PeriodAccountSums[]): {
  accounts: PeriodTrialBalanceRow[];
  totals: DebitCreditSums;
  balanced: boolean;
} {
  let totalDebit = ZERO;
  let totalCredit = ZERO;
  const rows = accounts.map((a) => {
    totalDebit = totalDebit.plus(money(a.debit));
    totalCredit = totalCredit.plus(money(a.credit));
    return {
      ...a,
      opening: formatMoney(money(a.opening)),
      debit: formatMoney(money(a.debit)),
      credit: formatMoney(money(a.credit)),
      closing: formatMoney(money(a.opening).plus(money(balanceOf(a.normalBalance, a)))),
    };
  });
  return {
    accounts: rows,
    totals: { debit: formatMoney(totalDebit), credit: formatMoney(totalCredit) },
    balanced: totalDebit.equals(totalCredit),
  };
}

/**
 * A trial balance: each account's net in the debit or the credit column (a
 * debit excess in debit, a credit excess in credit) and the column totals.
 * Every voucher balances, so the totals agree; `balanced` says whether they do.
 */
export function trialBalance(
  accounts: (Omit<TrialBalanceRow, 'balance' | 'debit' | 'credit'> & DebitCreditSums)[],
): TrialBalance {
  let totalDebit = ZERO;
  let totalCredit = ZERO;
  const rows = accounts.map((a) => {
    const net = money(a.debit).minus(money(a.credit));
    const debit = net.isPositive() ? net : ZERO;
    const credit = net.isNegative() ? net.negated() : ZERO;
    totalDebit = totalDebit.plus(debit);
    totalCredit = totalCredit.plus(credit);
    return {
      accountId: a.accountId,
      code: a.code,
      name: a.name,
      type: a.type,
      normalBalance: a.normalBalance,
      balance: balanceOf(a.normalBalance, a),
      debit: formatMoney(debit),
      credit: formatMoney(credit),
    };
  });
  return {
    accounts: rows,
    totals: { debit: formatMoney(totalDebit), credit: formatMoney(totalCredit) },
    balanced: totalDebit.equals(totalCredit),
  };
}
