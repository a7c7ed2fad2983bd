-- CreateTable
CREATE TABLE "finance"."OutboxEntry" (
    "merchant_id" BIGINT NOT NULL,
    "seq" BIGINT NOT NULL,
    "voucher_id" BIGINT NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(6),

    CONSTRAINT "OutboxEntry_pkey" PRIMARY KEY ("merchant_id","seq")
);

-- CreateTable
CREATE TABLE "finance"."OutboxSequence" (
    "merchant_id" BIGINT NOT NULL,
    "last_seq" BIGINT NOT NULL,

    CONSTRAINT "OutboxSequence_pkey" PRIMARY KEY ("merchant_id")
);

-- CreateIndex
CREATE INDEX "OutboxEntry_published_at_merchant_id_seq_idx" ON "finance"."OutboxEntry"("published_at", "merchant_id", "seq");
