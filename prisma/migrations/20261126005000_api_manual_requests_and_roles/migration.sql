-- CreateTable
CREATE TABLE "finance"."ManualVoucherRequest" (
    "merchant_id" BIGINT NOT NULL,
    "idempotency_key" VARCHAR(128) NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "workflow_id" VARCHAR(255) NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "ManualVoucherRequest_pkey" PRIMARY KEY ("merchant_id","idempotency_key")
);

-- The role policies of SPEC §8 (contract): p, <role>, <merchant domain>, <object>, <action>.
-- Grants (g, <user>, <role>, <merchant>) are added by POST /admin/grants and `npm run finance -- grant`.
INSERT INTO "finance"."CasbinRule" ("ptype", "v0", "v1", "v2", "v3") VALUES
    ('p', 'viewer', '*', '*', 'read'),
    ('p', 'accountant', '*', '*', 'read'),
    ('p', 'accountant', '*', 'voucher', 'post'),
    ('p', 'accountant', '*', 'voucher', 'void'),
    ('p', 'admin', '*', '*', '*');
