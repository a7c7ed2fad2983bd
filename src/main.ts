import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig, type Role } from './config/index.js';
import { applyMigrations } from './db/migrate.js';
import { createLogger, type Logger } from './lib/logger.js';
import { failureName, Readiness } from './lib/readiness.js';
import { databaseAnswers } from './roles/boot-probes.js';
import { type OpsServer, startOpsServer } from './roles/ops-server.js';
import { retryDelayMs, superviseRole, type SupervisedRole } from './roles/supervisor.js';
import { type RoleContext, type RoleDefinition } from './roles/types.js';

/**
 * Entry point of every deployment: RUN_MODE picks the roles (docs/reference/commands.md).
 * `all` runs api + worker + ingest in one process (dev); `migrate` applies
 * the database migrations and exits (the pre-rollout job). Only a
 * configuration error exits at boot (78); a dependency that does not answer
 * yet leaves the process up, unready, retrying (roles/supervisor.ts).
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

  if (config.runMode === 'migrate' || config.nodeEnv === 'development') {
    await databaseAnswersEventually(config.db!.url, logger);
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

  const readiness = new Readiness();
  const definitions = await Promise.all(config.roles.map(roleDefinition));
  let opsServer: (ops: OpsServer) => void;
  const opsStarted = new Promise<OpsServer>((resolve) => (opsServer = resolve));
  const ctx: RoleContext = {
    config,
    logger,
    readiness,
    takeOverPort: async () => {
      const ops = await opsStarted;
      await ops.close();
      return { host: config.listen.host, port: ops.port };
    },
  };

  const supervised: SupervisedRole[] = [];
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
    // Stop in reverse order: ingest stops feeding work before the worker drains it.
    for (const role of [...supervised].reverse()) {
      try {
        await role.stop();
        logger.info({ role: role.name }, 'role stopped');
      } catch (err) {
        logger.error({ err, role: role.name }, 'role failed to stop cleanly');
        exitCode = 1;
      }
    }
    await (await opsStarted).close();
    process.exit(exitCode);
  };
  process.once('SIGTERM', () => void stopAll('SIGTERM', 0));
  process.once('SIGINT', () => void stopAll('SIGINT', 0));

  // Every role registers its checks before PORT opens: the first probe already sees them all.
  for (const definition of definitions) {
    const role = definition.name;
    const supervisor = superviseRole(definition, ctx);
    supervised.push(supervisor);
    void supervisor.started.then((started) =>
      // A role that ends by itself after it started (e.g. the worker lost Temporal for good) takes the
      // process down: its orchestrator restarts it, and the new process waits for the dependency.
      started?.done?.then(
        () => !stopping && void stopAll(`${role} ended`, 1),
        (err: unknown) => {
          logger.error({ err, role }, 'role crashed');
          void stopAll(`${role} crashed`, 1);
        },
      ),
    );
  }
  // PORT answers probes and scrapes from the first moment; an api role takes it over once built.
  const ops = await startOpsServer({ ...config.listen, logger, readiness });
  logger.info({ url: ops.url }, 'health, readiness and metrics listening');
  opsServer!(ops);
  await Promise.all(supervised.map((s) => s.started));
  if (!stopping) logger.info({ runMode: config.runMode, roles: config.roles }, 'seller-finance ready');
}

/**
 * The migrations wait for PostgreSQL like a role waits for its dependencies (a
 * migrate Job or container may start before the database answers); the Job's
 * deadline bounds the wait. A migration that fails once connected exits.
 */
async function databaseAnswersEventually(url: string, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await databaseAnswers(url);
      return;
    } catch (err) {
      const delayMs = retryDelayMs(attempt);
      logger.warn(
        { err: { message: failureName(err) }, attempt, retryInMs: delayMs, event: 'finance.migrate.waiting' },
        `database does not answer; migrations retry in ${delayMs} ms`,
      );
      await sleep(delayMs);
    }
  }
}

async function roleDefinition(role: Role): Promise<RoleDefinition> {
  switch (role) {
    case 'worker':
      return (await import('./roles/worker.js')).workerRole;
    case 'ingest':
      return (await import('./roles/ingest.js')).ingestRole;
    case 'api':
      return (await import('./roles/api.js')).apiRole;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
