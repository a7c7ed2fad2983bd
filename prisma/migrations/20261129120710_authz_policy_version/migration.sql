-- CreateTable
CREATE TABLE "finance"."AuthzPolicyVersion" (
    "id" SMALLINT NOT NULL,
    "version" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "AuthzPolicyVersion_pkey" PRIMARY KEY ("id")
);

-- The one row. It starts at the clock in milliseconds, far above the counter Redis kept
-- before PostgreSQL held the version, so Redis's copy only ever moves forward.
INSERT INTO "finance"."AuthzPolicyVersion" ("id", "version")
VALUES (1, (extract(epoch from clock_timestamp()) * 1000)::bigint);
