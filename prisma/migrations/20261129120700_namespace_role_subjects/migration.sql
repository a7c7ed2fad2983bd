-- Role subjects move under the reserved prefix "role:" (src/auth/roles.ts). Casbin's role
-- manager treats a user named like a role subject as that role, so with bare names a token
-- whose sub was "admin" held the admin role on every merchant without any grant.

-- Role policies: p, <role>, <domain>, <object>, <action>  →  p, role:<role>, …
UPDATE "finance"."CasbinRule"
SET "v0" = 'role:' || "v0", "updated_at" = CURRENT_TIMESTAMP
WHERE "ptype" = 'p' AND "v0" IN ('viewer', 'accountant', 'admin');

-- Grants: g, <user>, <role>, <merchant>  →  g, <user>, role:<role>, <merchant>
UPDATE "finance"."CasbinRule"
SET "v1" = 'role:' || "v1", "updated_at" = CURRENT_TIMESTAMP
WHERE "ptype" = 'g' AND "v1" IN ('viewer', 'accountant', 'admin');

-- A grant TO an identity named like a role (or under the prefix) can no longer be used, as such
-- tokens are refused: soft-deleted (kept for the audit trail) rather than left looking live.
UPDATE "finance"."CasbinRule"
SET "deleted_at" = CURRENT_TIMESTAMP, "updated_at" = CURRENT_TIMESTAMP
WHERE "ptype" = 'g' AND "deleted_at" IS NULL
  AND (lower("v0") IN ('viewer', 'accountant', 'admin') OR lower("v0") LIKE 'role:%');
