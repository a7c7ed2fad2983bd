import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createActivities } from '../../src/activities/index.js';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { parseTemporalConfig } from '../../src/config/temporal.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { type PostingEvent } from '../../src/domain/events.js';
import { twoLines } from '../../src/domain/posting-plan.js';
import { createLivePublisher, type LivePublisher } from '../../src/live/publisher.js';
import { LiveRelay } from '../../src/live/relay.js';
import { postEventStart, startWorkflow } from '../../src/temporal/workflow-starts.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { testEnv, uniqueName } from '../support/env.js';
import { eventually } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import { startTestWorker, testWorkflowEnvironment } from '../support/temporal.js';
import { API, createTestApi, json, startIdentity, user, type TestApi, type TestIdentity } from './support.js';

/**
 * Live updates end to end (`GET /ws`, docs/api.md): one real Temporal worker
 * publishing to Redis, two API replicas on real ports subscribed to the same
 * key prefix, real WebSocket clients on either, a real JWKS server.
 */

type Message = { type: string } & Record<string, unknown>;

/** A WebSocket client that keeps every message it receives. */
class LiveClient {
  readonly messages: Message[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as Message));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
  }

  /** Connects and waits for the server's `ready`: from then on the socket is in the replica's relay. */
  static async open(url: string, opts: { token?: string; protocols?: string[] } = {}): Promise<LiveClient> {
    const ws = new WebSocket(url, opts.protocols ?? [], {
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    });
    const client = new LiveClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => {
          req.destroy();
          reject(new Error(`upgrade refused: ${res.statusCode} ${body}`));
        });
      });
    });
    await client.next((m) => m.type === 'ready');
    return client;
  }

  /** Messages of a type about a voucher (a void's message is about the voided voucher and its reversal). */
  about(voucherId: string, type?: string): Message[] {
    return this.messages.filter(
      (m) =>
        (type === undefined || m.type === type) &&
        (m.voucherId === voucherId ||
          (m.reversal as { voucherId?: string } | undefined)?.voucherId === voucherId),
    );
  }

  next(match: (m: Message) => boolean, timeoutMs = 20_000): Promise<Message> {
    return eventually(async () => this.messages.find(match), timeoutMs, 'a live update');
  }

  close(): void {
    this.ws.close();
  }
}

/** The status and body an upgrade is refused with (or a failure when the socket opens). */
function refusedUpgrade(
  url: string,
  opts: { headers?: Record<string, string>; protocols?: string[] } = {},
): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers ?? {} });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once('open', () => {
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', reject);
  });
}

/**
 * A raw TCP client that completes a WebSocket handshake and then does nothing
 * of its own: no pong, and (once paused) no reading — a dead or stuck client.
 */
async function rawUpgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<Socket> {
  const socket = tcpConnect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      '',
      '',
    ].join('\r\n'),
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 101/);
  return socket;
}

const settle = (ms = 750) => new Promise((r) => setTimeout(r, ms));

describe('GET /ws: live updates fanned out through Redis to every replica', () => {
  const logs = capturingLogger('info');
  const keyPrefix = `${uniqueName('sfws')}:`;
  const temporal = parseTemporalConfig({
    APP_ENV_TEMPORAL_ADDRESS: testEnv.temporalAddress,
    APP_ENV_TEMPORAL_NAMESPACE: testEnv.temporalNamespace,
    APP_ENV_TEMPORAL_TASK_QUEUE: uniqueName('ws-test'),
  });
  let prisma: PrismaClient;
  let env: TestWorkflowEnvironment;
  let identity: TestIdentity;
  let publisher: LivePublisher;
  let worker: { stop(): Promise<void> };
  let apiA: TestApi;
  let apiB: TestApi;
  let serverA: RunningServer;
  let serverB: RunningServer;
  let wsA: string;
  let wsB: string;
  let mine: { merchantId: string; accounts: Record<string, string> };
  let theirs: { merchantId: string; accounts: Record<string, string> };
  const [alice, bob, carol, dave, accountant] = ['alice', 'bob', 'carol', 'dave', 'accountant'].map((n) =>
    user(`ws-${n}`),
  ) as [string, string, string, string, string];

  beforeAll(async () => {
    [prisma, env, identity] = await Promise.all([testPrisma(), testWorkflowEnvironment(), startIdentity()]);
    [mine, theirs] = await Promise.all([
      createTestMerchant(prisma, logs.logger),
      createTestMerchant(prisma, logs.logger),
    ]);
    publisher = await createLivePublisher({ url: testEnv.redisUrl, keyPrefix, logger: logs.logger });
    worker = await startTestWorker({
      ...temporal,
      activities: createActivities({
        db: dbOf(prisma),
        ids: testIds,
        logger: logs.logger,
        listener: publisher,
      }),
    });
    const replica = () =>
      createTestApi({
        logger: logs.logger,
        identity,
        keyPrefix,
        taskQueue: temporal.taskQueue,
        overrides: { live: { heartbeatMs: 400 } },
      });
    [apiA, apiB] = await Promise.all([replica(), replica()]);
    [serverA, serverB] = await Promise.all([
      startServer(apiA.app, { host: '127.0.0.1', port: 0 }),
      startServer(apiB.app, { host: '127.0.0.1', port: 0 }),
    ]);
    wsA = `${serverA.url.replace(/^http/, 'ws')}${API}/ws`;
    wsB = `${serverB.url.replace(/^http/, 'ws')}${API}/ws`;
    for (const u of [alice, bob, dave]) await apiA.grant(u, 'viewer', mine.merchantId);
    await apiA.grant(carol, 'viewer', theirs.merchantId);
    await apiA.grant(accountant, 'accountant', mine.merchantId);
  });

  afterAll(async () => {
    await Promise.all([serverA?.close(), serverB?.close()]);
    await worker?.stop();
    await publisher?.close();
    await identity?.close();
    await env?.teardown();
    await prisma?.$disconnect();
  });

  /** Posts a purchase through a real postEventWorkflow on the worker's task queue, as ingest starts it. */
  async function postPurchase(receiptId: string, total: string, merchantId = mine.merchantId) {
    const e: PostingEvent = {
      id: uniqueName('evt'),
      type: 'inventory.received',
      merchantId,
      occurredAt: '2026-11-25T10:00:00Z',
      data: { receiptId, currency: 'USD', total },
    };
    const handle = await startWorkflow(env.client, temporal.taskQueue, postEventStart(e, {}));
    const result = await handle.result();
    if (result.outcome !== 'posted') throw new Error(`not posted: ${result.summary}`);
    return result.vouchers[0]!;
  }

  it('delivers each posting exactly once to clients of either replica, and a void as voucher.voided', async () => {
    const a = await LiveClient.open(wsA, { token: await identity.token(alice) });
    // A browser: the token as a subprotocol, answered with finance.v1 (never with the token).
    const b = await LiveClient.open(wsB, {
      protocols: ['finance.v1', `bearer.${await identity.token(bob)}`],
    });
    expect(b.ws.protocol).toBe('finance.v1');
    const other = await LiveClient.open(wsA, { token: await identity.token(carol) });

    const posted = await postPurchase(uniqueName('rcpt'), '125.5');
    for (const client of [a, b]) {
      await client.next((m) => m.type === 'voucher.posted' && m.voucherId === posted.voucherId);
      await eventually(
        async () => (client.about(posted.voucherId, 'account.balance').length >= 2 ? true : undefined),
        20_000,
        'both balances',
      );
    }
    await settle();
    for (const client of [a, b]) {
      const [voucher, ...more] = client.about(posted.voucherId, 'voucher.posted');
      expect(more).toHaveLength(0);
      expect(voucher).toEqual({
        type: 'voucher.posted',
        voucherId: posted.voucherId,
        voucherNumber: posted.voucherNumber,
        voucherType: 'PURCHASE',
        merchantId: mine.merchantId,
        postedAt: '2026-11-25T10:00:00.000Z',
        requestedAt: null,
        recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        currency: 'USD',
        total: '125.50',
        lines: [
          { lineNumber: 1, accountId: mine.accounts.INVENTORY, direction: 'DEBIT', amount: '125.50' },
          { lineNumber: 2, accountId: mine.accounts.PAYABLE, direction: 'CREDIT', amount: '125.50' },
        ],
      });
      const balances = client.about(posted.voucherId, 'account.balance');
      expect(balances).toHaveLength(2);
      expect(
        Object.fromEntries(balances.map((m) => [m.code, [m.accountId, m.balance, m.postingSequence]])),
      ).toEqual({
        INVENTORY: [mine.accounts.INVENTORY, '125.50', '1'],
        PAYABLE: [mine.accounts.PAYABLE, '125.50', '1'],
      });
    }
    // The balance announced is the one the API serves.
    const inventory = await apiB.call(alice, 'GET', `/accounts/${mine.accounts.INVENTORY}`);
    expect(json(inventory)).toMatchObject({ balance: '125.50', postingSequence: 1 });

    // A replay of the same source posts nothing new, so it announces nothing.
    const receiptId = uniqueName('rcpt');
    const first = await postPurchase(receiptId, '1');
    await a.next((m) => m.type === 'voucher.posted' && m.voucherId === first.voucherId);
    const replay = await postPurchase(receiptId, '1');
    expect(replay).toMatchObject({ voucherId: first.voucherId, replayed: true });

    // A void through replica B's HTTP API, run by the same worker.
    const voided = await apiB.call(accountant, 'POST', `/vouchers/${posted.voucherId}/void`, {
      reason: 'wrong receipt',
    });
    expect(voided.statusCode, voided.body).toBe(201);
    const reversalId = json<{ id: string }>(voided).id;
    for (const client of [a, b]) {
      const message = await client.next((m) => m.type === 'voucher.voided');
      expect(message).toMatchObject({
        type: 'voucher.voided',
        merchantId: mine.merchantId,
        voucherId: posted.voucherId,
        reversal: { voucherId: reversalId, voucherType: 'REVERSAL', total: '125.50', currency: 'USD' },
      });
      await eventually(
        async () => (client.about(reversalId, 'account.balance').length >= 2 ? true : undefined),
        20_000,
        'the balances after the void',
      );
    }
    await settle();
    for (const client of [a, b]) {
      expect(client.messages.filter((m) => m.type === 'voucher.voided')).toHaveLength(1);
      // The void is announced as voucher.voided only, not also as a voucher.posted.
      expect(client.about(reversalId, 'voucher.posted')).toHaveLength(0);
      expect(
        client
          .about(reversalId, 'account.balance')
          .map((m) => [m.code, m.balance, m.postingSequence])
          .sort(),
      ).toEqual([
        ['INVENTORY', '1.00', '3'],
        ['PAYABLE', '1.00', '3'],
      ]);
      expect(client.about(first.voucherId, 'voucher.posted')).toHaveLength(1);
    }

    // The other tenant's client heard nothing of this merchant.
    expect(other.messages.filter((m) => m.type !== 'ready')).toEqual([]);
    for (const client of [a, b, other]) client.close();
  });

  it('stops delivering to a still-open socket at the next posting after its grant is revoked', async () => {
    const keeps = await LiveClient.open(wsA, { token: await identity.token(alice) });
    const loses = await LiveClient.open(wsB, { token: await identity.token(dave) });
    const before = await postPurchase(uniqueName('rcpt'), '2');
    await loses.next((m) => m.voucherId === before.voucherId);

    await apiA.revoke(dave, 'viewer', mine.merchantId);
    const after = await postPurchase(uniqueName('rcpt'), '3');
    await keeps.next((m) => m.type === 'voucher.posted' && m.voucherId === after.voucherId);
    await eventually(
      async () => (keeps.about(after.voucherId, 'account.balance').length >= 2 ? true : undefined),
      20_000,
      'the balances',
    );
    await settle();
    expect(loses.about(after.voucherId)).toEqual([]);
    expect(loses.closed).toBeNull();
    keeps.close();
    loses.close();
  });

  it('narrows a socket to the merchants it subscribes to', async () => {
    const client = await LiveClient.open(wsB, { token: await identity.token(alice) });
    client.ws.send(JSON.stringify({ type: 'subscribe', merchantIds: [theirs.merchantId] }));
    await client.next((m) => m.type === 'subscribed');
    const watcher = await LiveClient.open(wsB, { token: await identity.token(bob) });
    const posted = await postPurchase(uniqueName('rcpt'), '4');
    await watcher.next((m) => m.voucherId === posted.voucherId);
    await settle();
    expect(client.about(posted.voucherId)).toEqual([]);
    client.ws.send('not json');
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'VALIDATION_FAILED' });
    client.close();
    watcher.close();
  });

  it('refuses upgrades without a valid token with a bare 401, and never takes the token from the query string', async () => {
    const token = await identity.token(alice);
    const queryToken = await identity.token(alice, { claims: { in: 'query' } });
    const refusals = await Promise.all([
      refusedUpgrade(wsA),
      refusedUpgrade(wsA, { headers: { authorization: 'Bearer not.a.jwt' } }),
      refusedUpgrade(wsB, {
        headers: { authorization: `Bearer ${await identity.token(alice, { audience: 'someone-else' })}` },
      }),
      refusedUpgrade(wsA, {
        headers: {
          authorization: `Bearer ${await identity.token(alice, { expiresIn: Math.floor(Date.now() / 1000) - 60 })}`,
        },
      }),
      refusedUpgrade(wsB, {
        protocols: ['finance.v1', `bearer.${await identity.token(alice, { issuer: 'https://evil/' })}`],
      }),
      // (Fastify logs a request's URL: a token a client puts in the query string is logged, and refused.)
      refusedUpgrade(`${wsA}?token=${queryToken}`),
      refusedUpgrade(`${wsA}?access_token=${queryToken}`),
      refusedUpgrade(`${wsB}?authorization=Bearer%20${queryToken}`),
    ]);
    for (const refusal of refusals) {
      expect(refusal.status).toBe(401);
      expect(JSON.parse(refusal.body)).toMatchObject({
        statusCode: 401,
        code: 'UNAUTHENTICATED',
        message: 'authentication required',
      });
    }
    // Offering only the token as a subprotocol: the server does not echo it back, so the client gives up.
    await expect(LiveClient.open(wsA, { protocols: [`bearer.${token}`] })).rejects.toThrow(/subprotocol/);
    // A plain GET is told to upgrade.
    const plain = await fetch(`${serverA.url}${API}/ws`, { headers: { authorization: `Bearer ${token}` } });
    expect(plain.status).toBe(426);
    // The token never reaches the logs.
    expect(logs.text()).not.toContain(token);
  });

  it('closes the socket with 4401 when its token expires', async () => {
    const client = await LiveClient.open(wsA, {
      token: await identity.token(alice, { expiresIn: Math.floor(Date.now() / 1000) + 2 }),
    });
    const closed = await eventually(async () => client.closed ?? undefined, 15_000, 'the close');
    expect(closed).toEqual({ code: 4401, reason: 'token expired' });
    expect(logs.lines.some((l) => l.event === 'finance.ws.token_expired' && l.sub === alice)).toBe(true);
  });

  it('drops a client that stops answering pings, and logs connect and disconnect without the token', async () => {
    const token = await identity.token(bob);
    const socket = await rawUpgrade(Number(new URL(serverB.url).port), `${API}/ws`, {
      'X-Request-Id': 'ws-dead-client',
      Authorization: `Bearer ${token}`,
    });
    await once(socket, 'close');
    const ofClient = () => logs.lines.filter((l) => l.requestId === 'ws-dead-client');
    await eventually(
      async () => (ofClient().some((l) => l.event === 'finance.ws.disconnected') ? true : undefined),
      5_000,
      'the disconnect log line',
    );
    const lines = ofClient();
    expect(lines.map((l) => l.event)).toEqual(
      expect.arrayContaining([
        'finance.ws.connected',
        'finance.ws.heartbeat_timeout',
        'finance.ws.disconnected',
      ]),
    );
    expect(lines.find((l) => l.event === 'finance.ws.connected')).toMatchObject({ sub: bob });
    expect(lines.find((l) => l.event === 'finance.ws.disconnected')).toMatchObject({
      sub: bob,
      connections: expect.any(Number),
      delivered: expect.any(Number),
    });
    expect(logs.text()).not.toContain(token);
  });

  it('drops a consumer that does not read instead of buffering for it', async () => {
    const relay = new LiveRelay({
      authz: apiA.app.authz,
      logger: logs.logger,
      maxBufferedBytes: 1024 * 1024,
      maxPendingBatches: 10,
    });
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const reader = await rawUpgrade((server.address() as { port: number }).port, '/');
    const [serverSide] = (await accepted) as [WebSocket];
    // The client stops reading: what the server sends piles up in the kernel's buffers, then in ours.
    reader.pause();
    const client = {
      sub: 'slow-reader',
      socket: serverSide,
      log: logs.logger,
      merchantIds: null,
      alive: true,
      delivered: 0,
    };
    const chunk = 'x'.repeat(512 * 1024);
    for (let i = 0; i < 400 && serverSide.readyState === serverSide.OPEN; i += 1) {
      relay.send(client, chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(serverSide.readyState).not.toBe(serverSide.OPEN);
    expect(logs.lines.some((l) => l.event === 'finance.ws.slow_consumer' && l.sub === 'slow-reader')).toBe(
      true,
    );
    reader.destroy();
    server.close();
  });

  it('posts as usual when Redis cannot take the live update: the activity never fails for it', async () => {
    const unreachable = await createLivePublisher({
      url: 'redis://127.0.0.1:1',
      keyPrefix,
      logger: logs.logger,
    });
    try {
      const activities = createActivities({
        db: dbOf(prisma),
        ids: testIds,
        logger: logs.logger,
        listener: unreachable,
      });
      const posted = await activities.postVoucher({
        merchantId: mine.merchantId,
        voucherType: 'PURCHASE',
        sourceType: 'inventory.receipt',
        sourceId: uniqueName('rcpt'),
        currency: 'USD',
        postedAt: '2026-11-25T10:00:00Z',
        description: 'posted while Redis is away',
        createdBy: 'system',
        lines: twoLines({ code: 'INVENTORY' }, { code: 'PAYABLE' }, '5'),
      });
      expect(posted).toMatchObject({ replayed: false, status: 'POSTED' });
      await eventually(
        async () =>
          logs.lines.some(
            (l) => l.event === 'finance.live.publish_failed' && l.merchantId === mine.merchantId,
          )
            ? true
            : undefined,
        5_000,
        'the publish warning',
      );
    } finally {
      await unreachable.close();
    }
  });
});
