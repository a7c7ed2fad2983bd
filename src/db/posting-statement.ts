import type { AccountType, Direction } from '../domain/accounts.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';

/**
 * The posting statement: how a voucher and its lines are written (the write
 * side of the vouchers aggregate; vouchers.ts reads them back).
 *
 * A posting is ONE statement, so it is one DB transaction by construction and
 * its row locks are held only while the statement runs (no client round trip
 * while holding them — see the yardstick in BENCHMARKS.md: lock hold time bounds
 * a hot account and a merchant's number series). Inside it:
 *
 *   1. `locked`   locks every touched account of the voucher's merchant FOR
 *                 UPDATE in ascending id order (opposite-order vouchers queue
 *                 instead of deadlocking) and reads their latest committed
 *                 balance and sequence. Another merchant's row is never
 *                 locked, nor even read: an id of another merchant is, to the
 *                 statement, an id that does not exist, so neither its answer
 *                 nor its timing tells a tenant which ids others use;
 *   2. `verdict`  checks what only the database knows (merchant, currency,
 *                 accounts found, active, already posted);
 *   3. only when the verdict is OK: new balances and sequences computed line
 *                 by line with window functions, the voucher number taken from
 *                 the counter row (the last lock taken), the voucher, its lines,
 *                 and for a reversal the original marked VOIDED;
 *   4. `event_posted` on the event's last voucher (posted now, or a replay):
 *                 the event's record set POSTED in the same commit.
 *
 * The statement reports its verdict and what the caller needs to explain a
 * refusal; it never raises for a business rule.
 */
type Verdict =
  | 'OK'
  | 'REPLAY'
  | 'MERCHANT_NOT_FOUND'
  | 'CURRENCY_MISMATCH'
  | 'CONTROL_ACCOUNT_MISSING'
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_INACTIVE'
  | 'STALE';

export interface PostingStatementInput {
  voucherId: string;
  merchantId: string;
  /** The number series (domain/vouchers.ts): the voucher type's prefix and the numbering year. */
  prefix: string;
  year: number;
  /** The voucher number's text before its running number, and the width that number is padded to. */
  numberFormat: { head: string; width: number };
  type: string;
  sourceType: string;
  sourceId: string;
  eventId: string | null;
  currency: string | null;
  reason: string | null;
  description: string | null;
  postedAt: Date;
  createdBy: string;
  metadata: Record<string, unknown>;
  /** Set for a REVERSAL: skips the currency and status checks and marks this voucher VOIDED. */
  reversalOfId: string | null;
  /** Optimistic guard: post only if this account's sequence is still this (cash counts). */
  expect: { accountId: string; postingSequence: string } | null;
  lines: {
    id: string;
    accountId: string | null;
    accountCode: string | null;
    direction: Direction;
    amount: string;
    memo: string | null;
  }[];
  /**
   * Set on the event's LAST voucher: its record becomes POSTED in this same
   * statement, when the voucher is posted or was already (a replay), so the
   * record and the ledger can never disagree (db/events.ts).
   */
  completesEvent: { eventId: string; runId: string | null } | null;
}

interface PostedAccount {
  id: string;
  code: string;
  type: AccountType;
  normalBalance: Direction;
  opening: string;
  balance: string;
  postingSequence: string;
}

export interface PostingStatementResult {
  verdict: Verdict;
  merchantCurrency: string | null;
  existing: { id: string; voucherNumber: string; type: string; status: 'POSTED' | 'VOIDED' } | null;
  voucherNumber: string | null;
  accounts: PostedAccount[];
  missingCodes: string[];
  /** Ids that name no live account of the voucher's merchant (missing, deleted or another merchant's). */
  missingIds: string[];
  inactive: string[];
  /** The event record this posting completed was set POSTED by it. */
  eventPosted: boolean;
}

interface Row {
  verdict: Verdict;
  merchant_currency: string | null;
  existing: PostingStatementResult['existing'];
  voucher_number: string | null;
  accounts: PostedAccount[] | null;
  missing_codes: string[] | null;
  missing_ids: string[] | null;
  inactive: string[] | null;
  event_posted: boolean;
}

export async function runPostingStatement(db: Db, p: PostingStatementInput): Promise<PostingStatementResult> {
  const codes = [...new Set(p.lines.flatMap((l) => (l.accountCode ? [l.accountCode] : [])))];
  const ids = [...new Set(p.lines.flatMap((l) => (l.accountId ? [l.accountId] : [])))];
  const isReversal = p.reversalOfId !== null;
  const rows = await db.query<Row>(
    Prisma.sql`
    WITH merchant AS (
      SELECT m.currency FROM finance."Merchant" m WHERE m.id = ${p.merchantId}::bigint
    ), existing AS (
      SELECT v.id::text AS id, v.voucher_number AS "voucherNumber", v.type::text AS type, v.status::text AS status
        FROM finance."FinanceVoucher" v
       WHERE v.merchant_id = ${p.merchantId}::bigint AND v.source_type = ${p.sourceType} AND v.source_id = ${p.sourceId}
    ), locked AS (
      SELECT a.id, a.code, a.type, a.normal_balance, a.status, a.deleted_at IS NOT NULL AS deleted,
             a.balance, a.posting_sequence
        FROM finance."FinanceAccount" a
       WHERE a.merchant_id = ${p.merchantId}::bigint
         AND ((a.code = ANY(${codes}::text[]) AND a.deleted_at IS NULL) OR a.id = ANY(${ids}::bigint[]))
         AND NOT EXISTS (SELECT 1 FROM existing)
       ORDER BY a.id
         FOR UPDATE OF a
    ), input AS (
      SELECT l.n AS line_number, l.id, l.account_id, l.account_code, l.direction, l.amount, l.memo
        FROM unnest(${p.lines.map((l) => l.id)}::bigint[], ${p.lines.map((l) => l.accountId)}::bigint[],
                    ${p.lines.map((l) => l.accountCode)}::text[], ${p.lines.map((l) => l.direction)}::text[],
                    ${p.lines.map((l) => l.amount)}::numeric[], ${p.lines.map((l) => l.memo)}::text[])
             WITH ORDINALITY AS l(id, account_id, account_code, direction, amount, memo, n)
    ), computed AS (
      SELECT i.*, a.id AS acc, a.code AS acc_code, a.status AS acc_status, a.deleted,
             a.posting_sequence + row_number() OVER w AS seq,
             a.balance + sum(CASE WHEN i.direction = a.normal_balance::text THEN i.amount ELSE -i.amount END) OVER w AS balance_after
        FROM input i
        LEFT JOIN locked a
          ON CASE WHEN i.account_id IS NOT NULL THEN a.id = i.account_id
                  ELSE a.code = i.account_code AND NOT a.deleted END
      WINDOW w AS (PARTITION BY a.id ORDER BY i.line_number ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ), verdict AS (
      SELECT CASE
        WHEN EXISTS (SELECT 1 FROM existing) THEN 'REPLAY'
        WHEN NOT EXISTS (SELECT 1 FROM merchant) THEN 'MERCHANT_NOT_FOUND'
        WHEN NOT ${isReversal} AND ${p.currency}::text IS NOT NULL
             AND ${p.currency}::text IS DISTINCT FROM (SELECT currency FROM merchant) THEN 'CURRENCY_MISMATCH'
        WHEN EXISTS (SELECT 1 FROM computed WHERE acc IS NULL AND account_code IS NOT NULL) THEN 'CONTROL_ACCOUNT_MISSING'
        WHEN EXISTS (SELECT 1 FROM computed WHERE account_id IS NOT NULL AND (acc IS NULL OR deleted)) THEN 'ACCOUNT_NOT_FOUND'
        WHEN NOT ${isReversal} AND EXISTS (SELECT 1 FROM computed WHERE acc_status <> 'ACTIVE') THEN 'ACCOUNT_INACTIVE'
        WHEN ${p.expect?.accountId ?? null}::bigint IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM locked WHERE id = ${p.expect?.accountId ?? null}::bigint
                                      AND posting_sequence = ${p.expect?.postingSequence ?? null}::bigint) THEN 'STALE'
        ELSE 'OK' END AS outcome
    ), closing AS (
      SELECT DISTINCT ON (acc) acc, balance_after, seq FROM computed ORDER BY acc, line_number DESC
    ), accounts AS (
      UPDATE finance."FinanceAccount" a
         SET balance = c.balance_after, posting_sequence = c.seq, updated_at = now()
        FROM closing c, verdict
       WHERE a.id = c.acc AND verdict.outcome = 'OK'
      RETURNING a.id, a.code, a.type, a.normal_balance, a.balance, a.posting_sequence
    ), lines AS (
      -- Written before the voucher row (its id is known): the foreign key is checked at the end of the statement.
      INSERT INTO finance."FinanceTransaction" (id, finance_voucher_id, line_number, merchant_id, account_id, direction,
                                              amount, balance_after, posting_sequence, memo, posted_at, created_at, updated_at)
      SELECT c.id, ${p.voucherId}::bigint, c.line_number, ${p.merchantId}::bigint, c.acc, c.direction::finance."Direction",
             c.amount, c.balance_after, c.seq, c.memo, ${p.postedAt}::timestamptz, now(), now()
        FROM computed c, verdict
       WHERE verdict.outcome = 'OK'
      RETURNING 1
    ), counter AS (
      -- The merchant's number series is the hottest row: locked last, after the balances and lines are written.
      INSERT INTO finance."VoucherNumberCounter" AS c (merchant_id, prefix, year, last_number, created_at, updated_at)
      SELECT ${p.merchantId}::bigint, ${p.prefix}, ${p.year}::int, 1, now(), now() FROM verdict
       WHERE outcome = 'OK' AND (SELECT count(*) FROM lines) > 0 AND (SELECT count(*) FROM accounts) > 0
      ON CONFLICT (merchant_id, prefix, year) DO UPDATE SET last_number = c.last_number + 1, updated_at = now()
      RETURNING last_number
    ), voucher AS (
      INSERT INTO finance."FinanceVoucher" (id, merchant_id, voucher_number, type, status, source_type, source_id,
                                          event_id, reason, description, posted_at, reversal_of_id, created_by,
                                          metadata, created_at, updated_at)
      SELECT ${p.voucherId}::bigint, ${p.merchantId}::bigint,
             ${p.numberFormat.head} || lpad(counter.last_number::text,
                                           greatest(${p.numberFormat.width}::int, length(counter.last_number::text)), '0'),
             ${p.type}::finance."VoucherType", 'POSTED', ${p.sourceType}, ${p.sourceId}, ${p.eventId}, ${p.reason},
             ${p.description}, ${p.postedAt}::timestamptz, ${p.reversalOfId}::bigint, ${p.createdBy},
             ${JSON.stringify(p.metadata)}::jsonb, now(), now()
        FROM counter
      RETURNING id, voucher_number
    ), voided AS (
      -- Nothing reads it: PostgreSQL runs every data-modifying WITH to completion all the same.
      UPDATE finance."FinanceVoucher" o
         SET status = 'VOIDED', reversed_by_id = voucher.id, updated_at = now()
        FROM voucher
       WHERE o.id = ${p.reversalOfId}::bigint
      RETURNING o.id
    ), event_posted AS (
      -- The record was inserted before the workflow started, so the statement's snapshot sees it.
      UPDATE finance."FinanceEvent" e
         SET status = 'POSTED', run_id = coalesce(${p.completesEvent?.runId ?? null}::text, e.run_id),
             failure_code = NULL, failure_message = NULL, finished_at = now(), updated_at = now()
        FROM verdict
       WHERE e.id = ${p.completesEvent?.eventId ?? null}::text AND e.status <> 'POSTED'
         AND (verdict.outcome = 'REPLAY' OR (verdict.outcome = 'OK' AND (SELECT count(*) FROM voucher) > 0))
      RETURNING e.id
    )
    SELECT verdict.outcome AS verdict,
           (SELECT currency FROM merchant) AS merchant_currency,
           (SELECT row_to_json(e) FROM existing e) AS existing,
           (SELECT voucher_number FROM voucher) AS voucher_number,
           (SELECT json_agg(json_build_object(
                     'id', a.id::text, 'code', a.code, 'type', a.type, 'normalBalance', a.normal_balance,
                     'opening', l.balance::text, 'balance', a.balance::text, 'postingSequence', a.posting_sequence::text)
                     ORDER BY a.id)
              FROM accounts a JOIN locked l ON l.id = a.id) AS accounts,
           (SELECT array_agg(DISTINCT account_code) FROM computed WHERE acc IS NULL AND account_code IS NOT NULL) AS missing_codes,
           (SELECT array_agg(DISTINCT account_id::text) FROM computed
             WHERE account_id IS NOT NULL AND (acc IS NULL OR deleted)) AS missing_ids,
           (SELECT array_agg(DISTINCT acc_code || ' (' || acc || ') is ' || lower(acc_status::text)) FROM computed
             WHERE acc_status <> 'ACTIVE') AS inactive,
           EXISTS (SELECT 1 FROM event_posted) AS event_posted
      FROM verdict`,
    // One text for every posting: prepared once per connection, planned once.
    { name: 'finance_post_voucher_v4_ev' },
  );
  const row = rows[0]!;
  return {
    verdict: row.verdict,
    merchantCurrency: row.merchant_currency,
    existing: row.existing,
    voucherNumber: row.voucher_number,
    accounts: row.accounts ?? [],
    missingCodes: row.missing_codes ?? [],
    missingIds: row.missing_ids ?? [],
    inactive: row.inactive ?? [],
    eventPosted: row.event_posted,
  };
}
