-- Balances are sums of lines. A line's amount enters bounded to 12 integer
-- digits and an account has at most 2^63 lines (posting_sequence is a bigint),
-- so a balance stays below 10^31: NUMERIC(38,4) (34 integer digits) cannot
-- overflow, where NUMERIC(24,4) could. Raising a NUMERIC's precision at the
-- same scale does not rewrite the table (only a brief ACCESS EXCLUSIVE lock).
ALTER TABLE "finance"."FinanceAccount" ALTER COLUMN "balance" SET DATA TYPE DECIMAL(38,4);
ALTER TABLE "finance"."FinanceTransaction" ALTER COLUMN "balance_after" SET DATA TYPE DECIMAL(38,4);

-- created_by holds the JWT subject of whoever posted; a grant's user may have
-- 255 characters (CasbinRule.v0), so a granted user's void could not be
-- stored. Widening a VARCHAR does not rewrite the table either.
ALTER TABLE "finance"."FinanceVoucher" ALTER COLUMN "created_by" SET DATA TYPE VARCHAR(255);
ALTER TABLE "finance"."ManualVoucherRequest" ALTER COLUMN "created_by" SET DATA TYPE VARCHAR(255);
