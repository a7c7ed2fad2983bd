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
 * `GET /ws` (docs/reference/http-api.md): live updates for the merchants the caller may read.
 * The token is checked by the auth plugin before the upgrade (Bearer header,
 * or a `bearer.<jwt>` subprotocol for browsers; never the query string, which
 * ends up in access logs): without a valid one the answer is a bare 401 and no
 * socket is opened. Authorization is per message (live/relay.ts). Bounds
 * (plugins/live-updates.ts), each closing the socket with its own code: the
 * replica's and the user's connection limits (1013, 1008, before `ready`), the
 * inbound message rate (4429), and the token's expiry or age (4401: reconnect
 * with a fresh token). Message format: docs/reference/http-api.md, "Live updates".
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
      const { sub, expiresAt, issuedAt } = principalOf(request);
      const relay = app.live;
      const bounds = app.liveBounds;
      const openedAt = Date.now();
      const refuse = (code: number, reason: string, event: string) => {
        request.log.warn({ event, sub, connections: relay.connections }, `WebSocket refused: ${reason}`);
        socket.close(code, reason);
      };
      // Checked and added with no await in between, so concurrent upgrades cannot overshoot.
      if (relay.connections >= bounds.maxConnections)
        return refuse(1013, 'server at its connection limit, retry later', 'finance.ws.replica_full');
      if (relay.connectionsOf(sub) >= bounds.maxConnectionsPerUser)
        return refuse(1008, 'too many connections for this user', 'finance.ws.too_many_connections');

      // The token's age bounds the socket too: `iat` + max age, or the connection time when it has no `iat`.
      const tooOldAt = (issuedAt ?? openedAt) + bounds.maxTokenAgeSeconds * 1000;
      const closeAt = Math.min(expiresAt, tooOldAt);
      const closeReason =
        closeAt === expiresAt ? 'token expired' : 'token too old: reconnect with a fresh token';
      if (closeAt <= openedAt) return refuse(4401, closeReason, 'finance.ws.token_expired');

      const client: LiveClient = {
        sub,
        socket,
        log: request.log,
        merchantIds: null,
        alive: true,
        delivered: 0,
      };
      const send = (message: Record<string, unknown>) => relay.send(client, JSON.stringify(message));
      const inbound = messageBucket(bounds.maxMessagesPerMinute);

      let expiry: NodeJS.Timeout | undefined;
      const closeAtDeadline = () => {
        const left = closeAt - Date.now();
        if (left > 0) {
          expiry = setTimeout(closeAtDeadline, Math.min(left, MAX_TIMER_MS));
          return;
        }
        request.log.info(
          { event: 'finance.ws.token_expired', sub, reason: closeReason },
          'WebSocket closing',
        );
        socket.close(4401, closeReason);
      };

      socket.on('pong', () => {
        client.alive = true;
      });
      socket.on('message', (data: RawData, isBinary: boolean) => {
        if (socket.readyState !== socket.OPEN) return;
        client.alive = true;
        if (!inbound.take()) {
          request.log.warn(
            { event: 'finance.ws.message_rate_exceeded', sub },
            'WebSocket client sends too fast: closed',
          );
          socket.close(4429, 'too many messages');
          return;
        }
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
      send({
        type: 'ready',
        expiresAt: new Date(expiresAt).toISOString(),
        closesAt: new Date(closeAt).toISOString(),
      });
      closeAtDeadline();
    },
  });
};

/**
 * A token bucket: `perMinute` messages a minute, in bursts of up to a sixth
 * of it (ten seconds' worth), so a client's reconnect-and-subscribe burst
 * passes and a flood does not.
 */
function messageBucket(perMinute: number): { take(): boolean } {
  const capacity = Math.max(1, Math.ceil(perMinute / 6));
  const perMs = perMinute / 60_000;
  let tokens = capacity;
  let at = Date.now();
  return {
    take() {
      const now = Date.now();
      tokens = Math.min(capacity, tokens + (now - at) * perMs);
      at = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * The reply to a client → server message (docs/reference/http-api.md): `subscribe` narrows the
 * merchants, `ping` is answered.
 */
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
