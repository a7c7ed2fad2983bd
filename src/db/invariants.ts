import { Prisma } from './client.js';
import { type Db } from './executor.js';

/**
 * The posting invariants (docs/reference/invariants.md), each as one SQL query that returns the
 * offending rows (none when the ledger is sound). Used by
 * `npm run finance -- verify` and by the tests after every stress run.
 */
interface InvariantCheck {
  name: string;
  description: string;
  query: (merchant: (alias: string) => Prisma.Sql) => Prisma.Sql;
}

/** `merchant` is a SQL predicate on a merchant_id column alias, e.g. `v.merchant_id = 42` or TRUE. */
const INVARIANTS: InvariantCheck[] = [
  {
    name: 'balanced-vouchers',
    description: 'every voucher has ≥ 2 lines and its debits equal its credits',
    query: (m) => Prisma.sql`
      SELECT v.id::text AS id, v.voucher_number AS detail
        FROM finance."FinanceVoucher" v
        LEFT JOIN finance."FinanceTransaction" l ON l.finance_voucher_id = v.id AND l.deleted_at IS NULL
       WHERE ${m('v')}
       GROUP BY v.id
      HAVING count(l.id) < 2
          OR coalesce(sum(l.amount) FILTER (WHERE l.direction = 'DEBIT'), 0)
          <> coalesce(sum(l.amount) FILTER (WHERE l.direction = 'CREDIT'), 0)`,
  },
  {
    name: 'positive-amounts',
    description: 'every line amount is > 0',
    query: (m) => Prisma.sql`
      SELECT l.id::text AS id, l.amount::text AS detail FROM finance."FinanceTransaction" l
       WHERE ${m('l')} AND l.amount <= 0`,
  },
  {
    name: 'lines-of-voucher-merchant',
    description: "every line is on an account of its voucher's merchant",
    query: (m) => Prisma.sql`
      SELECT l.id::text AS id, 'voucher ' || v.voucher_number AS detail
        FROM finance."FinanceTransaction" l
        JOIN finance."FinanceVoucher" v ON v.id = l.finance_voucher_id
        JOIN finance."FinanceAccount" a ON a.id = l.account_id
       WHERE ${m('v')} AND (a.merchant_id <> v.merchant_id OR l.merchant_id <> v.merchant_id)`,
  },
  {
    name: 'balance-equals-lines',
    description: "an account's balance is the normal-direction sum of its lines and its sequence their count",
    query: (m) => Prisma.sql`
      SELECT a.id::text AS id,
             a.code || ': balance ' || a.balance || ' vs lines ' || coalesce(s.total, 0) || ', sequence ' ||
             a.posting_sequence || ' vs ' || coalesce(s.n, 0) AS detail
        FROM finance."FinanceAccount" a
        LEFT JOIN (
          SELECT l.account_id,
                 sum(CASE WHEN l.direction = acc.normal_balance THEN l.amount ELSE -l.amount END) AS total,
                 count(*) AS n
            FROM finance."FinanceTransaction" l
            JOIN finance."FinanceAccount" acc ON acc.id = l.account_id
           WHERE l.deleted_at IS NULL
           GROUP BY l.account_id
        ) s ON s.account_id = a.id
       WHERE ${m('a')} AND (a.balance <> coalesce(s.total, 0) OR a.posting_sequence <> coalesce(s.n, 0))`,
  },
  {
    name: 'sequences-gapless',
    description:
      "each account's line sequences run 1..n with no gap or duplicate, and balance_after is the running sum",
    query: (m) => Prisma.sql`
      SELECT x.account_id::text AS id,
             'line ' || x.id || ' has sequence ' || x.posting_sequence || ' (expected ' || x.expected_seq ||
             '), balance_after ' || x.balance_after || ' (expected ' || x.running || ')' AS detail
        FROM (
          SELECT l.id, l.account_id, l.posting_sequence, l.balance_after,
                 row_number() OVER w AS expected_seq,
                 sum(CASE WHEN l.direction = a.normal_balance THEN l.amount ELSE -l.amount END) OVER w AS running
            FROM finance."FinanceTransaction" l
            JOIN finance."FinanceAccount" a ON a.id = l.account_id
           WHERE ${m('a')} AND l.deleted_at IS NULL
          WINDOW w AS (PARTITION BY l.account_id ORDER BY l.posting_sequence, l.id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ) x
       WHERE x.posting_sequence <> x.expected_seq OR x.balance_after <> x.running`,
  },
  {
    name: 'unique-sources',
    description: 'a (merchant, source_type, source_id) posted at most once',
    query: (m) => Prisma.sql`
      SELECT min(v.id)::text AS id, v.source_type || '/' || v.source_id || ' posted ' || count(*) || ' times' AS detail
        FROM finance."FinanceVoucher" v WHERE ${m('v')}
       GROUP BY v.merchant_id, v.source_type, v.source_id HAVING count(*) > 1`,
  },
  {
    name: 'voucher-numbers-gapless',
    description: 'voucher numbers run 1..n per merchant, prefix and year, with no gap or duplicate',
    query: (m) => Prisma.sql`
      SELECT v.merchant_id::text || ' ' || split_part(v.voucher_number, '-', 1) || '-' || split_part(v.voucher_number, '-', 2) AS id,
             count(*) || ' vouchers, highest number ' || max(split_part(v.voucher_number, '-', 3)::bigint) ||
             ', ' || count(DISTINCT v.voucher_number) || ' distinct' AS detail
        FROM finance."FinanceVoucher" v WHERE ${m('v')} AND v.deleted_at IS NULL
       GROUP BY v.merchant_id, split_part(v.voucher_number, '-', 1), split_part(v.voucher_number, '-', 2)
      HAVING count(*) <> max(split_part(v.voucher_number, '-', 3)::bigint) OR count(*) <> count(DISTINCT v.voucher_number)`,
  },
  {
    name: 'voids-mirrored',
    description:
      'every VOIDED voucher has exactly one REVERSAL that mirrors its lines, and only VOIDED ones do',
    query: (m) => Prisma.sql`
      SELECT v.id::text AS id, v.voucher_number || ' (' || v.status || ')' AS detail
        FROM finance."FinanceVoucher" v
        LEFT JOIN finance."FinanceVoucher" r ON r.id = v.reversed_by_id
       WHERE ${m('v')} AND v.type <> 'REVERSAL' AND (
             (v.status = 'VOIDED') <> (v.reversed_by_id IS NOT NULL)
          OR (v.status = 'VOIDED' AND (r.id IS NULL OR r.type <> 'REVERSAL' OR r.reversal_of_id <> v.id))
          OR (SELECT count(*) FROM finance."FinanceVoucher" x WHERE x.reversal_of_id = v.id) > 1
          OR (v.status = 'VOIDED' AND EXISTS (
                (SELECT account_id, direction::text, amount FROM finance."FinanceTransaction" WHERE finance_voucher_id = v.id
                 EXCEPT ALL
                 SELECT account_id, CASE direction WHEN 'DEBIT' THEN 'CREDIT' ELSE 'DEBIT' END, amount
                   FROM finance."FinanceTransaction" WHERE finance_voucher_id = r.id)
                UNION ALL
                (SELECT account_id, CASE direction WHEN 'DEBIT' THEN 'CREDIT' ELSE 'DEBIT' END, amount
                   FROM finance."FinanceTransaction" WHERE finance_voucher_id = r.id
                 EXCEPT ALL
                 SELECT account_id, direction::text, amount FROM finance."FinanceTransaction" WHERE finance_voucher_id = v.id))))`,
  },
  {
    name: 'closing-balances-equal-lines',
    description:
      "a closed period's stored closing balance is the normal-direction sum of the lines before its end",
    query: (m) => Prisma.sql`
      SELECT cb.account_id::text || ' ' || trim(cb.period) AS id,
             a.code || ': stored ' || cb.balance || ' vs lines ' || coalesce(s.total, 0) AS detail
        FROM finance."FinanceClosingBalance" cb
        JOIN finance."FinanceAccount" a ON a.id = cb.account_id
        LEFT JOIN LATERAL (
          SELECT sum(CASE WHEN l.direction = a.normal_balance THEN l.amount ELSE -l.amount END) AS total
            FROM finance."FinanceTransaction" l
           WHERE l.account_id = cb.account_id AND l.deleted_at IS NULL
             AND l.posted_at < (to_date(cb.period, 'YYYY-MM') + interval '1 month')::timestamp AT TIME ZONE 'UTC'
        ) s ON true
       WHERE ${m('cb')} AND cb.deleted_at IS NULL AND cb.balance <> coalesce(s.total, 0)`,
  },
  {
    name: 'closed-periods-unchanged',
    description: 'no voucher is dated in a closed period that was written after the period closed',
    query: (m) => Prisma.sql`
      SELECT v.id::text AS id,
             v.voucher_number || ' dated ' || v.posted_at || ', recorded ' || v.recorded_at || ', period closed ' || p.closed_at AS detail
        FROM finance."FinanceVoucher" v
        JOIN finance."FinancePeriod" p
          ON p.merchant_id = v.merchant_id AND p.period = to_char(v.posted_at AT TIME ZONE 'UTC', 'YYYY-MM')
       WHERE ${m('v')} AND p.status = 'CLOSED' AND v.recorded_at > p.closed_at`,
  },
];

export interface CheckResult {
  name: string;
  description: string;
  violations: { id: string; detail: string }[];
  ms: number;
}

export async function verifyLedger(
  db: Db,
  opts: { merchantId?: string; onCheck?: (r: CheckResult) => void } = {},
): Promise<CheckResult[]> {
  const scope = (alias: string) =>
    opts.merchantId
      ? Prisma.sql`${Prisma.raw(`${alias}.merchant_id`)} = ${opts.merchantId}::bigint`
      : Prisma.sql`TRUE`;
  const results: CheckResult[] = [];
  for (const check of INVARIANTS) {
    const started = performance.now();
    const violations = await db.query<{ id: string; detail: string }>(check.query(scope));
    const result = {
      name: check.name,
      description: check.description,
      violations,
      ms: Math.round(performance.now() - started),
    };
    opts.onCheck?.(result);
    results.push(result);
  }
  return results;
}

/** How many vouchers, lines and accounts the ledger (or one merchant's) holds. */
export async function ledgerSize(
  db: Db,
  merchantId?: string,
): Promise<{ vouchers: number; lines: number; accounts: number }> {
  const merchant = merchantId ?? null;
  const [row] = await db.query<{ vouchers: string; lines: string; accounts: string }>(Prisma.sql`
    SELECT (SELECT count(*) FROM finance."FinanceVoucher" WHERE ${merchant}::bigint IS NULL OR merchant_id = ${merchant}::bigint) AS vouchers,
           (SELECT count(*) FROM finance."FinanceTransaction" WHERE ${merchant}::bigint IS NULL OR merchant_id = ${merchant}::bigint) AS lines,
           (SELECT count(*) FROM finance."FinanceAccount" WHERE ${merchant}::bigint IS NULL OR merchant_id = ${merchant}::bigint) AS accounts`);
  return { vouchers: Number(row!.vouchers), lines: Number(row!.lines), accounts: Number(row!.accounts) };
}
