// `npm run db:check`: fails when prisma/schema.prisma and prisma/migrations
// describe different databases, i.e. someone changed the schema without
// creating a migration (or edited a migration by hand).
//
// It asks the real Prisma engine: the migrations are replayed into the shadow
// database (prisma.config.ts: APP_ENV_SHADOW_DB_URL, emptied first) and the
// result is compared with schema.prisma. The engine is our Wasm shim unless
// PRISMA_SCHEMA_ENGINE_BINARY already names another (e.g. the native binary).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PRISMA_CLI = createRequire(import.meta.url).resolve('prisma/build/index.js');
const ENGINE = fileURLToPath(new URL('../../infra/prisma/schema-engine', import.meta.url));

function migrateDiff(...extra: string[]) {
  const args = [
    'migrate',
    'diff',
    '--from-migrations',
    'prisma/migrations',
    '--to-schema',
    'prisma/schema.prisma',
  ];
  return spawnSync(process.execPath, [PRISMA_CLI, ...args, ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || ENGINE },
  });
}

/** 0: they agree; 2: they differ (and the diff is printed); anything else: the check itself failed. */
export function checkDrift(): number {
  // --exit-code: 0 when there is no difference, 2 when there is one.
  const summary = migrateDiff('--exit-code');
  if (summary.status === 0) {
    console.log('schema.prisma and prisma/migrations agree');
    return 0;
  }
  if (summary.status === 2) {
    const script = migrateDiff('--script');
    console.error(
      [
        'schema.prisma and prisma/migrations DISAGREE. Applying every migration, then this, would give schema.prisma:',
        summary.stdout.trim(),
        '',
        'As SQL:',
        (script.stdout || script.stderr).trim(),
        '',
        'If the schema change is intended, create the migration: npm run db:new -- <name>',
      ].join('\n'),
    );
    return 2;
  }
  console.error(`The drift check could not run (prisma exited with ${summary.status ?? summary.signal}):`);
  console.error([summary.stdout, summary.stderr, summary.error?.message].filter(Boolean).join('\n').trim());
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = checkDrift();
}
