import { type MerchantScope } from '../auth/roles.js';
import { type SealedCredential } from '../lib/credentials.js';
import { Prisma } from './client.js';
import { type Db } from './executor.js';
import { and, findVisible, tenancy, type TenantTable } from './tenancy.js';

/**
 * A merchant's payment integrations. The credential's ciphertext is written
 * here and never read back: no query returns it, only its key id and last
 * four characters.
 */
export interface IntegrationRow {
  id: string;
  merchantId: string;
  provider: string;
  name: string;
  credentialKeyId: string;
  credentialLast4: string;
  settings: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const columns = Prisma.sql`i.id::text AS id, i.merchant_id::text AS "merchantId", i.provider, i.name,
  i.credential_key_id AS "credentialKeyId", i.credential_last4 AS "credentialLast4", i.settings,
  i.created_at AS "createdAt", i.updated_at AS "updatedAt"`;

/** Live integrations the scope may see, by id, after `afterId`; one more than `limit` tells a next page exists. */
export async function listIntegrations(
  db: Db,
  scope: MerchantScope,
  f: { merchantId?: string; provider?: string },
  afterId: string | null,
  limit: number,
): Promise<IntegrationRow[]> {
  const tenant = tenancy(scope, Prisma.sql`i.merchant_id`, f.merchantId);
  if (!tenant) return [];
  return db.query<IntegrationRow>(Prisma.sql`
    SELECT ${columns} FROM finance."PaymentIntegration" i
     WHERE ${and([
       Prisma.sql`i.deleted_at IS NULL`,
       tenant,
       f.provider !== undefined && Prisma.sql`i.provider = ${f.provider}`,
       afterId !== null && Prisma.sql`i.id > ${afterId}::bigint`,
     ])}
     ORDER BY i.id LIMIT ${limit + 1}`);
}

/** One live integration the scope may see, or null (a missing and another tenant's look the same). */
export async function findVisibleIntegration(
  db: Db,
  scope: MerchantScope,
  id: string,
): Promise<IntegrationRow | null> {
  return findVisible<IntegrationRow>(db, scope, INTEGRATIONS, columns, id);
}

const INTEGRATIONS: TenantTable = { table: Prisma.sql`finance."PaymentIntegration"`, alias: 'i' };

export async function insertIntegration(
  db: Db,
  i: {
    id: string;
    merchantId: string;
    provider: string;
    name: string;
    credential: SealedCredential;
    /** Free-form JSON (an object). */
    settings: object;
  },
): Promise<IntegrationRow> {
  const rows = await db.query<IntegrationRow>(Prisma.sql`
    INSERT INTO finance."PaymentIntegration" AS i (id, merchant_id, provider, name, credential_ciphertext,
                                                   credential_key_id, credential_last4, settings, created_at, updated_at)
    VALUES (${i.id}::bigint, ${i.merchantId}::bigint, ${i.provider}, ${i.name}, ${i.credential.ciphertext},
            ${i.credential.keyId}, ${i.credential.last4}, ${JSON.stringify(i.settings)}::jsonb, now(), now())
    RETURNING ${columns}`);
  return rows[0]!;
}

/** Changes what the patch names; null when the integration is gone. */
export async function updateIntegration(
  db: Db,
  id: string,
  patch: { name?: string; settings?: object; credential?: SealedCredential },
): Promise<IntegrationRow | null> {
  const { name, settings, credential } = patch;
  const sets = [
    name !== undefined && Prisma.sql`name = ${name}`,
    settings !== undefined && Prisma.sql`settings = ${JSON.stringify(settings)}::jsonb`,
    credential !== undefined &&
      Prisma.sql`credential_ciphertext = ${credential.ciphertext}, credential_key_id = ${credential.keyId},
                 credential_last4 = ${credential.last4}`,
    Prisma.sql`updated_at = now()`,
  ].filter((s): s is Prisma.Sql => Boolean(s));
  const rows = await db.query<IntegrationRow>(Prisma.sql`
    UPDATE finance."PaymentIntegration" i SET ${Prisma.join(sets, ', ')}
     WHERE i.id = ${id}::bigint AND i.deleted_at IS NULL RETURNING ${columns}`);
  return rows[0] ?? null;
}

/** Soft delete; false when it was already gone. */
export async function softDeleteIntegration(db: Db, id: string): Promise<boolean> {
  const n = await db.execute(Prisma.sql`
    UPDATE finance."PaymentIntegration" SET deleted_at = now(), updated_at = now()
     WHERE id = ${id}::bigint AND deleted_at IS NULL`);
  return n === 1;
}
