import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { eventually } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import { API, createTestApi, user, type TestApi } from './support.js';

/**
 * The bounds of GET /ws over real sockets, on one API replica whose limits
 * are set low: connections per replica and per user, the inbound message
 * rate, and the age of the token a socket lives on.
 */

type Message = { type: string } & Record<string, unknown>;

/** A socket that records what it receives and how it was closed. */
class Socket {
  readonly messages: Message[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly opened: Promise<void>;

  constructor(url: string, token: string) {
    this.ws = new WebSocket(url, ['finance.v1'], { headers: { authorization: `Bearer ${token}` } });
    this.ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as Message));
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  readonly ws: WebSocket;

  async ready(): Promise<this> {
    await this.opened;
    await eventually(async () => this.messages.find((m) => m.type === 'ready'), 10_000, '`ready`');
    return this;
  }

  async closure(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    return eventually(async () => this.closed ?? undefined, timeoutMs, 'the close');
  }

  close(): Promise<unknown> {
    this.ws.close();
    return this.closure();
  }
}

describe('GET /ws bounds', () => {
  const logs = capturingLogger('info');
  let api: TestApi;
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    api = await createTestApi({
      logger: logs.logger,
      overrides: {
        live: {
          maxConnections: 4,
          maxConnectionsPerUser: 2,
          maxMessagesPerMinute: 60,
          maxTokenAgeSeconds: 10,
        },
      },
    });
    server = await startServer(api.app, { host: '127.0.0.1', port: 0 });
    url = `${server.url.replace(/^http/, 'ws')}${API}/ws`;
  });

  afterAll(async () => {
    await server?.close();
  });

  const open = async (sub: string, opts: Parameters<TestApi['identity']['token']>[1] = {}) =>
    new Socket(url, await api.identity.token(sub, opts));

  it('closes a user’s connection beyond its limit with 1008 before `ready`, and takes it again once one closes', async () => {
    const alice = user('wsb-alice');
    const first = await (await open(alice)).ready();
    const second = await (await open(alice)).ready();
    const third = await open(alice);
    expect(await third.closure()).toEqual({ code: 1008, reason: 'too many connections for this user' });
    expect(third.messages).toEqual([]);
    // Another user is not affected by alice's limit.
    const bob = await (await open(user('wsb-bob'))).ready();
    await first.close();
    const again = await (await open(alice)).ready();
    expect(again.closed).toBeNull();
    expect(logs.lines.some((l) => l.event === 'finance.ws.too_many_connections' && l.sub === alice)).toBe(
      true,
    );
    await Promise.all([second.close(), again.close(), bob.close()]);
  });

  it('closes a connection beyond the replica’s limit with 1013 (try again later)', async () => {
    const sockets = await Promise.all(
      [1, 2, 3, 4].map(async (i) => (await open(user(`wsb-fill-${i}`))).ready()),
    );
    const extra = await open(user('wsb-extra'));
    expect(await extra.closure()).toEqual({
      code: 1013,
      reason: 'server at its connection limit, retry later',
    });
    expect(extra.messages).toEqual([]);
    await Promise.all(sockets.map((s) => s.close()));
    // Room again: closed sockets no longer count.
    const after = await (await open(user('wsb-extra'))).ready();
    await after.close();
  });

  it('closes a socket that sends faster than its message rate with 4429, after answering the allowed burst', async () => {
    const socket = await (await open(user('wsb-chatty'))).ready();
    // 60 a minute: a burst of 10, then one a second.
    for (let i = 0; i < 30; i += 1) socket.ws.send(JSON.stringify({ type: 'ping' }));
    expect(await socket.closure()).toEqual({ code: 4429, reason: 'too many messages' });
    const pongs = socket.messages.filter((m) => m.type === 'pong').length;
    expect(pongs).toBeGreaterThanOrEqual(10);
    // The burst of 10, plus what refilled while the server worked through the flood (1 a second).
    expect(pongs).toBeLessThan(15);
  });

  it('lets a socket that keeps to the rate live on', async () => {
    const socket = await (await open(user('wsb-polite'))).ready();
    for (let i = 0; i < 14; i += 1) {
      socket.ws.send(JSON.stringify({ type: 'ping' }));
      await new Promise((r) => setTimeout(r, i < 8 ? 0 : 1_050));
    }
    await eventually(
      async () => (socket.messages.filter((m) => m.type === 'pong').length === 14 ? true : undefined),
      5_000,
      'every pong',
    );
    expect(socket.closed).toBeNull();
    await socket.close();
  });

  it('closes a socket with 4401 when its token gets too old, although the token has not expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Issued 8 s ago, valid for an hour more: the 10 s age limit closes the socket about 2 s from now.
    const socket = await (await open(user('wsb-old'), { issuedAt: now - 8, expiresIn: now + 3600 })).ready();
    const ready = socket.messages.find((m) => m.type === 'ready')!;
    expect(Date.parse(String(ready.closesAt))).toBeLessThan(Date.parse(String(ready.expiresAt)));
    const startedAt = Date.now();
    expect(await socket.closure()).toEqual({
      code: 4401,
      reason: 'token too old: reconnect with a fresh token',
    });
    expect(Date.now() - startedAt).toBeLessThan(4_000);

    // A token already past the age limit gets no `ready` at all.
    const stale = await open(user('wsb-old'), { issuedAt: now - 60, expiresIn: now + 3600 });
    expect(await stale.closure()).toEqual({
      code: 4401,
      reason: 'token too old: reconnect with a fresh token',
    });
    expect(stale.messages).toEqual([]);
  });
});
