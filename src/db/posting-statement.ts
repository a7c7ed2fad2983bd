import type { AccountType, Direction } from '../domain/accounts.js';
import { YEAR_SLOT } from '../domain/vouchers.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';
import { VOUCHER_POSTED, VOUCHER_VOIDED } from './outbox.js';
import { voucherJson } from './vouchers.js';

/**
 * The posting statement: how a voucher and its lines are written (the write
 * side of the vouchers aggregate; vouchers.ts reads them back).
 *
 * A posting is ONE statement, so it is one DB transaction by construction and
 * its row locks are held only while the statement runs (no client round trip
 * while holding them — see the yardstick in BENCHMARKS.md: lock hold time bounds
 * a hot account and a merchant's number series). Inside it:
 *
 *   0. `period_lock` takes the merchant's period gate (an advisory lock)
 *                 shared before any account (lock order everywhere: gate →
 *                 accounts by id → number counter → event record → outbox sequence) and then reads where the
 *                 merchant's closed periods end, through the VOLATILE
 *                 function finance.period_closed_until: its read runs on a
 *                 fresh snapshot, so it sees a close that committed while the
 *                 posting waited at the gate (this statement's own snapshot
 *                 would not). A close takes the gate exclusive: it waits for
 *                 the postings in flight, and those that come later wait for
 *                 it (heavyweight locks queue fairly; a row lock would let
 *                 share lockers overtake a waiting close forever). `dating`
 *                 then moves a voucher dated into a closed period to the
 *                 first instant of the first open one (docs/reference/periods.md);
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
 *                 the counter row (locked after the accounts), the voucher, its lines,
 *                 and for a reversal the original marked VOIDED;
 *   4. `event_posted` on the event's last voucher (posted now, or a replay):
 *                 the event's record set POSTED in the same commit;
 *   5. the outbound stream's entry: the merchant's next outbox sequence (the
 *                 very last lock, so a merchant's postings commit in sequence
 *                 order) and the message, rendered by the API's renderer.
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
  /** The number series (domain/vouchers.ts): the voucher type's prefix; the year is the effective posted_at's. */
  prefix: string;
  /** The voucher number's text before its running number (with a slot for the year), and that number's width. */
  numberFormat: { head: string; width: number };
  type: string;
  sourceType: string;
  sourceId: string;
  eventId: string | null;
  currency: string | null;
  reason: string | null;
  description: string | null;
  /** The date asked for; a closed period moves it (the result's postedAt). */
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
  /** The voucher's place in its merchant's outbound stream (null when nothing was posted). */
  outboxSeq: string | null;
  /** The accounting date the voucher got, the one it asked for when a closed period moved it, when it was written. */
  postedAt: Date | null;
  requestedAt: Date | null;
  recordedAt: Date | null;
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
  outbox_seq: string | null;
  posted_at: Date | null;
  requested_at: Date | null;
  recorded_at: Date | null;
  event_posted: boolean;
}

export async function runPostingStatement(db: Db, p: PostingStatementInput): Promise<PostingStatementResult> {
  const codes = [...new Set(p.lines.flatMap((l) => (l.accountCode ? [l.accountCode] : [])))];
  const ids = [...new Set(p.lines.flatMap((l) => (l.accountId ? [l.accountId] : [])))];
  const isReversal = p.reversalOfId !== null;
  const rows = await db.query<Row>(
    Prisma.sql`
    WITH period_lock AS (
      SELECT finance.period_closed_until(${p.merchantId}::bigint) AS closed_until
    ), dating AS (
      -- greatest() ignores NULL: with nothing closed the voucher keeps its date.
      SELECT d.posted_at, extract(year FROM d.posted_at AT TIME ZONE 'UTC')::int AS year,
             CASE WHEN d.posted_at > ${p.postedAt}::timestamptz THEN ${p.postedAt}::timestamptz END AS requested_at,
             CASE WHEN d.posted_at > ${p.postedAt}::timestamptz
                  THEN jsonb_build_object('closedPeriod', to_char(${p.postedAt}::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM'))
                  ELSE '{}'::jsonb END AS metadata
        FROM (SELECT greatest(${p.postedAt}::timestamptz, (SELECT closed_until FROM period_lock)) AS posted_at) d
    ), merchant AS (
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
         AND EXISTS (SELECT 1 FROM period_lock)
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
      -- The merchant's condition lets the plan reach the rows through the merchant's index: the statement runs
      -- on a generic plan, which cannot know that closing has a row or two, and hash-joined it to every account.
      UPDATE finance."FinanceAccount" a
         SET balance = c.balance_after, posting_sequence = c.seq, updated_at = now()
        FROM closing c, verdict
       WHERE a.merchant_id = ${p.merchantId}::bigint AND a.id = c.acc AND verdict.outcome = 'OK'
      RETURNING a.id, a.code, a.type, a.normal_balance, a.balance, a.posting_sequence
    ), lines AS (
      -- Written before the voucher row (its id is known): the foreign key is checked at the end of the statement.
      INSERT INTO finance."FinanceTransaction" (id, finance_voucher_id, line_number, merchant_id, account_id, direction,
                                              amount, balance_after, posting_sequence, memo, posted_at, created_at, updated_at)
      SELECT c.id, ${p.voucherId}::bigint, c.line_number, ${p.merchantId}::bigint, c.acc, c.direction::finance."Direction",
             c.amount, c.balance_after, c.seq, c.memo, dating.posted_at, now(), now()
        FROM computed c, verdict, dating
       WHERE verdict.outcome = 'OK'
      RETURNING *
    ), counter AS (
      -- The merchant's number series is the hottest row: locked last, after the balances and lines are written.
      INSERT INTO finance."VoucherNumberCounter" AS c (merchant_id, prefix, year, last_number, created_at, updated_at)
      SELECT ${p.merchantId}::bigint, ${p.prefix}, dating.year, 1, now(), now() FROM verdict, dating
       WHERE outcome = 'OK' AND (SELECT count(*) FROM lines) > 0 AND (SELECT count(*) FROM accounts) > 0
      ON CONFLICT (merchant_id, prefix, year) DO UPDATE SET last_number = c.last_number + 1, updated_at = now()
      RETURNING last_number
    ), voucher AS (
      INSERT INTO finance."FinanceVoucher" (id, merchant_id, voucher_number, type, status, source_type, source_id,
                                          event_id, reason, description, posted_at, reversal_of_id, created_by,
                                          metadata, created_at, updated_at, requested_at)
      SELECT ${p.voucherId}::bigint, ${p.merchantId}::bigint,
             replace(${p.numberFormat.head}, ${YEAR_SLOT}, dating.year::text) || lpad(counter.last_number::text,
                                           greatest(${p.numberFormat.width}::int, length(counter.last_number::text)), '0'),
             ${p.type}::finance."VoucherType", 'POSTED', ${p.sourceType}, ${p.sourceId}, ${p.eventId}, ${p.reason},
             ${p.description}, dating.posted_at, ${p.reversalOfId}::bigint, ${p.createdBy},
             ${JSON.stringify(p.metadata)}::jsonb || dating.metadata, now(), now(), dating.requested_at
        FROM counter, dating
      RETURNING *
    ), voided AS (
      -- outbox_seq reads it only to lock the original before the outbox sequence.
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
    ), outbox_seq AS (
      -- The merchant's commit order, the statement's LAST lock (after the void's and the event's): held until commit, so the
      -- merchant's postings commit in seq order; an id from a sequence is taken before commit, in any order.
      INSERT INTO finance."OutboxSequence" AS s (merchant_id, last_seq)
      SELECT v.merchant_id, 1 FROM voucher v WHERE (SELECT count(*) FROM voided) >= 0 AND (SELECT count(*) FROM event_posted) >= 0
      ON CONFLICT (merchant_id) DO UPDATE SET last_seq = s.last_seq + 1
      RETURNING last_seq
    ), outbox AS (
      -- The message, rendered once, here, by the API's own renderer over the rows just written: every retry
      -- of its publication sends these bytes, and a later void cannot change what this posting said.
      INSERT INTO finance."OutboxEntry" (merchant_id, seq, voucher_id, kind, value, created_at)
      SELECT v.merchant_id, outbox_seq.last_seq, v.id, k.kind,
             ${voucherJson(Prisma.sql`lines`, Prisma.sql`locked`, Prisma.sql`'kind', k.kind,`)}::text, now()
        FROM voucher v, outbox_seq,
             LATERAL (SELECT CASE WHEN v.reversal_of_id IS NULL THEN ${VOUCHER_POSTED} ELSE ${VOUCHER_VOIDED} END
                               AS kind) k
      RETURNING seq
    )
    -- Sub-selects run in the order of this list: what needs no number comes before voucher_number, which takes
    -- the counter (the lock every posting of the merchant queues on) and so starts the part held until commit.
    SELECT verdict.outcome AS verdict,
           (SELECT currency FROM merchant) AS merchant_currency,
           (SELECT row_to_json(e) FROM existing e) AS existing,
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
           (SELECT voucher_number FROM voucher) AS voucher_number,
           EXISTS (SELECT 1 FROM event_posted) AS event_posted,
           (SELECT seq::text FROM outbox) AS outbox_seq,
           (SELECT posted_at FROM voucher) AS posted_at,
           (SELECT requested_at FROM voucher) AS requested_at,
           (SELECT recorded_at FROM voucher) AS recorded_at
      FROM verdict`,
    // One text for every posting: prepared once per connection, planned once.
    { name: 'finance_post_voucher_v5' },
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
    outboxSeq: row.outbox_seq,
    postedAt: row.posted_at,
    requestedAt: row.requested_at,
    recordedAt: row.recorded_at,
    eventPosted: row.event_posted,
  };
}
