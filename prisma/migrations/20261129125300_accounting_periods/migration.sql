-- Accounting periods and effective dates (docs/reference/periods.md).

-- A voucher's three dates: posted_at (the accounting date, already there),
-- recorded_at (when it was written) and requested_at (the date it asked for,
-- kept only when a closed period moved it). recorded_at starts as created_at
-- for the vouchers already written; new rows take the default.
ALTER TABLE "finance"."FinanceVoucher" ADD COLUMN "recorded_at" TIMESTAMPTZ(6);
UPDATE "finance"."FinanceVoucher" SET "recorded_at" = "created_at";
ALTER TABLE "finance"."FinanceVoucher" ALTER COLUMN "recorded_at" SET DEFAULT CURRENT_TIMESTAMP,
                                       ALTER COLUMN "recorded_at" SET NOT NULL;
ALTER TABLE "finance"."FinanceVoucher" ADD COLUMN "requested_at" TIMESTAMPTZ(6);

-- Closed periods form a prefix of every merchant's months: every instant
-- before closed_until lies in a closed period (NULL: nothing closed). A close
-- writes it holding the merchant's period gate exclusive; postings read it
-- through the function below.
ALTER TABLE "finance"."Merchant" ADD COLUMN "closed_until" TIMESTAMPTZ(6);

-- Where the merchant's closed periods end, as a posting must see it: after
-- waiting for a close in progress. The function takes the merchant's period
-- gate shared (an advisory lock a close takes exclusive; the first key is
-- PERIOD_GATE in src/db/periods.ts), then reads closed_until. VOLATILE, so
-- under READ COMMITTED its second statement runs on a fresh snapshot and
-- sees a close that committed while the first one waited; the calling
-- statement's own snapshot would not, and reading it through a row lock
-- (FOR KEY SHARE) instead makes every concurrent posting of the merchant
-- share that row through a MultiXact.
CREATE FUNCTION "finance"."period_closed_until"(merchant BIGINT) RETURNS TIMESTAMPTZ
LANGUAGE sql VOLATILE AS $$
  SELECT pg_advisory_xact_lock_shared(1346720324, hashint8(merchant));
  SELECT closed_until FROM "finance"."Merchant" WHERE id = merchant;
$$;

CREATE TYPE "finance"."PeriodStatus" AS ENUM ('OPEN', 'CLOSED');

CREATE TABLE "finance"."FinancePeriod" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" BIGINT NOT NULL,
    "period" CHAR(7) NOT NULL,
    "status" "finance"."PeriodStatus" NOT NULL,
    "closed_at" TIMESTAMPTZ(6),
    "closed_by" VARCHAR(255),
    "reopened_at" TIMESTAMPTZ(6),
    "reopened_by" VARCHAR(255),
    "reopen_reason" VARCHAR(500),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "FinancePeriod_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "FinancePeriod_merchant_id_period_key" ON "finance"."FinancePeriod"("merchant_id", "period");
ALTER TABLE "finance"."FinancePeriod" ADD CONSTRAINT "FinancePeriod_merchant_id_fkey"
    FOREIGN KEY ("merchant_id") REFERENCES "finance"."Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Each account's balance (normal direction) at the end of a closed period.
-- A reopen soft-deletes the period's rows; the next close writes new ones.
CREATE TABLE "finance"."FinanceClosingBalance" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" BIGINT NOT NULL,
    "period" CHAR(7) NOT NULL,
    "account_id" BIGINT NOT NULL,
    "balance" DECIMAL(38,4) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "FinanceClosingBalance_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "FinanceClosingBalance_account_id_period_live_key"
    ON "finance"."FinanceClosingBalance"("account_id", "period") WHERE deleted_at IS NULL;
CREATE INDEX "FinanceClosingBalance_merchant_id_period_idx"
    ON "finance"."FinanceClosingBalance"("merchant_id", "period");
ALTER TABLE "finance"."FinanceClosingBalance" ADD CONSTRAINT "FinanceClosingBalance_merchant_id_fkey"
    FOREIGN KEY ("merchant_id") REFERENCES "finance"."Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "finance"."FinanceClosingBalance" ADD CONSTRAINT "FinanceClosingBalance_account_id_fkey"
    FOREIGN KEY ("account_id") REFERENCES "finance"."FinanceAccount"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Closing and reopening a period are admin actions of their own (admin's
-- wildcard already covers them; naming them keeps them if the wildcard goes).
INSERT INTO "finance"."CasbinRule" ("ptype", "v0", "v1", "v2", "v3") VALUES
    ('p', 'role:admin', '*', 'period', 'close'),
    ('p', 'role:admin', '*', 'period', 'reopen');
