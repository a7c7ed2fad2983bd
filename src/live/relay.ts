import { type WebSocket } from 'ws';
import { type Authorizer } from '../auth/authorizer.js';
import { type AuthzObject } from '../auth/roles.js';
import { type Logger } from '../lib/logger.js';
import { metrics } from '../lib/metrics.js';
import { type LiveBatch, objectOf, parseLiveBatch } from './messages.js';

/** One connected WebSocket client of this replica. */
export interface LiveClient {
  readonly sub: string;
  readonly socket: WebSocket;
  /** The request's logger (carries requestId). */
  readonly log: Pick<Logger, 'info' | 'warn'>;
  /** Only these merchants, when the client asked (`subscribe`); null: every merchant it may read. */
  merchantIds: ReadonlySet<string> | null;
  /** Answered the last ping. */
  alive: boolean;
  delivered: number;
}

export interface LiveRelayOptions {
  authz: Pick<Authorizer, 'can'>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** A socket with more than this many bytes not yet sent is a slow consumer: it is dropped. */
  maxBufferedBytes: number;
  /** Batches waiting for their authorization decisions; beyond this, new ones are dropped (logged). */
  maxPendingBatches: number;
}

/**
 * The API replica's half of live updates: every batch from the Redis channel
 * goes, in arrival order, to the sockets whose user may read that merchant.
 * The decision is the Authorizer's (Casbin, cached in Redis under the policy
 * version), taken per batch — a revoked grant stops delivery at the next
 * posting, on every replica — and shared by the sockets of one user.
 */
export class LiveRelay {
  private readonly clients = new Set<LiveClient>();
  private readonly perUser = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private droppedBatches = 0;

  constructor(private readonly opts: LiveRelayOptions) {}

  get connections(): number {
    return this.clients.size;
  }

  /** Open sockets of `sub` on this replica. */
  connectionsOf(sub: string): number {
    return this.perUser.get(sub) ?? 0;
  }

  add(client: LiveClient): void {
    if (this.clients.has(client)) return;
    metrics.wsConnections.inc();
    this.clients.add(client);
    this.perUser.set(client.sub, this.connectionsOf(client.sub) + 1);
  }

  remove(client: LiveClient): void {
    if (!this.clients.delete(client)) return;
    metrics.wsConnections.dec();
    const left = this.connectionsOf(client.sub) - 1;
    if (left > 0) this.perUser.set(client.sub, left);
    else this.perUser.delete(client.sub);
  }

  /** A message from the channel. */
  receive(text: string): void {
    if (this.clients.size === 0) return;
    const batch = parseLiveBatch(text);
    if (!batch) {
      this.opts.logger.warn({ event: 'finance.ws.bad_batch' }, 'ignoring a live update that is not a batch');
      return;
    }
    if (this.pending >= this.opts.maxPendingBatches) {
      this.droppedBatches += 1;
      metrics.liveUpdatesDropped.inc({ where: 'relay' });
      this.opts.logger.warn(
        { event: 'finance.ws.relay_overloaded', merchantId: batch.merchantId, dropped: this.droppedBatches },
        'live updates arrive faster than they can be authorized: dropping one',
      );
      return;
    }
    this.pending += 1;
    this.queue = this.queue
      .then(() => this.relay(batch))
      .catch((err: unknown) => this.opts.logger.error({ err }, 'relaying a live update failed'))
      .finally(() => {
        this.pending -= 1;
      });
  }

  /** Pings every socket; one that did not answer the previous ping is dropped. */
  heartbeat(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.log.info(
          { event: 'finance.ws.heartbeat_timeout', sub: client.sub },
          'WebSocket client stopped answering pings: dropped',
        );
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  /** Sends `text` unless the socket is closing or too far behind (a slow consumer is dropped, not buffered for). */
  send(client: LiveClient, text: string): void {
    const { socket } = client;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount + text.length > this.opts.maxBufferedBytes) {
      metrics.liveUpdatesDropped.inc({ where: 'slow_consumer' });
      client.log.warn(
        { event: 'finance.ws.slow_consumer', sub: client.sub, bufferedBytes: socket.bufferedAmount },
        'WebSocket client does not keep up: dropped',
      );
      socket.terminate();
      return;
    }
    socket.send(text);
    client.delivered += 1;
  }

  private async relay(batch: LiveBatch): Promise<void> {
    const targets = [...this.clients].filter((c) => !c.merchantIds || c.merchantIds.has(batch.merchantId));
    if (targets.length === 0) return;
    const frames = batch.messages.map((m) => ({ obj: objectOf(m), text: JSON.stringify(m) }));
    const objects = [...new Set(frames.map((f) => f.obj))];
    const decisions = new Map<string, Promise<boolean>>();
    const mayRead = (sub: string, obj: AuthzObject): Promise<boolean> => {
      const key = `${obj}\u0000${sub}`;
      let decision = decisions.get(key);
      if (!decision) {
        decision = this.opts.authz.can(sub, batch.merchantId, obj, 'read').catch((err: unknown) => {
          // Fail closed: without a decision nothing is delivered.
          this.opts.logger.warn(
            { event: 'finance.ws.authz_failed', err: { message: (err as Error).message }, sub },
            'authorization lookup failed: live update withheld',
          );
          return false;
        });
        decisions.set(key, decision);
      }
      return decision;
    };
    const readable = await Promise.all(
      targets.map(async (c) => {
        const allowed = await Promise.all(objects.map((obj) => mayRead(c.sub, obj)));
        return new Set(objects.filter((_, i) => allowed[i]));
      }),
    );
    targets.forEach((client, i) => {
      for (const frame of frames) if (readable[i]!.has(frame.obj)) this.send(client, frame.text);
    });
  }
}
