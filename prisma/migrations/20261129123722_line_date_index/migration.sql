-- Date-ranged reads of one account's lines: GET /accounts/:id/transactions
-- ?from=&to=, GET /accounts/:id/balance?at= and the trial balance. Without it
-- they walk every line of the account. Direction and amount are part of the
-- key so that a balance as of a moment is summed from the index alone (lines
-- are never updated, so their heap pages stay all-visible after a vacuum).
--
-- Migrations run in a transaction, so this is a plain CREATE INDEX: it blocks
-- postings while it builds. On a large ledger, build it first without
-- blocking, then migrate (the statement below then does nothing):
--   CREATE INDEX CONCURRENTLY IF NOT EXISTS "FinanceTransaction_account_id_posted_at_live_idx"
--     ON "finance"."FinanceTransaction" ("account_id", "posted_at", "direction", "amount")
--     WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS "FinanceTransaction_account_id_posted_at_live_idx"
    ON "finance"."FinanceTransaction" ("account_id", "posted_at", "direction", "amount")
    WHERE deleted_at IS NULL;
