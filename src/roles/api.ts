import { apiOptionsFromConfig, buildApp, OPENAPI_PATH } from '../api/app.js';
import { startServer } from '../api/server.js';
import { databaseAnswers, redisAnswers, temporalAnswers } from './boot-probes.js';
import { type RoleDefinition } from './types.js';

/**
 * The HTTP API role (docs/reference/http-api.md). Building the app needs PostgreSQL (the
 * authorization policies) and Redis; until both answer, the ops server keeps
 * PORT and `/readyz` says which is missing. Temporal is connected lazily: the
 * read routes serve without it.
 */
export const apiRole: RoleDefinition = {
  name: 'api',
  bootProbes: (config) => ({
    database: () => databaseAnswers(config.db!.url),
    redis: () => redisAnswers(config.redis!.url),
    temporal: () => temporalAnswers(config.temporal!),
  }),
  async start({ config, logger, readiness, takeOverPort }) {
    const log = logger.child({ role: 'api' });
    const app = await buildApp({ ...apiOptionsFromConfig(config, log), readiness });
    let server;
    try {
      server = await startServer(app, await takeOverPort());
    } catch (err) {
      await app.close();
      throw err;
    }
    log.info({ url: server.url, openapi: `${server.url}${OPENAPI_PATH}` }, 'api listening');
    return { name: 'api', stop: () => server.close() };
  },
};
