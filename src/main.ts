import { ConfigError, loadConfig, type Role } from './config/index.js';
import { applyMigrations } from './db/migrate.js';
import { createLogger } from './lib/logger.js';
import { startOpsServer } from './roles/ops-server.js';
import { type ReadinessChecks, type RoleContext, type RunningRole } from './roles/types.js';

/**
 * Entry point of every deployment: RUN_MODE picks the roles (docs/reference/commands.md).
 * `all` runs api + worker + ingest in one process (dev); `migrate` applies
 * the database migrations and exits (the pre-rollout job).
 */
async function main(): Promise<void> {
  const cliMode = process.argv.includes('--run-mode')
    ? process.argv[process.argv.indexOf('--run-mode') + 1]
    : undefined;
  let config;
  try {
    config = loadConfig(process.env, cliMode);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  const ctx: RoleContext = { config, logger };

  if (config.runMode === 'migrate' || config.nodeEnv === 'development') {
    const result = await applyMigrations({
      databaseUrl: config.db!.url,
      log: (msg, fields) => logger.info(fields ?? {}, msg),
    });
    logger.info(
      { applied: result.applied, alreadyApplied: result.alreadyApplied },
      'database migrations up to date',
    );
    if (config.runMode === 'migrate') return;
  }

  const running: RunningRole[] = [];
  let stopping = false;
  const stopAll = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down: stop taking work, finish in-flight work, close clients');
    const timer = setTimeout(() => {
      logger.error('graceful shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    timer.unref();
    // Stop in reverse start order: ingest stops feeding work before the worker drains it.
    for (const role of [...running].reverse()) {
      try {
        await role.stop();
        logger.info({ role: role.name }, 'role stopped');
      } catch (err) {
        logger.error({ err, role: role.name }, 'role failed to stop cleanly');
        exitCode = 1;
      }
    }
    process.exit(exitCode);
  };
  process.once('SIGTERM', () => void stopAll('SIGTERM', 0));
  process.once('SIGINT', () => void stopAll('SIGINT', 0));

  try {
    for (const role of config.roles) {
      const started = await startRole(role, ctx);
      running.push(started);
      started.done?.then(
        () => !stopping && void stopAll(`${role} ended`, 1),
        (err: unknown) => {
          logger.error({ err, role }, 'role crashed');
          void stopAll(`${role} crashed`, 1);
        },
      );
    }
    if (!config.roles.includes('api')) {
      // Worker/ingest containers still answer probes and scrapes on PORT.
      const checks = Object.assign({}, ...running.map((r) => prefixed(r.name, r.checks ?? {})));
      const ops = await startOpsServer({ ...config.listen, logger, checks });
      running.unshift({ name: 'ops-server', stop: ops.close });
      logger.info({ url: ops.url }, 'health, readiness and metrics listening');
    }
  } catch (err) {
    logger.error({ err }, 'failed to start');
    await stopAll('startup failure', 1);
  }
  logger.info({ runMode: config.runMode, roles: config.roles }, 'seller-finance ready');
}

function prefixed(role: string, checks: ReadinessChecks): ReadinessChecks {
  return Object.fromEntries(Object.entries(checks).map(([name, check]) => [`${role}.${name}`, check]));
}

async function startRole(role: Role, ctx: RoleContext): Promise<RunningRole> {
  switch (role) {
    case 'worker':
      return (await import('./roles/worker.js')).startWorker(ctx);
    case 'ingest':
      return (await import('./roles/ingest.js')).startIngest(ctx);
    case 'api':
      return (await import('./roles/api.js')).startApi(ctx);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
