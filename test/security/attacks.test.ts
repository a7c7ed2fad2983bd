import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { postPlan } from '../../src/activities/posting.js';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import {
  API,
  AUDIENCE,
  createTestApi,
  ISSUER,
  startApiTestWorker,
  user,
  type TestApi,
} from '../api/support.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { testEnv, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { ATTACKS, type Attack, type AttackRequest, PER_IP_LIMIT, type Who } from './attack-table.js';

/**
 * Runs the attack table (attack-table.ts) against one API on the real stack
 * (PostgreSQL, Redis, a JWKS over HTTP), reached over real sockets as behind
 * the production reverse proxy: the API trusts 127.0.0.1 as its proxy.
 */

const TRUSTED_PROXY = '127.0.0.1';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

interface Answer {
  status: number;
  body: string;
}

describe('attack table', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let server: RunningServer;
  let worker: { taskQueue: string; stop(): Promise<void> } | undefined;
  let port: number;
  const places: Record<string, string> = {};

  beforeAll(async () => {
    prisma = await testPrisma();
    const [mine, theirs] = [
      await createTestMerchant(prisma, logger),
      await createTestMerchant(prisma, logger),
    ];
    places.mine = mine.merchantId;
    places.theirs = theirs.merchantId;
    for (const [name, m] of [
      ['mine', mine],
      ['theirs', theirs],
    ] as const) {
      for (const [code, id] of Object.entries(m.accounts)) places[`${name}.${code}`] = id;
      const voucher = await postPlan(
        { db: dbOf(prisma), ids: testIds, logger },
        {
          merchantId: m.merchantId,
          voucherType: 'RECEIPT',
          sourceType: 'attack.receipt',
          sourceId: uniqueName('rcpt'),
          postedAt: new Date().toISOString(),
          description: 'attack table fixture',
          createdBy: 'system',
          lines: [
            { account: { id: m.accounts.CASH! }, direction: 'DEBIT', amount: '10.00' },
            { account: { id: m.accounts.RECEIVABLE! }, direction: 'CREDIT', amount: '10.00' },
          ],
        },
      );
      places[name === 'mine' ? 'mineVoucher' : 'theirVoucher'] = voucher.voucherId;
    }
    // Payload keys, so the Temporal codec endpoint exists to be attacked; the worker must hold them too.
    const payloadKeys = [{ id: 'attack', key: randomBytes(32) }];
    if (ATTACKS.some((attack) => attack.needsWorker))
      worker = await startApiTestWorker(prisma, logger, { payloadKeys });
    api = await createTestApi({
      logger,
      overrides: {
        trustedProxies: [TRUSTED_PROXY],
        load: { perIpPerMinute: PER_IP_LIMIT },
        temporal: {
          address: testEnv.temporalAddress,
          namespace: testEnv.temporalNamespace,
          taskQueue: worker?.taskQueue ?? uniqueName('attack-no-worker'),
          uiUrl: 'http://127.0.0.1:8233',
          payloadKeys,
        },
      },
    });
    for (const role of ['viewer', 'accountant', 'admin'] as const) {
      places[role] = user(`attack-${role}`);
      await api.grant(places[role], role, mine.merchantId);
    }
    places.stranger = user('attack-stranger');
    server = await startServer(api.app, { host: '127.0.0.1', port: 0 });
    port = Number(new URL(server.url).port);
  });

  afterAll(async () => {
    await server?.close();
    await worker?.stop();
    await prisma?.$disconnect();
  });

  const fill = (text: string, n = 0): string =>
    text.replace(/\{([A-Za-z.]+)\}/g, (whole, key: string) => {
      if (key === 'unique') return uniqueName('attack-user');
      if (key === 'n') return String(n);
      const value = places[key];
      if (value === undefined) throw new Error(`attack table: unknown placeholder ${whole}`);
      return value;
    });
  const fillDeep = (value: unknown): unknown =>
    typeof value === 'string'
      ? fill(value)
      : Array.isArray(value)
        ? value.map(fillDeep)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v)]))
          : value;

  /** The token `who` presents, made the way that kind of caller would make it. */
  async function tokenOf(who: Who): Promise<string | null> {
    const { identity } = api;
    if ('anonymous' in who) return null;
    if ('forged' in who) {
      const sub = places.viewer!;
      switch (who.forged) {
        case 'alg-none':
          return `${b64({ alg: 'none', typ: 'JWT', kid: identity.kid })}.${b64({ sub, iss: ISSUER, aud: AUDIENCE, exp: now() + 300 })}.`;
        case 'hs256-public-key':
          return new SignJWT({})
            .setProtectedHeader({ alg: 'HS256', kid: identity.kid })
            .setSubject(sub)
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setExpirationTime('5m')
            .sign(new TextEncoder().encode(JSON.stringify(identity.publicJwk)));
        case 'unknown-kid':
          return identity.token(sub, {
            kid: 'unknown-kid',
            key: (await generateKeyPair('ES256')).privateKey,
          });
        case 'foreign-key':
          return identity.token(sub, { key: (await generateKeyPair('ES256')).privateKey });
        case 'tampered-sub': {
          const [h, p, s] = (await identity.token(sub)).split('.');
          const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
          return `${h}.${b64({ ...claims, sub: 'admin' })}.${s}`;
        }
      }
    }
    const sub = fill(who.sub);
    switch (who.token ?? 'valid') {
      case 'expired':
        return identity.token(sub, { expiresIn: now() - 60 });
      case 'not-yet-valid':
        return identity.token(sub, { notBefore: now() + 120 });
      case 'wrong-issuer':
        return identity.token(sub, { issuer: 'https://evil.test/' });
      case 'wrong-audience':
        return identity.token(sub, { audience: 'another-service' });
      default:
        return identity.token(sub);
    }
  }

  /** Sends one request as `who`, from the proxy (with the client's address forwarded) or directly. */
  async function send(row: number, who: Who, req: AttackRequest, n: number): Promise<Answer> {
    const token = await tokenOf(who);
    let path = `${API}${fill(req.path)}`;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers ?? {}))
      headers[name.toLowerCase()] = fill(value, n);
    if (token && 'sub' in who && who.tokenIn === 'query') {
      path += `${path.includes('?') ? '&' : '?'}access_token=${token}`;
    } else if (token) headers.authorization = `Bearer ${token}`;
    let localAddress = TRUSTED_PROXY;
    if ((req.via ?? 'proxy') === 'proxy') {
      // What the proxy does: append the address the client connected from.
      const client = req.client ?? `198.18.${Math.floor(row / 250)}.${(row % 250) + 1}`;
      const given = headers['x-forwarded-for'];
      headers['x-forwarded-for'] = given ? `${given}, ${client}` : client;
    } else {
      localAddress = `127.0.0.${20 + (row % 200)}`;
    }
    if (req.websocket) return upgrade(path, headers, localAddress);
    const body = req.body === undefined ? undefined : JSON.stringify(fillDeep(req.body));
    if (body !== undefined) headers['content-type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const r = httpRequest(
        { host: '127.0.0.1', port, path, method: req.method, headers, localAddress },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      r.on('error', reject);
      r.end(body);
    });
  }

  function upgrade(path: string, headers: Record<string, string>, localAddress: string): Promise<Answer> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, ['finance.v1'], { headers, localAddress });
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      });
      ws.once('open', () => {
        ws.close();
        resolve({ status: 101, body: '' });
      });
      ws.once('error', reject);
    });
  }

  async function run(row: number, attack: Attack): Promise<Answer> {
    for (const step of attack.before ?? []) {
      for (let i = 0; i < (step.times ?? 1); i += 1) await send(row, step.who ?? attack.who, step, i);
    }
    let answer: Answer | undefined;
    for (let i = 0; i < (attack.request.times ?? 1); i += 1)
      answer = await send(row, attack.who, attack.request, i);
    return answer!;
  }

  it.each(ATTACKS.map((attack, row) => ({ ...attack, row })))('$name', async ({ row, ...attack }) => {
    const answer = await run(row, attack);
    const parsed = answer.body ? (JSON.parse(answer.body) as Record<string, unknown>) : {};
    // `code` belongs to error bodies; an entity's own `code` (an account's) is checked through `body`.
    const code = answer.status >= 400 ? parsed.code : undefined;
    expect({ status: answer.status, code }, answer.body).toEqual({
      status: attack.expect.status,
      code: attack.expect.code,
    });
    if (attack.expect.body) expect(parsed).toMatchObject(attack.expect.body as object);
  });
});
