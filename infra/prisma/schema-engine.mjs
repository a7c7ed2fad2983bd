// A drop-in for Prisma's native `schema-engine` binary, built on the same
// engine compiled to WebAssembly (@prisma/schema-engine-wasm) talking to
// PostgreSQL through @prisma/adapter-pg.
//
// Why: the Prisma CLI downloads its native schema engine on first use, and that
// download is not possible everywhere we build (see docs/migrations.md). The
// CLI accepts any executable via PRISMA_SCHEMA_ENGINE_BINARY, so this script
// speaks the engine's protocol and forwards each call to the Wasm engine:
//
//   schema-engine --version                      -> "schema-engine-cli <commit>"
//   schema-engine --datasource J cli <command>   -> can-connect-to-database |
//                                                   create-database | drop-database
//   schema-engine [--datamodels F]... [--datasource J]
//                                                -> JSON-RPC 2.0 over stdio, one
//                                                   message per line
//
// J is the CLI's prisma.config.ts datasource: {"url": ..., "shadowDatabaseUrl": ...}.
// Nothing here may write to stdout except protocol messages.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { PrismaPg } from '@prisma/adapter-pg';

const require = createRequire(import.meta.url);
// `pg` and the error-capturing wrapper the Wasm engine expects around an
// adapter factory, both from the very copies adapter-pg uses (it checks
// `instanceof pg.Pool`, and the "char" patch below must reach its results).
const requireFromAdapter = createRequire(require.resolve('@prisma/adapter-pg'));
const pg = requireFromAdapter('pg');
const { bindMigrationAwareSqlAdapterFactory } = requireFromAdapter('@prisma/driver-adapter-utils');

// PostgreSQL's internal one-byte `"char"` type (OID 18: pg_class.relkind,
// pg_constraint.contype, ...) is read by the engine's schema describer, but
// adapter-pg 7.10 rejects it as an unsupported column type. pg already returns
// its value as a string, so label such columns `text` (OID 25) before the
// adapter looks at them. This patch only lives in this engine process.
const CHAR_OID = 18;
const TEXT_OID = 25;
const addFields = pg.Result.prototype.addFields;
pg.Result.prototype.addFields = function (fieldDescriptions) {
  for (const field of fieldDescriptions) if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
  return addFields.call(this, fieldDescriptions);
};

// ----------------------------------------------------------------- args ---

function parseArgs(argv) {
  const args = { datamodels: [], datasource: {}, cli: null, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--version' || a === '-V') args.version = true;
    else if (a === '--datamodels') args.datamodels.push(argv[++i]);
    else if (a === '--datasource') args.datasource = JSON.parse(argv[++i]);
    // Preview features are read from the schema itself; no extension types in this project.
    else if (a === '--enabled-preview-features' || a === '--extension-types') i++;
    else if (a === 'cli') args.cli = argv[++i];
  }
  return args;
}

// ------------------------------------------------------- connection URLs ---

/**
 * pg settings from a postgresql:// URL, as separate fields: adapter-pg builds
 * its shadow database config as `{ ...config, database }`, and a
 * `connectionString` would silently win over that `database`.
 */
function pgConfig(url) {
  const u = new URL(url);
  const q = u.searchParams;
  const config = {
    host: q.get('host') ?? (decodeURIComponent(u.hostname) || 'localhost'),
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || undefined,
    password: decodeURIComponent(u.password) || undefined,
    database: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
    max: 4,
  };
  const sslmode = q.get('sslmode');
  if (sslmode === 'require') config.ssl = { rejectUnauthorized: false };
  else if (sslmode === 'verify-ca' || sslmode === 'verify-full') config.ssl = true;
  if (q.get('connect_timeout')) config.connectionTimeoutMillis = Number(q.get('connect_timeout')) * 1000;
  // Like the native engine, `?schema=` selects the working schema (where
  // `_prisma_migrations` lives); without it the server's search_path applies.
  return { config, schema: q.get('schema') ?? undefined };
}

const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;

function newPool({ config, schema }) {
  const pool = new pg.Pool(config);
  pool.on('error', () => {}); // an idle client dying must not kill the engine
  if (schema) pool.on('connect', (client) => client.query(`SET search_path = ${quoteIdent(schema)}`));
  return pool;
}

/** Wraps a pool as a Prisma driver adapter that runs scripts whole. */
async function adapterFor(target, release) {
  const pool = newPool(target);
  const adapter = await new PrismaPg(pool, { schema: target.schema }).connect();
  // adapter-pg's executeScript splits on `;`, which breaks `$$` function
  // bodies, DO blocks and comments containing `;`. Send the script as ONE
  // simple-protocol query instead, as the native engine does (PostgreSQL runs
  // a multi-statement simple query in one implicit transaction).
  adapter.executeScript = async (script) => {
    try {
      await pool.query(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  adapter.dispose = async () => {
    await pool.end();
    await release?.();
  };
  return adapter;
}

// A fixed advisory-lock key for "someone is using this shadow database", so
// two concurrent `migrate diff`/`migrate dev` runs do not reset it under each
// other. (Prisma's own migration lock is 72707369; this is a different key.)
const SHADOW_LOCK_KEY = 72707370;

// Drop every user schema and recreate an empty `public`: the shadow database
// must start empty before the migrations are replayed into it.
const RESET_SHADOW_SQL = `
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  CREATE SCHEMA public;
END $$;`;

/**
 * The driver-adapter factory handed to the Wasm engine: `connect()` for the
 * main database, `connectToShadowDb()` for the shadow database used to replay
 * migrations (migrate dev, migrate diff --from-migrations, drift checks).
 */
function adapterFactory(datasource) {
  if (!datasource.url) throw new Error('No datasource url: set it in prisma.config.ts (APP_ENV_DB_URL).');
  const main = pgConfig(datasource.url);
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => adapterFor(main),
    async connectToShadowDb() {
      if (datasource.shadowDatabaseUrl) {
        // The configured shadow database: lock it, empty it, use it.
        const shadow = pgConfig(datasource.shadowDatabaseUrl);
        const same = ['host', 'port', 'database'].every((k) => shadow.config[k] === main.config[k]);
        if (same)
          throw new Error('The shadow database URL points at the main database; configure another database.');
        const lock = new pg.Client(shadow.config);
        await lock.connect();
        await lock.query('SELECT pg_advisory_lock($1)', [SHADOW_LOCK_KEY]);
        await lock.query(RESET_SHADOW_SQL);
        return adapterFor(shadow, () => lock.end()); // ending the session releases the lock
      }
      // No shadow database configured: a throwaway one on the main server (as
      // adapter-pg does), dropped only AFTER its pool is closed.
      const database = `prisma_migrate_shadow_db_${randomUUID()}`;
      const admin = new pg.Client(main.config);
      await admin.connect();
      await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
      return adapterFor({ ...main, config: { ...main.config, database } }, async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
        await admin.end();
      });
    },
  };
}

// ------------------------------------------------------------ Wasm engine ---

let lastPanic = null;
// The Wasm engine reports the message of a Rust panic through this global.
globalThis.PRISMA_WASM_PANIC_REGISTRY = { set_message: (message) => (lastPanic = message) };

async function loadWasmEngine() {
  // Instantiated by hand: the package's entry uses a `.wasm` ESM import that
  // Node only supports behind --experimental-wasm-modules.
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glue = await import(gluePath);
  const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
  return glue;
}

// Engine log lines go to stderr as JSON, which the CLI reads for its error messages.
function log(level, message, extra = {}) {
  process.stderr.write(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      fields: { message, ...extra },
      target: 'schema_engine::logger',
    }) + '\n',
  );
}

// ---------------------------------------------------------------- errors ---

/** Known Prisma error codes for connection failures (pg error -> Pnnnn). */
function connectionError(error, url) {
  const u = new URL(url);
  const where = `${u.hostname}:${u.port || 5432}`;
  const database = decodeURIComponent(u.pathname.slice(1));
  switch (error.code) {
    case '3D000':
      return {
        error_code: 'P1003',
        message: `Database \`${database}\` does not exist on the database server at \`${where}\`.`,
      };
    case '28P01':
    case '28000':
      return {
        error_code: 'P1000',
        message: `Authentication failed against database server at \`${where}\`, the provided database credentials for \`${decodeURIComponent(u.username)}\` are not valid.`,
      };
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
      return {
        error_code: 'P1001',
        message: `Can't reach database server at \`${where}\`\n\nPlease make sure your database server is running at \`${where}\`.`,
      };
    default:
      return { error_code: undefined, message: String(error.message ?? error) };
  }
}

// Errors raised inside our adapters reach the engine only as "External error
// id#N"; the original is kept in the bound factory's registry.
let errorRegistry = null;
const explainExternal = (message) =>
  message.replace(/External error id#(\d+)/g, (text, id) => {
    const original = errorRegistry?.consumeError(Number(id))?.error;
    return original ? `${text}: ${original.message ?? original.kind ?? JSON.stringify(original)}` : text;
  });

/** Turns whatever the Wasm engine threw into the JSON-RPC error the CLI expects. */
function rpcError(thrown) {
  if (lastPanic !== null || thrown instanceof WebAssembly.RuntimeError) {
    const message = lastPanic ?? String(thrown);
    return {
      code: 4466,
      message: 'An error happened. Check the data field for details.',
      data: { is_panic: true, message, error: { message } },
    };
  }
  // User-facing engine errors arrive as `Error`s carrying the Prisma code (P3005, ...) in `.code`.
  const data = typeof thrown === 'object' && thrown !== null ? thrown : {};
  const message = explainExternal(String(data.message ?? thrown));
  const errorCode = typeof data.code === 'string' && /^P\d{4}$/.test(data.code) ? data.code : undefined;
  return {
    code: 4466,
    message: 'An error happened. Check the data field for details.',
    data: { is_panic: false, message, meta: data.meta ?? null, error_code: errorCode },
  };
}

// --------------------------------------------------------- `cli` commands ---

async function withAdminClient(url, fn) {
  // CREATE/DROP DATABASE must run from another database on the same server.
  const { config } = pgConfig(url);
  for (const database of ['postgres', 'template1']) {
    const client = new pg.Client({ ...config, database });
    try {
      await client.connect();
    } catch (error) {
      if (error.code === '3D000') continue;
      throw error;
    }
    try {
      return await fn(client, config.database);
    } finally {
      await client.end();
    }
  }
  throw new Error('Could not connect to a default database (`postgres` or `template1`).');
}

async function createDatabase(url) {
  await withAdminClient(url, (client, name) => client.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const target = pgConfig(url);
  if (target.schema) {
    const client = new pg.Client(target.config);
    await client.connect();
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`);
    await client.end();
  }
  return { databaseName: target.config.database };
}

async function runCliCommand(command, datasource) {
  const url = datasource.url;
  // The CLI skips the first stderr line and parses every later line as JSON.
  log('INFO', `Starting schema engine CLI command ${command}`);
  try {
    if (command === 'can-connect-to-database') {
      const client = new pg.Client(pgConfig(url).config);
      await client.connect();
      await client.end();
    } else if (command === 'create-database') {
      const { databaseName } = await createDatabase(url);
      process.stdout.write(`Database '${databaseName}' was successfully created.\n`);
    } else if (command === 'drop-database') {
      await withAdminClient(url, (client, name) => client.query(`DROP DATABASE ${quoteIdent(name)}`));
      process.stdout.write('The database was successfully dropped.\n');
    } else {
      throw new Error(`Unknown cli command: ${command}`);
    }
    return 0;
  } catch (error) {
    log('ERROR', connectionError(error, url).message, { error_code: connectionError(error, url).error_code });
    return 1;
  }
}

// -------------------------------------------------------------- JSON-RPC ---

async function serve(args) {
  const datamodels = await Promise.all(
    args.datamodels.map(async (path) => [path, await readFile(path, 'utf8')]),
  );
  const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');

  // Requests from this engine to the CLI (only `print`), awaiting its reply.
  let nextOwnId = 1_000_000;
  const pendingToCli = new Map();
  const askCli = (method, params) =>
    new Promise((resolve) => {
      const id = nextOwnId++;
      pendingToCli.set(id, resolve);
      send({ jsonrpc: '2.0', id, method, params });
    });

  let enginePromise;
  const engine = () =>
    (enginePromise ??= (async () => {
      const wasm = await loadWasmEngine();
      const factory = bindMigrationAwareSqlAdapterFactory(adapterFactory(args.datasource));
      errorRegistry = factory.errorRegistry;
      const instance = await wasm.SchemaEngine.new(
        { datamodels: datamodels.length ? datamodels : undefined },
        (line) => process.stderr.write(line + '\n'),
        factory,
      );
      // The native engine enables the schema's preview features (here:
      // partialIndexes) on its connector at start; the Wasm constructor does
      // not, so databases would be described WITHOUT partial indexes and
      // `migrate dev` would re-create them in every new migration. The one
      // Wasm call that sets them from a schema is a diff from the datasource:
      // run it once, result discarded.
      if (datamodels.length) {
        await instance.diff({
          from: {
            tag: 'schemaDatasource',
            files: datamodels.map(([path, content]) => ({ path, content })),
            configDir: process.cwd(),
          },
          to: { tag: 'empty' },
          script: false,
          exitCode: null,
          filters: { externalTables: [], externalEnums: [] },
        });
      }
      return instance;
    })());

  const warmMigrationSchemaCache = async ({ migrationsList, filters }) => {
    // Errors are left for the real call to report.
    await (await engine()).devDiagnostic({ migrationsList, filters }).catch(() => {});
  };

  const handlers = {
    // Deprecated in the protocol; the CLI still calls it for its error reports.
    getDatabaseVersion: async () => (await engine()).version(),
    createDatabase: (params) => createDatabase(params?.datasource?.url ?? args.datasource.url),
    // `migrate diff` prints through the CLI: the native engine sends the
    // output as a `print` request, the Wasm engine returns it instead.
    diff: async (params) => {
      const result = await (await engine()).diff(params);
      if (result.stdout != null) await askCli('print', { content: result.stdout });
      return { exitCode: result.exitCode, stdout: null };
    },
    // The Wasm engine computes "the schema the migrations produce" (which needs
    // the shadow database) only in devDiagnostic/diagnose/diff, and caches it;
    // evaluateDataLoss and createMigration can only read that cache. In
    // `migrate dev` the CLI applies pending migrations between devDiagnostic and
    // these calls, so the cached entry is for the wrong list: refresh it first.
    evaluateDataLoss: async (params) => {
      await warmMigrationSchemaCache(params);
      return (await engine()).evaluateDataLoss(params);
    },
    createMigration: async (params) => {
      await warmMigrationSchemaCache(params);
      return (await engine()).createMigration(params);
    },
    // Run the script as one simple query (a `db execute` file may hold `$$` bodies).
    dbExecute: async (params) => {
      const url = params.datasourceType?.url ?? args.datasource.url;
      const pool = newPool(pgConfig(url));
      try {
        await pool.query(params.script);
      } finally {
        await pool.end();
      }
      return {};
    },
  };
  const forwarded = [
    'applyMigrations',
    'devDiagnostic',
    'diagnoseMigrationHistory',
    'ensureConnectionValidity',
    'introspect',
    'introspectSql',
    'markMigrationApplied',
    'markMigrationRolledBack',
    'reset',
    'schemaPush',
    'debugPanic',
  ];

  async function handle(request) {
    const { id, method, params } = request;
    try {
      let result;
      if (handlers[method]) result = await handlers[method](params);
      else if (forwarded.includes(method)) result = await (await engine())[method](params ?? {});
      else throw { message: `Method not supported by the Wasm schema engine shim: ${method}` };
      send({ jsonrpc: '2.0', id, result: result ?? {} });
    } catch (thrown) {
      const error = rpcError(thrown);
      log('ERROR', error.data.message, error.data.error_code ? { error_code: error.data.error_code } : {});
      send({ jsonrpc: '2.0', id, error });
      if (error.data.is_panic) process.exit(101); // the Wasm instance is unusable after a panic
    }
  }

  // The Wasm engine takes `&mut self`: calls must not overlap, so run them in order.
  let queue = Promise.resolve();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    const message = JSON.parse(line);
    if (message.method === undefined) {
      // A reply from the CLI to one of our own requests.
      pendingToCli.get(message.id)?.(message.result);
      pendingToCli.delete(message.id);
      return;
    }
    queue = queue.then(() => handle(message));
  });
  // The CLI ends stdin to stop the engine: finish the work in hand, then exit
  // (open pools would otherwise keep the process alive).
  lines.on('close', () => queue.then(() => process.exit(0)));
}

// ------------------------------------------------------------------ main ---

const args = parseArgs(process.argv.slice(2));
if (args.version) {
  const { version } = await loadWasmEngine();
  process.stdout.write(`schema-engine-cli ${version()}\n`);
} else if (args.cli) {
  process.exitCode = await runCliCommand(args.cli, args.datasource);
} else {
  await serve(args);
}
