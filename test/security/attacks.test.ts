import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
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
  startIdentity,
  user,
  type TestApi,
  type TestIdentity,
} from '../api/support.js';
import { createTestMerchant, recordTestEvent, testIds, testPrisma } from '../support/db.js';
import { testEnv, uniqueMerchantId, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { localActivityAttempts } from '../support/temporal.js';
import {
  ATTACK_THEMES,
  ATTACKS,
  type Attack,
  type HttpAnswer,
  type HttpRequest,
  type Leaves,
  type Who,
  type WorkflowFailure,
  type WorkflowStart,
} from './attack-table.js';
import { PER_IP_LIMIT } from './rows/common.js';

/**
 * Runs the attack table (attack-table.ts) against the real stack: PostgreSQL,
 * Redis, Temporal and a JWKS over HTTP. HTTP and WebSocket rows reach the API
 * over real sockets as behind the production reverse proxy (the API trusts
 * 127.0.0.1 as its proxy); rows that start a workflow themselves go straight
 * to Temporal.
 *
 * Two instances of the API serve the rows: rows marked `needsWorker` reach the
 * one whose task queue a worker polls; every other row reaches one whose task
 * queue nobody polls, so a row that starts a workflow without saying so
 * answers 202 instead of its expected answer.
 */

const TRUSTED_PROXY = '127.0.0.1';
/** Data an error body must never carry: SQL, driver names, source positions. */
const LEAK = /SELECT|INSERT|SQLSTATE|prisma|\.ts:\d+/i;
const PLACEHOLDER = /\{([A-Za-z0-9_.:]+)\}/g;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Text of exactly `n` characters (code points), mixing scripts and an astral character. */
const TEXT = [...'Ledger ü€日😀 '];
const textOf = (n: number) => Array.from({ length: n }, (_, i) => TEXT[i % TEXT.length]).join('');

interface Answer {
  status: number;
  body: string;
  ms: number;
}

const isWorkflowStart = (request: Attack['request']): request is WorkflowStart => 'workflow' in request;

describe('attack table', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let identity: TestIdentity;
  let worker: { taskQueue: string; stop(): Promise<void> };
  const apis: { withWorker?: TestApi; withoutWorker?: TestApi } = {};
  const servers: RunningServer[] = [];
  const ports = { withWorker: 0, withoutWorker: 0 };
  const fixture: Record<string, string> = {};
  const rowIndex = new Map(ATTACKS.map((attack, i) => [attack, i]));
  const answers = new Map<Attack, { status: number; body: unknown; target?: string }>();

  const sale = async (merchantId: string) =>
    (
      await postPlan(
        { db: dbOf(prisma), ids: testIds, logger },
        {
          merchantId,
          voucherType: 'SALE',
          sourceType: 'sale.order',
          sourceId: uniqueName('o'),
          postedAt: new Date().toISOString(),
          description: 'attack table fixture',
          createdBy: 'system',
          lines: [
            { account: { code: 'RECEIVABLE' }, direction: 'DEBIT', amount: '10' },
            { account: { code: 'SALES_REVENUE' }, direction: 'CREDIT', amount: '10' },
          ],
        },
      )
    ).voucherId;

  beforeAll(async () => {
    prisma = await testPrisma();
    const [mine, theirs] = await Promise.all([
      createTestMerchant(prisma, logger),
      createTestMerchant(prisma, logger),
    ]);
    // Payload keys, so the Temporal codec endpoint exists to be attacked; the worker must hold them too.
    const payloadKeys = [{ id: 'attack', key: randomBytes(32) }];
    worker = await startApiTestWorker(prisma, logger, { payloadKeys });
    identity = await startIdentity();
    const keyPrefix = `${uniqueName('attack')}:`;
    const api = (taskQueue: string, waitMs: number) =>
      createTestApi({
        logger,
        identity,
        keyPrefix,
        waitMs,
        overrides: {
          trustedProxies: [TRUSTED_PROXY],
          load: { perIpPerMinute: PER_IP_LIMIT },
          temporal: {
            address: testEnv.temporalAddress,
            namespace: testEnv.temporalNamespace,
            taskQueue,
            uiUrl: 'http://127.0.0.1:8233',
            payloadKeys,
          },
        },
      });
    apis.withWorker = await api(worker.taskQueue, 20_000);
    apis.withoutWorker = await api(uniqueName('attack-no-worker'), 2_000);

    Object.assign(fixture, {
      mine: mine.merchantId,
      theirs: theirs.merchantId,
      ghost: uniqueMerchantId(),
      noAccount: testIds.nextString(),
      noVoucher: testIds.nextString(),
      noIntegration: testIds.nextString(),
      noEvent: uniqueName('evt-none'),
      viewer: user('attack-viewer'),
      accountant: user('attack-accountant'),
      admin: user('attack-admin'),
      adminOfBoth: user('attack-admin-of-both'),
      stranger: user('attack-stranger'),
      ...Object.fromEntries(Object.entries(mine.accounts).map(([code, id]) => [`mine.${code}`, id])),
      ...Object.fromEntries(Object.entries(theirs.accounts).map(([code, id]) => [`theirs.${code}`, id])),
    });
    const grants = apis.withWorker;
    for (const role of ['viewer', 'accountant', 'admin'] as const)
      await grants.grant(fixture[role]!, role, mine.merchantId);
    await grants.grant(fixture.adminOfBoth!, 'admin', mine.merchantId);
    await grants.grant(fixture.adminOfBoth!, 'admin', theirs.merchantId);
    const integration = await grants.call(fixture.adminOfBoth!, 'POST', '/payment-integrations', {
      merchantId: theirs.merchantId,
      provider: 'stripe',
      name: 'theirs',
      credential: 'sk_test_theirs_0123',
    });
    fixture['theirs.integration'] = (integration.json() as { id: string }).id;

    for (const which of ['withWorker', 'withoutWorker'] as const) {
      const server = await startServer(apis[which]!.app, { host: '127.0.0.1', port: 0 });
      servers.push(server);
      ports[which] = Number(new URL(server.url).port);
    }
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await worker?.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  /** The row's placeholders: each names one value within the row (its voucher is posted once). */
  function placeholdersOf(row: Attack) {
    const values = new Map<string, Promise<string>>();
    const produce = async (name: string): Promise<string> => {
      if (name in fixture) return fixture[name]!;
      if (name === 'unique') return uniqueName('attack');
      if (name === 'now') return new Date().toISOString();
      if (name === 'mine.voucher') return sale(fixture.mine!);
      if (name === 'theirs.voucher') return sale(fixture.theirs!);
      if (name === 'mine.event') return recordTestEvent(prisma, fixture.mine!);
      if (name === 'theirs.event') return recordTestEvent(prisma, fixture.theirs!);
      if (name === 'target' && row.target) return fillText(row.target);
      const [kind, n] = name.split(':');
      if (kind === 'text') return textOf(Number(n));
      if (kind === 'digits') return '9'.repeat(Number(n));
      throw new Error(`attack table: unknown placeholder {${name}} in "${row.name}"`);
    };
    const value = (name: string) => {
      if (!values.has(name)) values.set(name, produce(name));
      return values.get(name)!;
    };
    async function fillText(text: string, repetition?: number): Promise<string> {
      let out = '';
      let from = 0;
      for (const match of text.matchAll(PLACEHOLDER)) {
        const name = match[1]!;
        if (name === 'n' && repetition === undefined)
          throw new Error(`attack table: {n} is for headers only ("${row.name}")`);
        out += text.slice(from, match.index) + (name === 'n' ? String(repetition) : await value(name));
        from = match.index + match[0].length;
      }
      return out + text.slice(from);
    }
    async function fill(value: unknown): Promise<unknown> {
      if (typeof value === 'string') return fillText(value);
      if (Array.isArray(value)) return Promise.all(value.map(fill));
      if (value && typeof value === 'object')
        return Object.fromEntries(
          await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await fill(v)] as const)),
        );
      return value;
    }
    return { fill, fillText };
  }
  type Placeholders = ReturnType<typeof placeholdersOf>;

  /** The token `who` presents, made the way that kind of caller would make it. */
  async function tokenOf(who: Who, { fillText }: Placeholders): Promise<string | null> {
    if ('anonymous' in who || 'temporalClient' in who) return null;
    if ('forged' in who) {
      const sub = fixture.viewer!;
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
    const sub = await fillText(who.sub);
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
  async function send(row: Attack, who: Who, req: HttpRequest, n: number, p: Placeholders): Promise<Answer> {
    const index = rowIndex.get(row)!;
    const port = row.needsWorker ? ports.withWorker : ports.withoutWorker;
    const token = await tokenOf(who, p);
    let path = `${API}${await p.fillText(req.path)}`;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers ?? {}))
      headers[name.toLowerCase()] = await p.fillText(value, n);
    if (token && 'sub' in who && who.tokenIn === 'query') {
      path += `${path.includes('?') ? '&' : '?'}access_token=${token}`;
    } else if (token) headers.authorization = `Bearer ${token}`;
    let localAddress = TRUSTED_PROXY;
    if ((req.via ?? 'proxy') === 'proxy') {
      // What the proxy does: append the address the client connected from.
      const client = req.client ?? `198.18.${Math.floor(index / 250)}.${(index % 250) + 1}`;
      const given = headers['x-forwarded-for'];
      headers['x-forwarded-for'] = given ? `${given}, ${client}` : client;
    } else {
      localAddress = `127.0.0.${20 + (index % 200)}`;
    }
    const started = Date.now();
    const timed = (answer: Omit<Answer, 'ms'>): Answer => ({ ...answer, ms: Date.now() - started });
    if (req.websocket) return timed(await upgrade(port, path, headers, localAddress));
    const body = req.body === undefined ? undefined : JSON.stringify(await p.fill(req.body));
    if (body !== undefined) headers['content-type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const r = httpRequest(
        { host: '127.0.0.1', port, path, method: req.method, headers, localAddress },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolve(timed({ status: res.statusCode ?? 0, body: text })));
        },
      );
      r.on('error', reject);
      r.end(body);
    });
  }

  function upgrade(
    port: number,
    path: string,
    headers: Record<string, string>,
    localAddress: string,
  ): Promise<Omit<Answer, 'ms'>> {
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

  /** Runs `work` while another transaction holds the account's row `FOR UPDATE`. */
  async function whileLocked<T>(accountId: string, work: () => Promise<T>): Promise<T> {
    const holder = new pg.Client({ connectionString: testEnv.dbUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM finance."FinanceAccount" WHERE id = $1 FOR UPDATE', [accountId]);
      return await work();
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  }

  async function runHttp(row: Attack, req: HttpRequest, expected: HttpAnswer, p: Placeholders) {
    for (const step of row.before ?? []) {
      for (let i = 0; i < (step.times ?? 1); i += 1) await send(row, step.who ?? row.who, step, i, p);
    }
    const sendAll = async () => {
      let last: Answer | undefined;
      for (let i = 0; i < (req.times ?? 1); i += 1) last = await send(row, row.who, req, i, p);
      return last!;
    };
    const answer = row.whileLocked
      ? await whileLocked(await p.fillText(row.whileLocked), sendAll)
      : await sendAll();
    const parsed = answer.body ? (JSON.parse(answer.body) as Record<string, unknown>) : {};
    const target = row.target ? await p.fillText(row.target) : undefined;
    answers.set(row, { status: answer.status, body: parsed, ...(target ? { target } : {}) });

    // `code` belongs to error bodies; an entity's own `code` (an account's) is checked through `body`.
    const code = answer.status >= 400 ? parsed.code : undefined;
    expect({ status: answer.status, code }, answer.body).toEqual({
      status: expected.status,
      code: expected.code,
    });
    if (answer.status >= 400) {
      expect(parsed).toMatchObject({ requestId: expect.any(String) });
      expect(answer.body).not.toMatch(LEAK);
    }
    if (expected.message !== undefined) expect(parsed.message).toBe(await p.fillText(expected.message));
    if (expected.body !== undefined) expect(parsed).toMatchObject((await p.fill(expected.body)) as object);
    if (expected.bodyIs !== undefined) expect(parsed).toEqual(await p.fill(expected.bodyIs));
    if (expected.withinMs !== undefined) expect(answer.ms).toBeLessThan(expected.withinMs);
  }

  async function runWorkflow(req: WorkflowStart, expected: WorkflowFailure, p: Placeholders) {
    const { client } = apis.withWorker!.app.temporal;
    const handle = await client.workflow.start(req.workflow, {
      taskQueue: worker.taskQueue,
      workflowId: await p.fillText(req.workflowId),
      args: [await p.fill(req.input)],
    });
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    const events = (await handle.fetchHistory()).events ?? [];
    // Attempts of the ledger's activities; an event's run also ends by writing its record (recordEventOutcome).
    const recording = events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordEventOutcome')
      .map((e) => String(e.eventId));
    const attempts =
      events
        .filter(
          (e) =>
            e.activityTaskStartedEventAttributes &&
            !recording.includes(String(e.activityTaskStartedEventAttributes.scheduledEventId)),
        )
        .reduce((n, e) => n + (e.activityTaskStartedEventAttributes!.attempt ?? 1), 0) +
      // A local activity's marker records the attempt it ended on.
      localActivityAttempts(events).reduce((n, attempt) => n + attempt, 0);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: expected.failure, nonRetryable: true });
    if (expected.message) expect((cause as ApplicationFailure).message).toMatch(expected.message);
    expect(attempts).toBe(expected.attempts);
  }

  async function checkLeaves(leaves: Leaves, p: Placeholders) {
    if ('voucher' in leaves) {
      const id = BigInt(await p.fillText(leaves.voucher));
      expect((await prisma.financeVoucher.findUnique({ where: { id } }))?.status).toBe(leaves.status);
    } else {
      const sourceId = await p.fillText(leaves.noVoucherFromSource);
      expect(await prisma.financeVoucher.count({ where: { sourceId } })).toBe(0);
    }
  }

  async function run(row: Attack) {
    const p = placeholdersOf(row);
    const { request, expect: expected } = row;
    if (
      isWorkflowStart(request) !== 'temporalClient' in row.who ||
      isWorkflowStart(request) !== 'failure' in expected
    )
      throw new Error(`attack table: "${row.name}" mixes a workflow start with an HTTP caller or answer`);
    if (isWorkflowStart(request)) await runWorkflow(request, expected as WorkflowFailure, p);
    else await runHttp(row, request, expected as HttpAnswer, p);
    if (row.leaves) await checkLeaves(row.leaves, p);
  }

  for (const { theme, rows } of ATTACK_THEMES) {
    describe(theme, () => {
      it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => run(row));
    });
  }

  describe('across the table', () => {
    it('every pair of oracle rows answered identically', () => {
      const groups = new Map<string, string[]>();
      for (const row of ATTACKS.filter((r) => r.oracle)) {
        const answer = answers.get(row);
        expect(answer, `${row.name} did not run`).toBeDefined();
        const { requestId: _ignored, ...rest } = (answer!.body ?? {}) as Record<string, unknown>;
        const masked = JSON.stringify({ status: answer!.status, ...rest }).replaceAll(
          answer!.target ?? '\u0000',
          '{target}',
        );
        groups.set(row.oracle!, [...(groups.get(row.oracle!) ?? []), masked]);
      }
      for (const [oracle, bodies] of groups) {
        expect(bodies.length, oracle).toBeGreaterThanOrEqual(2);
        expect(new Set(bodies).size, `${oracle}: ${bodies.join(' ≠ ')}`).toBe(1);
      }
    });

    it('left the other merchant’s accounts untouched', async () => {
      const rows = await prisma.financeAccount.findMany({
        where: { merchantId: BigInt(fixture.theirs!), code: { in: ['CASH', 'BANK', 'OWNER_EQUITY'] } },
      });
      expect(rows.map((r) => [r.code, r.postingSequence, r.balance.toString(), r.name])).toEqual(
        expect.arrayContaining([
          ['CASH', 0n, '0', 'Cash'],
          ['BANK', 0n, '0', 'Bank'],
          ['OWNER_EQUITY', 0n, '0', "Owner's equity"],
        ]),
      );
    });
  });
});
