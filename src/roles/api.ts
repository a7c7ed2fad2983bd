import { apiOptionsFromConfig, buildApp, OPENAPI_PATH } from '../api/app.js';
import { startServer } from '../api/server.js';
import { type RoleContext, type RunningRole } from './types.js';

/** The HTTP API role (docs/reference/http-api.md). */
export async function startApi({ config, logger }: RoleContext): Promise<RunningRole> {
  const log = logger.child({ role: 'api' });
  const app = await buildApp(apiOptionsFromConfig(config, log));
  const server = await startServer(app, config.listen);
  log.info({ url: server.url, openapi: `${server.url}${OPENAPI_PATH}` }, 'api listening');
  return { name: 'api', stop: () => server.close() };
}
