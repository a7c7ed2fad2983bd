-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "finance";

-- CreateEnum
CREATE TYPE "finance"."MerchantStatus" AS ENUM ('ACTIVE', 'INACTIVE');

-- CreateEnum
CREATE TYPE "finance"."AccountType" AS ENUM ('ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE');

-- CreateEnum
CREATE TYPE "finance"."Direction" AS ENUM ('DEBIT', 'CREDIT');

-- CreateEnum
CREATE TYPE "finance"."AccountStatus" AS ENUM ('ACTIVE', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "finance"."VoucherType" AS ENUM ('SALE', 'COGS', 'RECEIPT', 'REFUND', 'PURCHASE', 'INVENTORY_ADJUSTMENT', 'ADJUSTMENT', 'TRANSFER', 'EXPENSE', 'REVERSAL');

-- CreateEnum
CREATE TYPE "finance"."VoucherStatus" AS ENUM ('POSTED', 'VOIDED');

-- CreateTable
CREATE TABLE "finance"."Merchant" (
    "id" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "finance"."MerchantStatus" NOT NULL DEFAULT 'ACTIVE',
    "cdc_lsn" BIGINT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "Merchant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "finance"."FinanceAccount" (
    "id" BIGINT NOT NULL,
    "merchant_id" BIGINT NOT NULL,
    "code" VARCHAR(64) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "type" "finance"."AccountType" NOT NULL,
    "normal_balance" "finance"."Direction" NOT NULL,
    "is_control" BOOLEAN NOT NULL DEFAULT false,
    "balance" DECIMAL(24,4) NOT NULL DEFAULT 0,
    "posting_sequence" BIGINT NOT NULL DEFAULT 0,
    "status" "finance"."AccountStatus" NOT NULL DEFAULT 'ACTIVE',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "FinanceAccount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "finance"."FinanceVoucher" (
    "id" BIGINT NOT NULL,
    "merchant_id" BIGINT NOT NULL,
    "voucher_number" VARCHAR(32) NOT NULL,
    "type" "finance"."VoucherType" NOT NULL,
    "status" "finance"."VoucherStatus" NOT NULL DEFAULT 'POSTED',
    "source_type" VARCHAR(64) NOT NULL,
    "source_id" VARCHAR(160) NOT NULL,
    "event_id" VARCHAR(160),
    "reason" VARCHAR(64),
    "description" VARCHAR(500),
    "posted_at" TIMESTAMPTZ(6) NOT NULL,
    "reversal_of_id" BIGINT,
    "reversed_by_id" BIGINT,
    "created_by" VARCHAR(128) NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "FinanceVoucher_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "finance"."FinanceTransaction" (
    "id" BIGINT NOT NULL,
    "finance_voucher_id" BIGINT NOT NULL,
    "line_number" INTEGER NOT NULL,
    "merchant_id" BIGINT NOT NULL,
    "account_id" BIGINT NOT NULL,
    "direction" "finance"."Direction" NOT NULL,
    "amount" DECIMAL(24,4) NOT NULL,
    "balance_after" DECIMAL(24,4) NOT NULL,
    "posting_sequence" BIGINT NOT NULL,
    "memo" VARCHAR(500),
    "posted_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "FinanceTransaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "finance"."VoucherNumberCounter" (
    "merchant_id" BIGINT NOT NULL,
    "prefix" VARCHAR(4) NOT NULL,
    "year" INTEGER NOT NULL,
    "last_number" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "VoucherNumberCounter_pkey" PRIMARY KEY ("merchant_id","prefix","year")
);

-- CreateTable
CREATE TABLE "finance"."PaymentIntegration" (
    "id" BIGINT NOT NULL,
    "merchant_id" BIGINT NOT NULL,
    "provider" VARCHAR(64) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "credential_ciphertext" TEXT NOT NULL,
    "credential_key_id" VARCHAR(64) NOT NULL,
    "credential_last4" VARCHAR(4) NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "PaymentIntegration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "finance"."CasbinRule" (
    "id" BIGSERIAL NOT NULL,
    "ptype" VARCHAR(8) NOT NULL,
    "v0" VARCHAR(255),
    "v1" VARCHAR(255),
    "v2" VARCHAR(255),
    "v3" VARCHAR(255),
    "v4" VARCHAR(255),
    "v5" VARCHAR(255),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "CasbinRule_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FinanceAccount_merchant_id_id_idx" ON "finance"."FinanceAccount"("merchant_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "FinanceAccount_merchant_id_code_live_key" ON "finance"."FinanceAccount"("merchant_id", "code") WHERE (deleted_at IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "FinanceVoucher_reversal_of_id_key" ON "finance"."FinanceVoucher"("reversal_of_id");

-- CreateIndex
CREATE UNIQUE INDEX "FinanceVoucher_reversed_by_id_key" ON "finance"."FinanceVoucher"("reversed_by_id");

-- CreateIndex
CREATE INDEX "FinanceVoucher_merchant_id_posted_at_id_idx" ON "finance"."FinanceVoucher"("merchant_id", "posted_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "FinanceVoucher_merchant_id_source_type_source_id_key" ON "finance"."FinanceVoucher"("merchant_id", "source_type", "source_id");

-- CreateIndex
CREATE UNIQUE INDEX "FinanceVoucher_merchant_id_voucher_number_live_key" ON "finance"."FinanceVoucher"("merchant_id", "voucher_number") WHERE (deleted_at IS NULL);

-- CreateIndex
CREATE INDEX "FinanceTransaction_merchant_id_idx" ON "finance"."FinanceTransaction"("merchant_id");

-- CreateIndex
CREATE UNIQUE INDEX "FinanceTransaction_account_id_posting_sequence_live_key" ON "finance"."FinanceTransaction"("account_id", "posting_sequence") WHERE (deleted_at IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "FinanceTransaction_finance_voucher_id_line_number_key" ON "finance"."FinanceTransaction"("finance_voucher_id", "line_number");

-- CreateIndex
CREATE INDEX "PaymentIntegration_merchant_id_id_idx" ON "finance"."PaymentIntegration"("merchant_id", "id");

-- CreateIndex
CREATE INDEX "CasbinRule_ptype_v0_idx" ON "finance"."CasbinRule"("ptype", "v0");

-- AddForeignKey
ALTER TABLE "finance"."FinanceAccount" ADD CONSTRAINT "FinanceAccount_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "finance"."Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "finance"."FinanceVoucher" ADD CONSTRAINT "FinanceVoucher_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "finance"."Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "finance"."FinanceVoucher" ADD CONSTRAINT "FinanceVoucher_reversal_of_id_fkey" FOREIGN KEY ("reversal_of_id") REFERENCES "finance"."FinanceVoucher"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "finance"."FinanceTransaction" ADD CONSTRAINT "FinanceTransaction_finance_voucher_id_fkey" FOREIGN KEY ("finance_voucher_id") REFERENCES "finance"."FinanceVoucher"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "finance"."FinanceTransaction" ADD CONSTRAINT "FinanceTransaction_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "finance"."FinanceAccount"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "finance"."PaymentIntegration" ADD CONSTRAINT "PaymentIntegration_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "finance"."Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
