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
-- before closed_until lies in a closed period (NULL: nothing closed). The
-- posting statement reads it from the merchant row it locks FOR KEY SHARE, and
-- a close writes it under FOR UPDATE, so a close and a posting serialize.
ALTER TABLE "finance"."Merchant" ADD COLUMN "closed_until" TIMESTAMPTZ(6);

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
