-- Every ingested event's life (docs/reference/events.md, "The event record"):
-- written by ingest before the workflow starts, POSTED in the same statement
-- as the event's last voucher, SKIPPED or FAILED by the workflow's last step.
CREATE TYPE "finance"."FinanceEventStatus" AS ENUM ('RECEIVED', 'STARTED', 'POSTED', 'SKIPPED', 'FAILED', 'DEAD_LETTERED');

CREATE TABLE "finance"."FinanceEvent" (
    "id" VARCHAR(160) NOT NULL,
    "merchant_id" BIGINT,
    "type" VARCHAR(64),
    "fingerprint" CHAR(64) NOT NULL,
    "envelope" TEXT NOT NULL,
    "topic" VARCHAR(255),
    "kafka_partition" INTEGER,
    "kafka_offset" BIGINT,
    "status" "finance"."FinanceEventStatus" NOT NULL,
    "failure_code" VARCHAR(64),
    "failure_message" VARCHAR(2000),
    "workflow_id" VARCHAR(255),
    "run_id" VARCHAR(64),
    "request_id" VARCHAR(128),
    "finished_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "FinanceEvent_pkey" PRIMARY KEY ("id")
);

-- GET /events: a merchant's events, newest first (the cursor is (created_at, id)).
CREATE INDEX "FinanceEvent_merchant_id_created_at_id_idx" ON "finance"."FinanceEvent"("merchant_id", "created_at" DESC, "id" DESC);

-- redrive: the failed events, by merchant and failure code.
CREATE INDEX "FinanceEvent_status_merchant_id_failure_code_idx" ON "finance"."FinanceEvent"("status", "merchant_id", "failure_code");

-- An event's vouchers (GET /events/:id, trace).
CREATE INDEX "FinanceVoucher_event_id_idx" ON "finance"."FinanceVoucher"("event_id");
