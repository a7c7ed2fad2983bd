import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import { liveChannel } from '../../live/messages.js';
import { LiveRelay } from '../../live/relay.js';

declare module 'fastify' {
  interface FastifyInstance {
    live: LiveRelay;
    /** The per-socket bounds routes/live.ts enforces. */
    liveBounds: LiveSocketBounds;
  }
}

export type LiveSocketBounds = Pick<
  LiveUpdatesOptions,
  'maxConnections' | 'maxConnectionsPerUser' | 'maxMessagesPerMinute' | 'maxTokenAgeSeconds'
>;

/** The subprotocol of the live-update messages (docs/reference/http-api.md, "Live updates"). */
export const LIVE_SUBPROTOCOL = 'finance.v1';

export interface LiveUpdatesOptions {
  /** Every socket is pinged this often; one that has not answered by the next ping is dropped. */
  heartbeatMs: number;
  /** Bytes a socket may have waiting to be sent before it is dropped as a slow consumer. */
  maxBufferedBytes: number;
  /** Batches waiting for authorization before new ones are dropped (see LiveRelay). */
  maxPendingBatches: number;
  /** Largest client → server message (a `subscribe`). */
  maxClientMessageBytes: number;
  /** Open sockets on this replica; one more is closed at once with 1013 (try again later: another replica may have room). */
  maxConnections: number;
  /** Open sockets of one `sub` on this replica; one more is closed at once with 1008. */
  maxConnectionsPerUser: number;
  /** Client → server messages per socket per minute, in bursts of up to a sixth of it; beyond, closed with 4429. */
  maxMessagesPerMinute: number;
  /** A socket lives at most this long after its token was issued (`iat`), even if the token has not expired: 4401. */
  maxTokenAgeSeconds: number;
}

export const DEFAULT_LIVE_UPDATES: LiveUpdatesOptions = {
  heartbeatMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  maxPendingBatches: 10_000,
  maxClientMessageBytes: 16 * 1024,
  maxConnections: 10_000,
  maxConnectionsPerUser: 10,
  maxMessagesPerMinute: 120,
  maxTokenAgeSeconds: 3_600,
};

/**
 * `@fastify/websocket`, registered before load protection and authentication:
 * its onRequest hook marks upgrade requests, and only a marked request has its
 * socket closed after a refusal (429, 503, 401) instead of kept open.
 */
export const websocketPlugin = fp<Pick<LiveUpdatesOptions, 'maxClientMessageBytes'>>(
  async (app, opts) => {
    await app.register(websocket, {
      options: {
        maxPayload: opts.maxClientMessageBytes,
        // Answer with our protocol only: never echo an offered `bearer.<jwt>` back.
        handleProtocols: (offered) => (offered.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false),
      },
      // On shutdown, "going away": clients reconnect, through the balancer, to another replica.
      preClose(done) {
        for (const socket of app.websocketServer.clients) socket.close(1001, 'server shutting down');
        app.websocketServer.close();
        done();
      },
    });
  },
  { name: 'websocket', fastify: '5.x' },
);

/**
 * Live updates (`GET /ws`, docs/api.md): ONE Redis subscriber connection per
 * process on `<prefix>live`, whatever the number of sockets; the relay
 * (live/relay.ts) fans each batch out to the sockets allowed to see it. The
 * route is routes/live.ts.
 */
export const liveUpdatesPlugin = fp<Omit<LiveUpdatesOptions, 'maxClientMessageBytes'>>(
  async (app, opts) => {
    const relay = new LiveRelay({
      authz: app.authz,
      logger: app.log,
      maxBufferedBytes: opts.maxBufferedBytes,
      maxPendingBatches: opts.maxPendingBatches,
    });
    app.decorate('live', relay);
    app.decorate('liveBounds', {
      maxConnections: opts.maxConnections,
      maxConnectionsPerUser: opts.maxConnectionsPerUser,
      maxMessagesPerMinute: opts.maxMessagesPerMinute,
      maxTokenAgeSeconds: opts.maxTokenAgeSeconds,
    });

    const subscriber = app.redis.duplicate();
    subscriber.on('error', (err: Error) =>
      app.log.warn({ err: { message: err.message } }, 'live updates: redis subscriber connection error'),
    );
    subscriber.on('message', (_channel: string, text: string) => relay.receive(text));
    await subscriber.subscribe(liveChannel(app.redisKeyPrefix));

    const heartbeat = setInterval(() => relay.heartbeat(), opts.heartbeatMs);
    heartbeat.unref();
    app.addHook('onClose', async () => {
      clearInterval(heartbeat);
      await subscriber.quit().catch(() => subscriber.disconnect());
    });
  },
  { name: 'live-updates', fastify: '5.x', dependencies: ['redis', 'auth', 'websocket'] },
);
