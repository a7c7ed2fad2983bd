// The migrations themselves, our runtime migrator, and its interchangeability
// with the stock Prisma CLI (driven through the Wasm engine shim), all against
// real PostgreSQL. Each test works in its own scratch database.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDrift } from '../../src/db/check-drift.js';
import {
  applyMigrations,
  MANAGED_SCHEMAS,
  MIGRATIONS_DIR,
  PRISMA_MIGRATE_LOCK_KEY,
  readMigrations,
} from '../../src/db/migrate.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/db.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASE_URL =
  process.env.APP_ENV_DB_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/seller_finance_test';
const PRISMA_CLI = createRequire(import.meta.url).resolve('prisma/build/index.js');

const LIVE_UNIQUE_INDEXES = [
  'FinanceAccount_merchant_id_code_live_key',
  'FinanceTransaction_account_id_posting_sequence_live_key',
  'FinanceVoucher_merchant_id_voucher_number_live_key',
];

const urlOf = (database: string) => {
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
};

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const scratch: ScratchDatabase[] = [];
async function scratchDatabase(): Promise<string> {
  const db = await createScratchDatabase('sf_migrate');
  scratch.push(db);
  return db.url;
}
afterAll(async () => {
  for (const db of scratch) await db.drop();
});

/** The stock Prisma CLI, with our Wasm engine shim, against `databaseUrl`. */
function prisma(databaseUrl: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [PRISMA_CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      APP_ENV_DB_URL: databaseUrl,
      PRISMA_SCHEMA_ENGINE_BINARY: 'infra/prisma/schema-engine',
    },
  });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

/** Every model's table, from the `@@map("...")` lines of schema.prisma (all in schema `finance`). */
const modelTables = () =>
  [...readFileSync(join(ROOT, 'prisma/schema.prisma'), 'utf8').matchAll(/@@map\("([^"]+)"\)/g)]
    .map((m) => m[1])
    .sort();

const fileSha256 = (name: string) =>
  createHash('sha256')
    .update(readFileSync(join(MIGRATIONS_DIR, name, 'migration.sql')))
    .digest('hex');

describe('prisma/migrations', () => {
  it('is non-empty, and MANAGED_SCHEMAS matches schema.prisma', async () => {
    expect((await readMigrations()).length).toBeGreaterThan(0);
    const schema = readFileSync(join(ROOT, 'prisma/schema.prisma'), 'utf8');
    expect(schema).toMatch(
      new RegExp(`schemas\\s*=\\s*\\[${MANAGED_SCHEMAS.map((s) => `"${s}"`).join(',\\s*')}\\]`),
    );
  });

  it('applies on a fresh database, re-runs as a no-op, and the Prisma CLI agrees', async () => {
    const url = await scratchDatabase();
    const names = (await readMigrations()).map((m) => m.name);

    expect(await applyMigrations({ databaseUrl: url })).toEqual({ applied: names, alreadyApplied: 0 });

    await withClient(url, async (c) => {
      const tables = await c.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'finance'`,
      );
      expect(tables.rows.map((r) => r.table_name).sort()).toEqual(modelTables());
      const indexes = await c.query(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'finance' AND indexname = ANY($1) ORDER BY 1`,
        [LIVE_UNIQUE_INDEXES],
      );
      expect(indexes.rows.map((r) => r.indexname)).toEqual(LIVE_UNIQUE_INDEXES);
      for (const { indexdef } of indexes.rows)
        expect(indexdef).toMatch(/^CREATE UNIQUE INDEX .* WHERE \(deleted_at IS NULL\)$/);

      // Where and how `prisma migrate deploy` keeps its history.
      const history = await c.query(
        `SELECT m.*, to_regclass('public._prisma_migrations') IS NOT NULL AS in_public FROM _prisma_migrations m ORDER BY started_at`,
      );
      expect(history.rows.map((r) => r.migration_name)).toEqual(names);
      for (const row of history.rows) {
        expect(row).toMatchObject({
          checksum: fileSha256(row.migration_name),
          logs: null,
          rolled_back_at: null,
          applied_steps_count: 1,
          in_public: true,
        });
        expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      }
    });

    expect(await applyMigrations({ databaseUrl: url })).toEqual({
      applied: [],
      alreadyApplied: names.length,
    });

    const status = prisma(url, 'migrate', 'status');
    expect(status.output).toContain('Database schema is up to date!');
    expect(status.status).toBe(0);
    const deploy = prisma(url, 'migrate', 'deploy');
    expect(deploy.output).toContain('No pending migrations to apply.');
    expect(deploy.status).toBe(0);
  }, 60_000);

  it('accepts a database migrated by `prisma migrate deploy`', async () => {
    const url = await scratchDatabase();
    const deploy = prisma(url, 'migrate', 'deploy');
    expect(deploy.output).toContain('All migrations have been successfully applied.');
    const count = (await readMigrations()).length;
    expect(await applyMigrations({ databaseUrl: url })).toEqual({ applied: [], alreadyApplied: count });
  }, 60_000);

  it('runs a script as one statement batch ($$ bodies, `;` in comments) inside one transaction', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      mkdirSync(join(dir, '99990101000000_plpgsql'));
      writeFileSync(
        join(dir, '99990101000000_plpgsql', 'migration.sql'),
        `-- a comment; with a semicolon\nCREATE FUNCTION finance.sf_probe() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1; -- inner;\nEND;\n$$;\n`,
      );
      mkdirSync(join(dir, '99990102000000_broken'));
      writeFileSync(
        join(dir, '99990102000000_broken', 'migration.sql'),
        'CREATE TABLE finance.sf_half (id int);\nSELECT 1/0;\n',
      );

      const url = await scratchDatabase();
      await expect(applyMigrations({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
        /99990102000000_broken.*division by zero/,
      );
      await withClient(url, async (c) => {
        expect((await c.query('SELECT finance.sf_probe() AS v')).rows[0].v).toBe(1);
        expect((await c.query(`SELECT to_regclass('finance.sf_half') AS t`)).rows[0].t).toBeNull(); // rolled back
        const failed = await c.query(
          `SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '99990102000000_broken'`,
        );
        expect(failed.rows).toEqual([
          { finished_at: null, logs: expect.stringContaining('division by zero') },
        ]);
      });
      // Like `prisma migrate deploy` (P3009): nothing more until someone resolves it.
      await expect(applyMigrations({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
        /previous migration failed/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses an edited migration and waits for the Prisma Migrate lock', async () => {
    const url = await scratchDatabase();
    await applyMigrations({ databaseUrl: url });
    await withClient(url, async (c) => {
      await c.query(
        `UPDATE _prisma_migrations SET checksum = repeat('0', 64) WHERE started_at = (SELECT min(started_at) FROM _prisma_migrations)`,
      );
      await expect(applyMigrations({ databaseUrl: url })).rejects.toThrow(/modified after they were applied/);

      await c.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
      await expect(applyMigrations({ databaseUrl: url, lockTimeoutMs: 300 })).rejects.toThrow(/lock timeout/);
    });
  }, 60_000);
});

/** Talks JSON-RPC to the engine shim directly, as the CLI does. */
function engineSession(databaseUrl: string) {
  const shadowDatabaseUrl = process.env.APP_ENV_SHADOW_DB_URL ?? urlOf('seller_finance_shadow');
  const child = spawn(
    join(ROOT, 'infra/prisma/schema-engine'),
    [
      '--datamodels',
      'prisma/schema.prisma',
      '--datasource',
      JSON.stringify({ url: databaseUrl, shadowDatabaseUrl }),
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'ignore'] },
  );
  const pending = new Map<number, (reply: { result?: unknown; error?: unknown }) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const reply = JSON.parse(line);
    pending.get(reply.id)?.(reply);
  });
  let id = 0;
  return {
    call: (method: string, params: object) =>
      new Promise<{ result?: unknown; error?: unknown }>((resolve) => {
        pending.set(++id, resolve);
        child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
      }),
    close: () => child.stdin.end(),
  };
}

describe('schema engine shim (infra/prisma/schema-engine)', () => {
  it('sees the partial indexes: `migrate dev` on an up-to-date database creates an empty migration', async () => {
    const url = await scratchDatabase();
    await applyMigrations({ databaseUrl: url });
    const migrationsList = {
      baseDir: MIGRATIONS_DIR,
      lockfile: {
        path: 'migration_lock.toml',
        content: readFileSync(join(MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8'),
      },
      shadowDbInitScript: '',
      migrationDirectories: (await readMigrations()).map((m) => ({
        path: m.name,
        migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.script } },
      })),
    };
    const schema = {
      files: [
        { path: 'prisma/schema.prisma', content: readFileSync(join(ROOT, 'prisma/schema.prisma'), 'utf8') },
      ],
    };
    const filters = { externalTables: [], externalEnums: [] };
    const engine = engineSession(url);
    try {
      // The calls and order of `prisma migrate dev --create-only`.
      expect(await engine.call('devDiagnostic', { migrationsList, filters })).toEqual({
        jsonrpc: '2.0',
        id: 1,
        result: { action: { tag: 'createMigration' } },
      });
      const draft = await engine.call('createMigration', {
        migrationsList,
        schema,
        filters,
        draft: true,
        migrationName: 'probe',
      });
      expect(draft.result).toMatchObject({ migrationScript: '-- This is an empty migration.' });
    } finally {
      engine.close();
    }
  }, 60_000);
});

describe('drift check (npm run db:check)', () => {
  it('finds schema.prisma and prisma/migrations in agreement', () => {
    expect(checkDrift()).toBe(0);
  }, 60_000);
});
