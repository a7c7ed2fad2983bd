import { type FastifyPluginAsync } from 'fastify';
import { type RawData } from 'ws';
import { isId } from '../../lib/ids.js';
import { type LiveClient } from '../../live/relay.js';
import { ApiError } from '../errors.js';
import { principalOf } from '../plugins/auth.js';

/** setTimeout's ceiling (~24.8 days); a longer token is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_FILTER_MERCHANTS = 1000;

/**
 * `GET /ws` (docs/api.md): live updates for the merchants the caller may read.
 * The token is checked by the auth plugin before the upgrade (Bearer header,
 * or a `bearer.<jwt>` subprotocol for browsers; never the query string, which
 * ends up in access logs): without a valid one the answer is a bare 401 and no
 * socket is opened. Authorization is per message (live/relay.ts). The socket
 * is closed with 4401 when the token expires; the client reconnects with a
 * fresh one. Message format: docs/api.md, "Live updates".
 */
export const liveRoutes: FastifyPluginAsync = async (app) => {
  app.route({
    method: 'GET',
    url: '/ws',
    config: { tokenInSubprotocol: true },
    schema: { hide: true },
    handler: async () => {
      throw new ApiError('UPGRADE_REQUIRED', 'GET /ws is a WebSocket endpoint: send an Upgrade request');
    },
    wsHandler: (socket, request) => {
      const { sub, expiresAt } = principalOf(request);
      const relay = app.live;
      const client: LiveClient = {
        sub,
        socket,
        log: request.log,
        merchantIds: null,
        alive: true,
        delivered: 0,
      };
      const openedAt = Date.now();
      const send = (message: Record<string, unknown>) => relay.send(client, JSON.stringify(message));

      let expiry: NodeJS.Timeout | undefined;
      const closeAtExpiry = () => {
        const left = expiresAt - Date.now();
        if (left > 0) {
          expiry = setTimeout(closeAtExpiry, Math.min(left, MAX_TIMER_MS));
          return;
        }
        request.log.info({ event: 'finance.ws.token_expired', sub }, 'WebSocket token expired: closing');
        socket.close(4401, 'token expired');
      };

      socket.on('pong', () => {
        client.alive = true;
      });
      socket.on('message', (data: RawData, isBinary: boolean) => {
        client.alive = true;
        const reply = answer(client, data, isBinary);
        if (reply) send(reply);
      });
      socket.on('close', (code: number) => {
        clearTimeout(expiry);
        relay.remove(client);
        request.log.info(
          {
            event: 'finance.ws.disconnected',
            sub,
            code,
            durationMs: Date.now() - openedAt,
            delivered: client.delivered,
            connections: relay.connections,
          },
          'WebSocket client disconnected',
        );
      });

      relay.add(client);
      request.log.info(
        {
          event: 'finance.ws.connected',
          sub,
          protocol: socket.protocol || null,
          connections: relay.connections,
        },
        'WebSocket client connected',
      );
      send({ type: 'ready', expiresAt: new Date(expiresAt).toISOString() });
      closeAtExpiry();
    },
  });
};

/** The reply to a client → server message (docs/api.md): `subscribe` narrows the merchants, `ping` is answered. */
function answer(client: LiveClient, data: RawData, isBinary: boolean): Record<string, unknown> | null {
  const refuse = (message: string) => ({ type: 'error', code: 'VALIDATION_FAILED', message });
  if (isBinary) return refuse('messages are JSON text');
  let message: { type?: unknown; merchantIds?: unknown };
  try {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    message = JSON.parse(bytes.toString('utf8')) as typeof message;
  } catch {
    return refuse('message is not valid JSON');
  }
  if (message?.type === 'ping') return { type: 'pong' };
  if (message?.type !== 'subscribe') return refuse('type must be "subscribe" or "ping"');
  const ids = message.merchantIds;
  if (ids === null || ids === undefined) {
    client.merchantIds = null;
    return { type: 'subscribed', merchantIds: null };
  }
  if (!Array.isArray(ids) || ids.length > MAX_FILTER_MERCHANTS || !ids.every(isId)) {
    return refuse(`merchantIds must be null or at most ${MAX_FILTER_MERCHANTS} merchant ids`);
  }
  client.merchantIds = new Set(ids);
  // Which of them the caller may actually read is decided per message, as for every socket.
  return { type: 'subscribed', merchantIds: [...client.merchantIds].sort() };
}
