import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Authorizer } from '../../src/auth/authorizer.js';
import { isReservedSubject, policyKeys } from '../../src/auth/roles.js';
import { applyMigrations, MIGRATIONS_DIR, readMigrations } from '../../src/db/migrate.js';
import { testPrisma } from '../support/db.js';
import { testEnv, uniqueMerchantId, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { dbOf } from '../../src/db/executor.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NAMESPACING = '20261129120700_namespace_role_subjects';

const urlOf = (database: string) => {
  const url = new URL(testEnv.dbUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('role subjects are a namespace no identity can use', () => {
  const scratch: string[] = [];
  afterAll(async () => {
    for (const name of scratch) await sql(testEnv.dbUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it('reserves role names in any case and the role: prefix, and nothing else', () => {
    for (const sub of ['admin', 'viewer', 'accountant', 'Admin', 'VIEWER', 'role:admin', 'ROLE:x', 'role:'])
      expect(isReservedSubject(sub), sub).toBe(true);
    for (const sub of ['alice', 'admin2', 'administrator', 'my-role:admin', 'auth0|admin'])
      expect(isReservedSubject(sub), sub).toBe(false);
  });

  it('the migration rewrites the role policies and existing grants, and retires grants to role-named users', async () => {
    const name = `sf_roles_${randomBytes(5).toString('hex')}`;
    await sql(testEnv.dbUrl, `CREATE DATABASE "${name}"`);
    scratch.push(name);
    const url = urlOf(name);
    // The database as the release before the namespacing left it, with grants made then.
    const before = mkdtempSync(join(tmpdir(), 'sf-migrations-'));
    try {
      for (const m of await readMigrations())
        if (m.name < NAMESPACING)
          cpSync(join(MIGRATIONS_DIR, m.name), join(before, m.name), { recursive: true });
      await applyMigrations({ databaseUrl: url, migrationsDir: before });
    } finally {
      rmSync(before, { recursive: true, force: true });
    }
    await sql(
      url,
      `INSERT INTO finance."CasbinRule" (ptype, v0, v1, v2) VALUES
         ('g', 'alice', 'viewer', '1001'), ('g', 'bob', 'admin', '*'),
         ('g', 'admin', 'admin', '*'), ('g', 'Viewer', 'viewer', '1001'), ('g', 'role:x', 'accountant', '1001')`,
    );

    await applyMigrations({ databaseUrl: url });

    const rules = await sql<{ ptype: string; v0: string; v1: string; v2: string; live: boolean }>(
      url,
      `SELECT ptype, v0, v1, v2, deleted_at IS NULL AS live FROM finance."CasbinRule" ORDER BY id`,
    );
    expect(rules.filter((r) => r.ptype === 'p').map((r) => [r.v0, r.v1, r.v2, r.live])).toEqual([
      ['role:viewer', '*', '*', true],
      ['role:accountant', '*', '*', true],
      ['role:accountant', '*', 'voucher', true],
      ['role:accountant', '*', 'voucher', true],
      ['role:admin', '*', '*', true],
      // Later migrations seed policies of their own (accounting periods' close and reopen).
      ['role:admin', '*', 'period', true],
      ['role:admin', '*', 'period', true],
    ]);
    expect(rules.filter((r) => r.ptype === 'g').map((r) => [r.v0, r.v1, r.v2, r.live])).toEqual([
      ['alice', 'role:viewer', '1001', true],
      ['bob', 'role:admin', '*', true],
      ['admin', 'role:admin', '*', false],
      ['Viewer', 'role:viewer', '1001', false],
      ['role:x', 'role:accountant', '1001', false],
    ]);
  });

  it('`npm run finance -- grant` refuses a role-named user with exit 2 and writes nothing', async () => {
    const prisma = await testPrisma(2);
    try {
      const merchant = String(Date.now());
      for (const userName of ['admin', 'role:admin', 'Accountant']) {
        const run = spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            'src/cli/main.ts',
            'grant',
            '--user',
            userName,
            '--role',
            'admin',
            '--merchant',
            merchant,
          ],
          {
            cwd: ROOT,
            encoding: 'utf8',
            env: {
              ...process.env,
              APP_ENV_DB_URL: testEnv.dbUrl,
              APP_ENV_REDIS_URL: testEnv.redisUrl,
              APP_ENV_REDIS_KEY_PREFIX: `${uniqueName('sfcli')}:`,
            },
          },
        );
        expect(run.status, run.stdout + run.stderr).toBe(2);
        expect(run.stdout).toMatch(/must not be a role name/);
      }
      expect(await prisma.casbinRule.count({ where: { ptype: 'g', v2: merchant } })).toBe(0);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('a grant written by a pod of the previous release during the rollout takes effect on the new pods', async () => {
    const prisma = await testPrisma(2);
    const redis = new Redis(testEnv.redisUrl);
    const keyPrefix = `${uniqueName('sfroll')}:`;
    const authz = await Authorizer.create({
      db: dbOf(prisma),
      redis,
      keyPrefix,
      logger: capturingLogger('warn').logger,
      policyRecheckMs: 60_000,
    });
    try {
      const [user, merchant] = [uniqueName('rollout-user'), uniqueMerchantId()];
      expect(await authz.can(user, merchant, 'account', 'read')).toBe(false);
      // What the previous release's grant did: a bare role name, and only Redis's counter bumped.
      await prisma.casbinRule.create({ data: { ptype: 'g', v0: user, v1: 'viewer', v2: merchant } });
      const keys = policyKeys(keyPrefix);
      const version = String(await redis.incr(keys.version));
      await redis.publish(keys.channel, JSON.stringify({ version, reason: 'grant' }));
      const deadline = Date.now() + 5_000;
      while (!(await authz.can(user, merchant, 'account', 'read')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(await authz.can(user, merchant, 'account', 'read')).toBe(true);
      expect(await authz.can(user, merchant, 'voucher', 'post')).toBe(false);
    } finally {
      await authz.close();
      redis.disconnect();
      await prisma.$disconnect();
    }
  });
});
