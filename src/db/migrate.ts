// Runtime migrator: applies pending prisma/migrations/*/migration.sql files,
// for `RUN_MODE=migrate` and the dev boot. It keeps the migration history
// exactly as `prisma migrate deploy` does (same `_prisma_migrations` table,
// same rows, same advisory lock), so production may use either this or the
// stock Prisma CLI on the same database, in any order. See docs/migrations.md.
//
// Why not the Prisma CLI at runtime: its native engine must be downloaded (not
// possible everywhere), and the Wasm engine's adapter splits scripts on `;`.
// This file is small enough to read in one go instead.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** prisma/migrations, from src/db (tsx) or dist/db (build) alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

/** The datasource `schemas` of prisma/schema.prisma: where our tables live. */
export const MANAGED_SCHEMAS = ['finance'];

/** The advisory lock key every Prisma Migrate command takes (prisma-engines, flavour/postgres). */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export interface ApplyMigrationsOptions {
  databaseUrl: string;
  log?: (msg: string, fields?: object) => void;
  /** Defaults to MIGRATIONS_DIR; tests may point elsewhere. */
  migrationsDir?: string;
  /** How long to wait for another migrator holding the lock (default 60 s). */
  lockTimeoutMs?: number;
}

export interface ApplyMigrationsResult {
  applied: string[];
  alreadyApplied: number;
}

interface MigrationFile {
  name: string;
  script: string;
  checksum: string;
}

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  logs: string | null;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

// The table exactly as the schema engine creates it (created unqualified, so it
// lands in the connection's current schema: `public` unless the URL says
// `?schema=`; the engine does the same).
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Whether a script matches a recorded checksum. Like the engine, a script
 * whose line endings git converted (LF <-> CRLF) still matches.
 */
function matchesChecksum(script: string, checksum: string): boolean {
  return [script, script.replaceAll('\r\n', '\n'), script.replace(/\r?\n/g, '\r\n')].some(
    (variant) => sha256(variant) === checksum,
  );
}

/** Migration directories in the order the CLI applies them (sorted by name). */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  return Promise.all(
    names.map(async (name) => {
      const script = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, script, checksum: sha256(script) };
    }),
  );
}

function connect(databaseUrl: string): pg.Client {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema'); // a Prisma URL parameter, not a pg one
  return new pg.Client({
    connectionString: url.toString(),
    application_name: 'seller-finance-migrate',
    // Like the engine, `?schema=` becomes the search_path (and so the home of `_prisma_migrations`).
    ...(schema ? { options: `-c search_path="${schema.replaceAll('"', '""')}"` } : {}),
  });
}

export async function applyMigrations(opts: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const log = opts.log ?? (() => {});
  const migrations = await readMigrations(opts.migrationsDir);
  const client = connect(opts.databaseUrl);
  await client.connect();
  try {
    // Serialise with other migrators, ours or `prisma migrate`.
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(opts.lockTimeoutMs ?? 60_000))}`);
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    await client.query('RESET lock_timeout');
    try {
      return await applyPending(client, migrations, log);
    } finally {
      // Also released by client.end(); explicit so a broken connection cannot hide the real error.
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}

async function applyPending(
  client: pg.Client,
  migrations: MigrationFile[],
  log: (msg: string, fields?: object) => void,
): Promise<ApplyMigrationsResult> {
  const rows = await readHistory(client);

  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length > 0) {
    const details = failed
      .map(
        (r) =>
          `- ${r.migration_name} (started ${r.started_at.toISOString()})${r.logs ? `:\n${r.logs.trim()}` : ''}`,
      )
      .join('\n');
    throw new Error(
      `Refusing to migrate: a previous migration failed (Prisma P3009).\n${details}\n` +
        'Fix the database by hand, then mark it with `npm run prisma -- migrate resolve --rolled-back <name>` ' +
        '(or --applied <name>) and run the migrations again.',
    );
  }

  const applied = new Map(
    rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]),
  );
  const files = new Set(migrations.map((m) => m.name));
  const edited = migrations.filter(
    (m) => applied.has(m.name) && !matchesChecksum(m.script, applied.get(m.name)!.checksum),
  );
  if (edited.length > 0) {
    throw new Error(
      'Refusing to migrate: applied migration(s) were modified after they were applied: ' +
        `${edited.map((m) => m.name).join(', ')}.\nRestore the original migration.sql and put the change in a new ` +
        'migration (`npm run db:new -- <name>`).',
    );
  }
  const unknown = [...applied.keys()].filter((name) => !files.has(name));
  if (unknown.length > 0) {
    // `prisma migrate deploy` ignores these too: the database is ahead of this build.
    log('database has migrations this build does not know', { migrations: unknown });
  }

  const pending = migrations.filter((m) => !applied.has(m.name));
  const done: string[] = [];
  for (const migration of pending) {
    await applyOne(client, migration);
    log('applied migration', { migration: migration.name });
    done.push(migration.name);
  }
  return { applied: done, alreadyApplied: migrations.length - pending.length };
}

/** Reads `_prisma_migrations`, creating it first on a database that has none. */
async function readHistory(client: pg.Client): Promise<MigrationRow[]> {
  const { rows } = await client.query<{ exists: boolean; schema: string | null }>(
    `SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists, current_schema() AS schema`,
  );
  if (!rows[0]!.exists) {
    // Like the engine: never adopt a database that already has tables but no
    // history (that needs a baseline, see docs/migrations.md).
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema = ANY($1) ORDER BY 1 LIMIT 5`,
      [[...MANAGED_SCHEMAS, rows[0]!.schema ?? 'public']],
    );
    if (tables.length > 0) {
      throw new Error(
        `Refusing to migrate: the database has tables (${tables.map((t) => t.name).join(', ')}) but no ` +
          'migration history (Prisma P3005). Baseline it first: https://pris.ly/d/migrate-baseline',
      );
    }
    if (rows[0]!.schema === null) await client.query('CREATE SCHEMA IF NOT EXISTS public'); // as the engine does
    await client.query(CREATE_MIGRATIONS_TABLE);
  }
  const history = await client.query<MigrationRow>(
    `SELECT id, checksum, migration_name, logs, started_at, finished_at, rolled_back_at
       FROM _prisma_migrations ORDER BY started_at`,
  );
  return history.rows;
}

/**
 * One migration, in one transaction: the history row, the script (sent as ONE
 * simple query, so `$$` bodies and `;` in comments are safe) and its
 * completion commit together. On failure the transaction rolls back and a
 * failed row is recorded, as `prisma migrate deploy` records it, so that the
 * next run stops until someone resolves it.
 */
async function applyOne(client: pg.Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  const startedAt = new Date();
  await client.query('BEGIN');
  try {
    await client.query(
      'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, $3, $4)',
      [id, migration.checksum, startedAt, migration.name],
    );
    await client.query(migration.script);
    await client.query(
      `UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1, finished_at = $2 WHERE id = $1`,
      [id, new Date()],
    );
    await client.query('COMMIT');
  } catch (error) {
    const logs = `Migration \`${migration.name}\` failed: ${(error as Error).message}`;
    // Best effort: if the connection itself broke, the original error matters more.
    await client.query('ROLLBACK').catch(() => {});
    await client
      .query(
        'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, logs) VALUES ($1, $2, $3, $4, $5)',
        [id, migration.checksum, startedAt, migration.name, logs],
      )
      .catch(() => {});
    throw new Error(`${logs}\nNothing of it was applied (it ran in a transaction).`, { cause: error });
  }
}
