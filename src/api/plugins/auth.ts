import { type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Authorizer } from '../../auth/authorizer.js';
import {
  AuthenticationError,
  bearerToken,
  createJwtVerifier,
  type JwtOptions,
  type Principal,
  subprotocolToken,
} from '../../auth/jwt.js';
import { type AuthzAction, type AuthzObject, type MerchantScope } from '../../auth/roles.js';
import { ApiError, notFound } from '../errors.js';
import { idOrNotFound } from '../pagination.js';

declare module 'fastify' {
  interface FastifyInstance {
    authz: Authorizer;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** No token needed (health, readiness, API docs). */
    public?: boolean;
    /** The token may also come as a `bearer.<jwt>` WebSocket subprotocol (GET /ws: browsers cannot set headers). */
    tokenInSubprotocol?: boolean;
  }
}

export type AuthPluginOptions = JwtOptions & {
  /** See AuthorizerOptions.policyRecheckMs. */
  policyRecheckMs?: number;
};

/**
 * AuthN on every non-public route (docs/reference/http-api.md): a Bearer ES256 JWT verified
 * against the JWKS; anything else is a bare 401 that tells an attacker
 * nothing. AuthZ is `app.authz` (Casbin + Redis cache), used by the routes
 * through the helpers below.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, { policyRecheckMs, ...jwt }) => {
    const verify = createJwtVerifier(jwt);
    const authz = await Authorizer.create({
      db: app.db,
      redis: app.redis,
      keyPrefix: app.redisKeyPrefix,
      logger: app.log,
      ...(policyRecheckMs !== undefined ? { policyRecheckMs } : {}),
    });
    app.decorate('authz', authz);
    app.decorateRequest('principal', null);
    app.addHook('onClose', async () => authz.close());

    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config.public || request.is404) return;
      const token =
        bearerToken(request.headers.authorization) ??
        (request.routeOptions.config.tokenInSubprotocol
          ? subprotocolToken(request.headers['sec-websocket-protocol'])
          : null);
      if (!token) throw unauthenticated();
      try {
        request.principal = await verify(token);
      } catch (err) {
        if (err instanceof AuthenticationError) {
          request.log.info({ reason: err.message }, 'authentication failed');
          throw unauthenticated();
        }
        throw err;
      }
    });
  },
  { name: 'auth', fastify: '5.x', dependencies: ['database', 'redis'] },
);

const unauthenticated = () => new ApiError('UNAUTHENTICATED', 'authentication required');

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}

/** The merchants the caller may read `obj` of: list and count queries filter on it in SQL. */
export async function readScope(request: FastifyRequest, obj: AuthzObject): Promise<MerchantScope> {
  return request.server.authz.scope(principalOf(request).sub, obj, 'read');
}

/**
 * The entity with this id, if the caller may read it: a malformed id, a
 * missing entity and another tenant's answer the same 404.
 */
export async function visibleOr404<T>(
  request: FastifyRequest,
  obj: AuthzObject,
  what: string,
  id: string,
  find: (scope: MerchantScope, id: string) => Promise<T | null>,
): Promise<T> {
  const found = await find(await readScope(request, obj), idOrNotFound(id, what));
  if (!found) throw notFound(what);
  return found;
}

/**
 * Requires `act` on a merchant. A caller who cannot even read the merchant
 * gets the same 404 as for a missing entity (another tenant's data does not
 * exist for them); one who can read but not act gets 403.
 */
export async function requireAction(
  request: FastifyRequest,
  merchantId: string,
  obj: AuthzObject,
  act: AuthzAction,
  what: string,
): Promise<void> {
  const { sub } = principalOf(request);
  if (await request.server.authz.can(sub, merchantId, obj, act)) return;
  if (act !== 'read' && (await request.server.authz.can(sub, merchantId, obj, 'read'))) {
    throw new ApiError('FORBIDDEN', `your role does not allow ${act} on ${obj}s of this merchant`);
  }
  throw new ApiError('NOT_FOUND', `${what} not found`);
}
