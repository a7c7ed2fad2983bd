import { userInfo } from 'node:os';
import { type Db } from '../db/executor.js';
import { closePeriod, type MerchantPeriods, reopenPeriod } from '../db/periods.js';
import { isLedgerError } from '../domain/errors.js';
import { TEXT_LIMITS } from '../domain/limits.js';
import { parsePeriod } from '../domain/periods.js';
import { isSingleLineText } from '../domain/text.js';
import { isId } from '../lib/ids.js';
import { type Out, printable } from './output.js';

/** Who an operator's close or reopen is recorded as: the shell user, under a prefix no JWT subject is given. */
const operator = (): string => `cli:${userInfo().username}`.slice(0, TEXT_LIMITS.identity);

const state = (p: MerchantPeriods): string =>
  p.closedThrough ? `closed through ${p.closedThrough}` : 'no period closed';

/**
 * `finance period close|reopen --merchant <id> --period YYYY-MM [--reason <text>]`:
 * the operator's side of the periods API (docs/reference/periods.md), with the
 * same rules. Exit 0 when done (a close of a closed month included), 1 when
 * refused, 2 for a usage error.
 */
export async function runPeriodCommand(
  db: Db,
  out: Out,
  action: string | undefined,
  opts: { merchant?: string; period?: string; reason?: string },
): Promise<number> {
  if ((action !== 'close' && action !== 'reopen') || !opts.merchant || !opts.period) {
    out.line(
      'Usage: npm run finance -- period close|reopen --merchant <id> --period YYYY-MM [--reason <text>] (reason: reopen only, required)',
    );
    return 2;
  }
  if (!isId(opts.merchant)) {
    out.line(`"${printable(opts.merchant)}" is not a merchant id`);
    return 2;
  }
  const merchantId = opts.merchant;
  try {
    const period = parsePeriod(opts.period, '--period');
    if (action === 'close') {
      const r = await closePeriod(db, { merchantId, period, closedBy: operator(), now: new Date() });
      if (r.kind === 'merchant-not-found') return missing(out, merchantId);
      if (r.kind === 'already')
        out.line(`Period ${period.name} of merchant ${merchantId} was already closed: nothing changed.`);
      else
        out.line(
          `Closed ${r.closed.join(', ')} for merchant ${merchantId}; closing balances stored. Now ${state(r.periods)}.`,
        );
      return 0;
    }
    const reason = opts.reason?.trim() ?? '';
    if (!reason || reason.length > TEXT_LIMITS.reopenReason || !isSingleLineText(reason)) {
      out.line(`--reason is required to reopen: one line, at most ${TEXT_LIMITS.reopenReason} characters`);
      return 2;
    }
    const r = await reopenPeriod(db, { merchantId, period, reopenedBy: operator(), reason });
    if (r.kind === 'merchant-not-found') return missing(out, merchantId);
    out.line(
      `Reopened ${period.name} for merchant ${merchantId} (${printable(reason)}). Now ${state(r.periods)}; vouchers dated in ${period.name} post into it again.`,
    );
    return 0;
  } catch (err) {
    if (!isLedgerError(err)) throw err;
    out.line(`Refused: ${err.message}`);
    return 1;
  }
}

function missing(out: Out, merchantId: string): number {
  out.line(`No merchant ${merchantId}.`);
  return 1;
}
