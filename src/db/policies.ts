import { Prisma } from './client.js';
import { type Db } from './executor.js';

/**
 * Authorization policies: Casbin rules (`finance."CasbinRule"`: `p` role
 * policies seeded by migrations, `g` grants `user, role subject, merchant`)
 * and the policy version (`finance."AuthzPolicyVersion"`, one row) bumped in
 * the transaction of every rule change. Rules are soft-deleted: the audit
 * trail keeps what was revoked.
 */
export interface GrantRule {
  user: string;
  roleSubject: string;
  merchant: string;
}

/** Every live rule in id order, as Casbin's values (v0 … v5, trailing empty ones dropped). */
export async function loadPolicyRules(db: Db): Promise<{ ptype: string; values: string[] }[]> {
  const rows = await db.query<{ ptype: string; values: (string | null)[] }>(Prisma.sql`
    SELECT ptype, ARRAY[v0, v1, v2, v3, v4, v5] AS values
      FROM finance."CasbinRule" WHERE deleted_at IS NULL ORDER BY id`);
  return rows.map(({ ptype, values }) => {
    const last = values.findLastIndex((v) => v !== null && v !== '');
    return { ptype, values: values.slice(0, last + 1).map((v) => v ?? '') };
  });
}

/** Serializes grant changes for the rest of the transaction, so two concurrent grants insert one row. */
export async function lockGrantChanges(tx: Db): Promise<void> {
  await tx.query(Prisma.sql`SELECT pg_advisory_xact_lock(${GRANT_LOCK}::bigint)`);
}
const GRANT_LOCK = 0x6772616e; // "gran"

/** Inserts the grant unless it is live already (call under lockGrantChanges); true when it inserted. */
export async function insertGrant(tx: Db, g: GrantRule): Promise<boolean> {
  const n = await tx.execute(Prisma.sql`
    INSERT INTO finance."CasbinRule" (ptype, v0, v1, v2, created_at, updated_at)
    SELECT 'g', ${g.user}, ${g.roleSubject}, ${g.merchant}, now(), now()
     WHERE NOT EXISTS (SELECT 1 FROM finance."CasbinRule"
                        WHERE ptype = 'g' AND v0 = ${g.user} AND v1 = ${g.roleSubject} AND v2 = ${g.merchant}
                          AND deleted_at IS NULL)`);
  return n === 1;
}

/** Soft-deletes the user's live grants of any of these role subjects on the merchant; returns how many. */
export async function softDeleteGrants(
  tx: Db,
  g: { user: string; roleSubjects: string[]; merchant: string },
): Promise<number> {
  return tx.execute(Prisma.sql`
    UPDATE finance."CasbinRule" SET deleted_at = now(), updated_at = now()
     WHERE ptype = 'g' AND v0 = ${g.user} AND v1 = ANY(${g.roleSubjects}::text[]) AND v2 = ${g.merchant}
       AND deleted_at IS NULL`);
}

/** Live grants in id order, optionally of one user or on one merchant. */
export async function listGrantRules(
  db: Db,
  f: { user?: string; merchant?: string; afterId?: string; limit?: number },
): Promise<(GrantRule & { id: string; createdAt: Date })[]> {
  const user = f.user || null;
  const merchant = f.merchant || null;
  const afterId = f.afterId || null;
  return db.query(Prisma.sql`
    SELECT id::text AS id, coalesce(v0, '') AS "user", coalesce(v1, '') AS "roleSubject", coalesce(v2, '') AS merchant,
           created_at AS "createdAt"
      FROM finance."CasbinRule"
     WHERE ptype = 'g' AND deleted_at IS NULL
       AND (${user}::text IS NULL OR v0 = ${user}::text)
       AND (${merchant}::text IS NULL OR v2 = ${merchant}::text)
       AND (${afterId}::bigint IS NULL OR id > ${afterId}::bigint)
     ORDER BY id LIMIT ${f.limit ?? 1000}`);
}

/** Bumps the version inside the caller's transaction (row lock until commit) and returns the new one. */
export async function bumpPolicyVersion(tx: Db): Promise<string> {
  // The first version is the migration's clock in ms, above any counter Redis kept before PostgreSQL held it.
  const [row] = await tx.query<{ version: string }>(Prisma.sql`
    INSERT INTO finance."AuthzPolicyVersion" (id, version)
    VALUES (1, (extract(epoch from clock_timestamp()) * 1000)::bigint)
    ON CONFLICT (id) DO UPDATE SET version = "AuthzPolicyVersion".version + 1, updated_at = now()
    RETURNING version::text AS version`);
  return row!.version;
}

export async function readPolicyVersion(db: Db): Promise<string> {
  const [row] = await db.query<{ version: string }>(Prisma.sql`
    SELECT version::text AS version FROM finance."AuthzPolicyVersion" WHERE id = 1`);
  return row?.version ?? '0';
}
